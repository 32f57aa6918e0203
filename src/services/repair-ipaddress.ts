// The 1.33+ repair controller (ipallocator/controller/repairip.go, one runOnce): every Service IP
// must have its IPAddress pointing back at the Service, and every allocator-managed IPAddress must
// belong to a Service that lists it. Reports the controller's events and the object changes it
// makes; with `apply` the changes are made.
import type { Service } from 'kubernetes-types/core/v1.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { cidrContains, parseCIDR } from '../cidr.js';
import { addressValue, prefixContainsIP } from './meta-allocator.js';
import {
  IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY, NETWORKING_API_VERSION, serviceParentRef,
  type IPAddress, type ParentReference, type ServiceCIDR,
} from './network-objects.js';
import { isServiceIPSet, keyOf } from './service-fields.js';
import { familyOfName, timestamp } from './service-cidrs.js';

/** An IPAddress older than this whose Service does not exist has leaked (the API request timeout). */
export const LEAK_GRACE_MS = 60_000;

export interface RepairEvent {
  type: 'Warning';
  reason: string;
  message: string;
  /** "namespace/name" of the Service, or the IPAddress name. */
  object: string;
}

export interface RepairAction { verb: 'create' | 'delete'; resource: 'ipaddresses'; name: string }

export interface IPAddressRepairReport {
  model: 'ipaddress';
  events: RepairEvent[];
  actions: RepairAction[];
}

/** The objects a repair pass reads and writes. */
export interface RepairWorld {
  readonly serviceCIDRs: readonly ServiceCIDR[];
  readonly addresses: Map<string, IPAddress>;
  readonly now: number;
}

export function formatRepairEvent(event: RepairEvent): string {
  return `${event.type} ${event.reason} ${event.message}`;
}

function newIPAddress(name: string, service: Service, now: number): IPAddress {
  return {
    apiVersion: NETWORKING_API_VERSION,
    kind: 'IPAddress',
    metadata: {
      name,
      labels: { [LABEL_IP_FAMILY]: familyOfName(name), [LABEL_MANAGED_BY]: IP_ALLOCATOR_MANAGER },
      creationTimestamp: timestamp(now),
    },
    spec: { parentRef: serviceParentRef(service.metadata?.namespace || 'default', service.metadata?.name ?? '') },
  };
}

// Go's %v of a *ParentReference: &{group resource namespace name}.
function refText(ref: ParentReference | undefined): string {
  return ref ? `&{${ref.group ?? ''} ${ref.resource} ${ref.namespace ?? ''} ${ref.name}}` : '<nil>';
}

/** Both passes of one runOnce: every Service first, then every IPAddress. */
export function repairIPAddresses(services: readonly Service[], world: RepairWorld): IPAddressRepairReport {
  const report: IPAddressRepairReport = { model: 'ipaddress', events: [], actions: [] };
  syncServices(services, world, report);
  syncIPAddresses(services, world, report);
  return report;
}

function recorder(world: RepairWorld, report: IPAddressRepairReport) {
  const { addresses, now } = world;
  return {
    warn: (reason: string, message: string, object: string) => report.events.push({ type: 'Warning', reason, message, object }),
    create: (name: string, service: Service) => {
      report.actions.push({ verb: 'create', resource: 'ipaddresses', name });
      addresses.set(name, newIPAddress(name, service, now));
    },
    remove: (name: string) => {
      report.actions.push({ verb: 'delete', resource: 'ipaddresses', name });
      addresses.delete(name);
    },
  };
}

function servicesByKey(services: readonly Service[]): Map<string, Service> {
  return new Map(services.map((s) => [keyOf(s.metadata?.namespace, s.metadata?.name ?? ''), s]));
}

