// Which ServiceCIDRs hold an IP or overlap a ServiceCIDR: the questions kube-controller-manager's
// servicecidrs controller asks its prefix tree before it lets a ServiceCIDR go.
import { parseCIDR, type ParsedCIDR } from '../cidr.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { addressValue, prefixContainsIP } from './meta-allocator.js';
import { IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY, type AddressEntry, type ServiceCIDR } from './network-objects.js';

function cidrsOf(object: ServiceCIDR): ParsedCIDR[] {
  return (object.spec?.cidrs ?? []).flatMap((text) => {
    try {
      return [parseCIDR(text)];
    } catch {
      return []; // validation keeps bad CIDRs out; a restored state may not
    }
  });
}

/** Whether `outer` contains `inner` (equal prefixes included). */
function prefixContainsPrefix(outer: ParsedCIDR, inner: ParsedCIDR): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const shift = BigInt(outer.addressBits - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}

const namesOf = (objects: Iterable<ServiceCIDR>) => [...objects].map((o) => o.metadata.name!);

/**
 * The ServiceCIDRs with a CIDR holding the IP as a host address: never a CIDR's network address,
 * nor an IPv4 CIDR's broadcast address (an IPv6 CIDR's last address is a host).
 */
export function containingServiceCIDRs(objects: Iterable<ServiceCIDR>, ipText: string): string[] {
  const ip = parseIPSloppy(ipText);
  if (ip === null) return [];
  const value = addressValue(ip);
  return namesOf([...objects].filter((o) => cidrsOf(o).some((c) => c.family === ip.family && prefixContainsIP(c, value))));
}

/** The ServiceCIDRs (the target included) with a CIDR containing, or contained in, one of the target's. */
export function overlappingServiceCIDRs(objects: Iterable<ServiceCIDR>, target: ServiceCIDR): string[] {
  const wanted = cidrsOf(target);
  return namesOf([...objects].filter((o) => cidrsOf(o).some((c) => wanted.some((w) => prefixContainsPrefix(c, w) || prefixContainsPrefix(w, c)))));
}

/**
 * canDeleteCIDR: a ServiceCIDR may go when every one of its CIDRs is also held by another
 * ServiceCIDR (equal or larger), or when no allocator-managed IPAddress would be left in no
 * ServiceCIDR at all.
 */
export function canDeleteServiceCIDR(objects: Iterable<ServiceCIDR>, target: ServiceCIDR, addresses: Iterable<AddressEntry>): boolean {
  const others = [...objects].filter((o) => o.metadata.name !== target.metadata.name);
  const mine = cidrsOf(target);
  const hasParent = mine.every((cidr) => others.some((o) => cidrsOf(o).some((c) => prefixContainsPrefix(c, cidr))));
  if (hasParent) return true;
  const list = [...addresses]; // walked once per CIDR: an iterator would be spent after the first
  for (const cidr of mine) {
    const family = cidr.family === 4 ? 'IPv4' : 'IPv6';
    for (const address of list) {
      const labels = address.labels ?? {};
      if (labels[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER || labels[LABEL_IP_FAMILY] !== family) continue;
      const ip = parseIPSloppy(address.name);
      if (ip === null || ip.family !== cidr.family || !prefixContainsIP(cidr, addressValue(ip))) continue;
      if (containingServiceCIDRs(others, address.name).length === 0) return false;
    }
  }
  return true;
}
