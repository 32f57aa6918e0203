// The IP model of 1.33 and later: ServiceCIDR objects, one IPAddress object per allocated IP, a
// MetaAllocator per family over every ServiceCIDR's CIDRs (service-cidrs.ts holds the objects and
// runs their controllers), and the IPAddress repair controller.
import type { ClusterIPAllocator } from '../allocator.js';
import { invalidSnapshotError } from '../errors.js';
import { parseIPSloppy, type SloppyIP } from '../ip-sloppy.js';
import type { FamilyAllocator } from './family-allocator.js';
import { hazard, type Hazard } from './hazards.js';
import { forEachHeldServiceIP, serviceIPs, toBase64, type CheckedState } from './ipam-state.js';
import type { IPModelState, ServiceIPModel } from './ip-model.js';
import { addressValue, prefixContainsIP } from './meta-allocator.js';
import type { CIDRMetrics } from './metrics.js';
import { IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY } from './network-objects.js';
import type { ServiceAllocations } from './service-allocations.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { RepairOptions } from './repair.js';
import { AddressOverlay, repairIPAddresses, type IPAddressRepairReport, type ServiceLookup } from './repair-ipaddress.js';
import { ServiceCIDRRegistry, type ServiceCIDRRegistryOptions } from './service-cidrs.js';
import { familyOf, keyOf, type IPFamily } from './service-fields.js';

export class IPAddressIPModel implements ServiceIPModel {
  readonly #registry: ServiceCIDRRegistry;
  readonly #flag: readonly string[];
  readonly #now: () => number;

  constructor(options: ServiceCIDRRegistryOptions) {
    this.#registry = new ServiceCIDRRegistry(options);
    this.#flag = options.flag.map((c) => c.cidr);
    this.#now = options.now;
  }

  family(family: IPFamily): FamilyAllocator | undefined {
    return this.#registry.allocator(family);
  }

  prepare(): void {
    this.#registry.reconcile();
  }

  isAllocated(ip: SloppyIP): boolean {
    return this.#registry.hasAddress(ip.canonical);
  }

  flagAllocator(family: IPFamily): ClusterIPAllocator | undefined {
    this.#registry.reconcile();
    const cidr = this.#flag.find((c) => familyOf(c.slice(0, c.indexOf('/'))) === family);
    return cidr === undefined ? undefined : this.#registry.allocator(family)?.items.get(cidr)?.allocator ?? undefined;
  }