/** The Service pass (syncService): each Service IP must have its IPAddress pointing back at it. */
export function syncServices(services: readonly Service[], world: RepairWorld, report: IPAddressRepairReport): void {
  const { addresses } = world;
  const byKey = servicesByKey(services);
  const prefixes = world.serviceCIDRs.flatMap((o) => (o.spec.cidrs ?? []).map((c) => parseCIDR(c)));
  const { warn, create, remove } = recorder(world, report);
  for (const service of services) {
    if (!isServiceIPSet(service)) continue;
    const namespace = service.metadata?.namespace || 'default';
    const name = service.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    for (const clusterIP of service.spec?.clusterIPs ?? []) {
      const ip = parseIPSloppy(clusterIP);
      if (ip === null) {
        warn('ClusterIPNotValid', 'Cluster IP <nil> is not a valid IP; please recreate Service', key);
        continue;
      }
      const family = ip.family === 6 ? 'IPv6' : 'IPv4';
      const value = addressValue(ip);
      if (!prefixes.some((p) => (p.family === ip.family) && prefixContainsIP(p, value))) {
        warn('ClusterIPOutOfRange', `Cluster IP [${family}]: ${ip.canonical} is not within any configured Service CIDR; please recreate service`, key);
        continue;
      }
      const address = addresses.get(ip.canonical);
      if (!address) {
        warn('ClusterIPNotAllocated', `Cluster IP [${family}]: ${ip.canonical} is not allocated; repairing`, key);
        create(ip.canonical, service);
        continue;
      }
      const ref = address.spec?.parentRef;
      const wrongReference = `the ClusterIP [${family}]: ${ip.canonical} for Service ${key} has a wrong reference; repairing`;
      if (!ref || (ref.group ?? '') !== '' || ref.resource !== 'services') {
        warn('ClusterIPNotAllocated', wrongReference, key);
        remove(ip.canonical);
        create(ip.canonical, service);
        continue;
      }
      if ((ref.namespace ?? '') !== namespace || ref.name !== name) {
        const holder = byKey.get(keyOf(ref.namespace, ref.name));
        if (!holder) {
          warn('ClusterIPNotAllocated', wrongReference, key);
          remove(ip.canonical);
          create(ip.canonical, service);
          continue;
        }
        if ((holder.spec?.clusterIPs ?? []).includes(address.metadata.name!)) {
          warn('ClusterIPAlreadyAllocated', `Cluster IP [${family}]:${ip.canonical} was assigned to multiple services; please recreate service`, key);
        }
      }
      const labels = address.metadata.labels ?? {};
      if (labels[LABEL_IP_FAMILY] !== familyOfName(address.metadata.name!) || labels[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER) {
        remove(ip.canonical);
        create(ip.canonical, service);
      }
    }
  }

}

/** The IPAddress pass (syncIPAddress): each allocator-managed IPAddress must belong to a Service listing it. */
export function syncIPAddresses(services: readonly Service[], world: RepairWorld, report: IPAddressRepairReport): void {
  const { addresses, now } = world;
  const byKey = servicesByKey(services);
  const { warn, remove } = recorder(world, report);
  for (const address of [...addresses.values()]) {
    const name = address.metadata.name!;
    if (!addresses.has(name) || address.metadata.labels?.[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER) continue;
    const ref = address.spec?.parentRef;
    if (!ref || (ref.group ?? '') !== '' || ref.resource !== 'services') {
      warn('IPAddressNotAllocated', `IPAddress ${name} appears to have been modified, not referencing a Service ${refText(ref)}: cleaning up`, name);
      remove(name);
      continue;
    }
    const holder = byKey.get(keyOf(ref.namespace, ref.name));
    if (!holder) {
      const created = Date.parse(address.metadata.creationTimestamp ?? '');
      if (!Number.isNaN(created) && now - created > LEAK_GRACE_MS) {
        warn('IPAddressNotAllocated', `IPAddress: ${name} for Service ${ref.namespace ?? ''}/${ref.name} appears to have leaked: cleaning up`, name);
        remove(name);
      }
      continue;
    }
    // The API server compares texts here: a Service storing sloppy text loses its IPAddress, which
    // the next pass recreates.
    if ((holder.spec?.clusterIPs ?? []).includes(name)) continue;
    warn('IPAddressWrongReference', `IPAddress: ${name} for Service ${holder.metadata?.namespace || 'default'}/${holder.metadata?.name} has a wrong reference; cleaning up`, name);
    remove(name);
  }
}

/** Whether an address (canonical text) lies inside a CIDR text, network and broadcast included. */
export function cidrHolds(cidr: string, name: string): boolean {
  const parsed = parseCIDR(cidr);
  const ip = parseIPSloppy(name);
  return ip !== null && (ip.family === parsed.family) && cidrContains(parsed, addressValue(ip));
}