  repair(services: Iterable<ServiceAllocations>, lookup: ServiceLookup, options: RepairOptions): IPAddressRepairReport {
    const registry = this.#registry;
    // The pass records its creates and deletes over the stored entries, which it only reads.
    const addresses = new AddressOverlay(registry.addressMap());
    const report = repairIPAddresses(services, lookup, { serviceCIDRs: registry.serviceCIDRs(), addresses, now: this.#now() });
    if (options.apply) {
      for (const action of report.actions) {
        if (action.verb === 'delete') registry.deleteAddress(action.name);
      }
      for (const action of report.actions) {
        const entry = addresses.get(action.name);
        if (action.verb === 'create' && entry && !registry.hasAddress(action.name)) registry.putAddress(entry);
      }
    }
    return report;
  }

  metricRows(): CIDRMetrics[] {
    const registry = this.#registry;
    registry.reconcile();
    // Allocator-managed IPAddresses, parsed once, by family.
    const managed = new Map<4 | 6, bigint[]>([[4, []], [6, []]]);
    for (const address of registry.addressEntries()) {
      if (address.labels?.[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER) continue;
      const ip = parseIPSloppy(address.name);
      const family = address.labels?.[LABEL_IP_FAMILY];
      if (ip !== null && family === (ip.family === 4 ? 'IPv4' : 'IPv6')) managed.get(ip.family)!.push(addressValue(ip));
    }
    const rows: CIDRMetrics[] = [];
    const maxInt = (1n << 63n) - 1n;
    for (const meta of registry.metaAllocators.values()) {
      for (const item of meta.items.values()) {
        const values = managed.get(item.cidr.family)!;
        let used = 0;
        for (const value of values) if (prefixContainsIP(item.cidr, value) || value === item.cidr.network) used++;
        // Free() = size - used, where a size above MaxInt is taken as MaxInt.
        const size = item.allocator?.range.size ?? 0n;
        rows.push({
          cidr: item.cidr.cidr,
          allocated: used,
          available: (size > maxInt ? maxInt : size) - BigInt(used),
          allocations: { static: item.counters.staticAllocations, dynamic: item.counters.dynamicAllocations },
          errors: { static: item.counters.staticErrors, dynamic: item.counters.dynamicErrors },
        });
      }
    }
    return rows;
  }

  snapshot(): IPModelState {
    const registry = this.#registry;
    registry.reconcile();
    const ranges = registry.shadowAllocators().map((allocator) => {
      const snap = allocator.snapshot();
      return { range: snap.range, data: toBase64(snap.data) };
    });
    return { ranges, serviceCIDRs: registry.serviceCIDRs(), ipAddresses: registry.addresses(), cidrAllocators: registry.allocatorReadiness() };
  }

  // The objects are validated as the API server validates them on create: what no request can
  // store is corrupt. How Services and IPAddresses relate is not checked: deleting an IPAddress
  // (or the repair controller doing so) lets that IP be taken again, so every combination of
  // Services and IPAddresses is reachable. Those the repair controller would act on are reported.
  load(state: CheckedState, hazards: Hazard[]): void {
    const registry = this.#registry;
    if (state.version === 2 && registry.shadowAllocators().length > 0) {
      const targets = registry.shadowAllocators();
      if (state.ranges.length !== targets.length) throw invalidSnapshotError(`expected ${targets.length} range bitmaps, found ${state.ranges.length}`, 'ranges');
      state.ranges.forEach((range, i) => targets[i].restore(range));
    }
    registry.load(state.version === 2 ? state.serviceCIDRs : [], state.version === 2 ? state.ipAddresses : [], state.cidrAllocators);
    if (state.version === 1) {
      // A 0.1.0 state (bitmaps only): the repair controller gives each Service IP its IPAddress.
      forEachHeldServiceIP(state.services, (ip, _key, service) => {
        registry.createAllocated(familyOf(ip)!, ip, { namespace: service.metadata?.namespace || 'default', name: service.metadata?.name ?? '' });
      });
      return;
    }
    reportIPHazards(state.services, registry, hazards);
  }

  rangeAllocators(): ClusterIPAllocator[] {
    return this.#registry.shadowAllocators();
  }

  objects(): ServiceCIDRRegistry {
    return this.#registry;
  }

  dispose(): void {
    this.#registry.dispose();
  }
}

// What a restored state holds that the repair controller would report (or the next allocation
// may hand out again): a Service IP without its IPAddress, an IPAddress pointing elsewhere, an IP
// held by two Services.
function reportIPHazards(services: ReadonlyMap<string, Service>, registry: ServiceCIDRRegistry, hazards: Hazard[]): void {
  const holders = new Map<string, string[]>();
  for (const [key, service] of services) {
    for (const ip of serviceIPs(service)) {
      const list = holders.get(ip);
      if (list) list.push(key);
      else holders.set(ip, [key]);
    }
  }
  for (const [ip, keys] of holders) {
    if (keys.length > 1) {
      hazards.push(hazard('ip-shared', `${ip} is held by ${keys.join(' and ')}`, { ip, service: keys[0], holders: keys }));
    }
    const address = registry.address(ip);
    if (!address) {
      hazards.push(hazard('ip-not-allocated', `${ip} of service ${keys[0]} has no IPAddress: the next allocation may hand it out until the repair controller recreates it`, { ip, service: keys[0] }));
      continue;
    }
    const ref = address.parentRef;
    const parent = ref.resource === 'services' && !ref.group ? keyOf(ref.namespace, ref.name) : undefined;
    if (parent === undefined || !keys.includes(parent)) {
      const holder = parent ?? `${ref.group ? `${ref.resource}.${ref.group}` : ref.resource} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
      hazards.push(hazard('ip-held-by-other', `${ip} of service ${keys[0]} belongs to the IPAddress of ${holder}`, { ip, service: keys[0], holders: [holder] }));
    }
  }
}
