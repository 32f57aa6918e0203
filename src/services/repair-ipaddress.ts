// The 1.33+ repair controller (ipallocator/controller/repairip.go, one runOnce): every Service IP
// must have its IPAddress pointing back at the Service, and every allocator-managed IPAddress must
// belong to a Service that lists it. Reports the controller's events and the object changes it
// makes; with `apply` the changes are made.
import { parseIPSloppy } from '../ip-sloppy.js';
import { cidrContains, parseCIDR } from '../cidr.js';
import { addressValue, hostTester } from './meta-allocator.js';
import { IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY, ManagedAddress, type AddressEntry, type ParentReference, type ServiceCIDR } from './network-objects.js';
import { hasServiceIP, type ServiceAllocations } from './service-allocations.js';
import { keyOf } from './service-fields.js';
import { ALLOCATOR_LABELS, familyOfName, timestamp } from './service-cidrs.js';

/** An IPAddress older than this whose Service does not exist has leaked (the API request timeout). */
export const LEAK_GRACE_MS = 60_000;

/** An event the IPAddress repair controller records, as kube-apiserver records it. */
export interface RepairEvent {
  /** The event type: the controller records warnings only. */
  type: 'Warning';
  /** The event's reason, e.g. "ClusterIPNotAllocated". */
  reason: string;
  /** The event's message, in upstream's words. */
  message: string;
  /** "namespace/name" of the Service, or the IPAddress name. */
  object: string;
}

/** A write the IPAddress repair controller makes (or would make, when not applied). */
export interface RepairAction {
  /** Whether the IPAddress is created or deleted. */
  verb: 'create' | 'delete';
  /** The resource written: IPAddresses. */
  resource: 'ipaddresses';
  /** The IPAddress's name: the IP. */
  name: string;
}

/** What the IPAddress repair controller (1.33+) finds: its events and its writes. */
export interface IPAddressRepairReport {
  /** Which repair controller ran: the IPAddress one. */
  model: 'ipaddress';
  /** The events it records, in order. */
  events: RepairEvent[];
  /** The writes it makes, in order (made only when repair() is applied). */
  actions: RepairAction[];
}

/** The IPAddresses as a repair pass sees them: the stored ones, with the pass's own creates and deletes. */
export interface AddressTable {
  get(name: string): AddressEntry | undefined;
  has(name: string): boolean;
  set(name: string, entry: AddressEntry): unknown;
  delete(name: string): unknown;
  values(): IterableIterator<AddressEntry>;
}

/**
 * The registry's IPAddresses under a pass's changes, without copying them: what the pass
 * created, what it deleted, and the rest read through from the stored map.
 */
export class AddressOverlay implements AddressTable {
  readonly #base: ReadonlyMap<string, AddressEntry>;
  readonly #created = new Map<string, AddressEntry>();
  readonly #deleted = new Set<string>();

  constructor(base: ReadonlyMap<string, AddressEntry>) {
    this.#base = base;
  }

  get(name: string): AddressEntry | undefined {
    if (this.#created.size === 0 && this.#deleted.size === 0) return this.#base.get(name);
    const created = this.#created.get(name);
    if (created) return created;
    return this.#deleted.has(name) ? undefined : this.#base.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, entry: AddressEntry): void {
    this.#created.set(name, entry);
  }

  delete(name: string): void {
    this.#created.delete(name);
    this.#deleted.add(name);
  }

  *values(): IterableIterator<AddressEntry> {
    if (this.#created.size === 0 && this.#deleted.size === 0) {
      yield* this.#base.values();
      return;
    }
    for (const [name, entry] of this.#base) if (!this.#deleted.has(name) && !this.#created.has(name)) yield entry;
    yield* this.#created.values();
  }
}

/** The objects a repair pass reads and writes. */
export interface RepairWorld {
  readonly serviceCIDRs: readonly ServiceCIDR[];
  readonly addresses: AddressTable;
  readonly now: number;
}

/** An event as one line, "Warning Reason message", as kubectl's event list shows it. */
export function formatRepairEvent(event: RepairEvent): string {
  return `${event.type} ${event.reason} ${event.message}`;
}

// newIPAddress: the object the controller creates for a Service IP.
function newIPAddress(name: string, service: ServiceAllocations, now: number): ManagedAddress {
  return new ManagedAddress(name, ALLOCATOR_LABELS[familyOfName(name)], timestamp(now), service.namespace || 'default', service.name);
}

// Go's %v of a *ParentReference: &{group resource namespace name}.
function refText(ref: ParentReference | undefined): string {
  return ref ? `&{${ref.group ?? ''} ${ref.resource} ${ref.namespace ?? ''} ${ref.name}}` : '<nil>';
}

/** Both passes of one runOnce: every Service first, then every IPAddress. */
export function repairIPAddresses(services: Iterable<ServiceAllocations>, lookup: ServiceLookup, world: RepairWorld): IPAddressRepairReport {
  const report: IPAddressRepairReport = { model: 'ipaddress', events: [], actions: [] };
  syncServices(services, world, report, lookup);
  syncIPAddresses(world, report, lookup);
  return report;
}

function recorder(world: RepairWorld, report: IPAddressRepairReport) {
  const { addresses, now } = world;
  return {
    warn: (reason: string, message: string, object: string) => report.events.push({ type: 'Warning', reason, message, object }),
    create: (name: string, service: ServiceAllocations) => {
      report.actions.push({ verb: 'create', resource: 'ipaddresses', name });
      addresses.set(name, newIPAddress(name, service, now));
    },
    remove: (name: string) => {
      report.actions.push({ verb: 'delete', resource: 'ipaddresses', name });
      addresses.delete(name);
    },
  };
}

/** The service lister: a Service by namespace and name. */
export interface ServiceLookup {
  get(namespace: string, name: string): ServiceAllocations | undefined;
}

// The Services of a list by namespace and name, without a "namespace/name" string each.
export class ServiceIndex implements ServiceLookup {
  readonly #byNamespace = new Map<string, Map<string, ServiceAllocations>>();

  constructor(services: Iterable<ServiceAllocations>) {
    for (const service of services) {
      const namespace = service.namespace || 'default';
      let names = this.#byNamespace.get(namespace);
      if (!names) this.#byNamespace.set(namespace, (names = new Map()));
      names.set(service.name, service);
    }
  }

  get(namespace: string, name: string): ServiceAllocations | undefined {
    return this.#byNamespace.get(namespace || 'default')?.get(name);
  }
}

/** The Service pass (syncService): each Service IP must have its IPAddress pointing back at it. */
export function syncServices(services: Iterable<ServiceAllocations>, world: RepairWorld, report: IPAddressRepairReport, index: ServiceLookup): void {
  const { addresses } = world;
  const inAnyServiceCIDR = hostTester(world.serviceCIDRs.flatMap((o) => (o.spec.cidrs ?? []).map((c) => parseCIDR(c))));
  const { warn, create, remove } = recorder(world, report);
  for (const service of services) {
    if (!hasServiceIP(service)) continue;
    const namespace = service.namespace || 'default';
    const name = service.name;
    for (const clusterIP of service.clusterIPs) {
      const ip = parseIPSloppy(clusterIP);
      if (ip === null) {
        warn('ClusterIPNotValid', 'Cluster IP <nil> is not a valid IP; please recreate Service', keyOf(namespace, name));
        continue;
      }
      const family = ip.family === 6 ? 'IPv6' : 'IPv4';
      if (!inAnyServiceCIDR(ip)) {
        warn('ClusterIPOutOfRange', `Cluster IP [${family}]: ${ip.canonical} is not within any configured Service CIDR; please recreate service`, keyOf(namespace, name));
        continue;
      }
      const address = addresses.get(ip.canonical);
      if (!address) {
        warn('ClusterIPNotAllocated', `Cluster IP [${family}]: ${ip.canonical} is not allocated; repairing`, keyOf(namespace, name));
        create(ip.canonical, service);
        continue;
      }
      if (!address.refIsService) {
        warn('ClusterIPNotAllocated', wrongReference(family, ip.canonical, namespace, name), keyOf(namespace, name));
        remove(ip.canonical);
        create(ip.canonical, service);
        continue;
      }
      if (address.refNamespace !== namespace || address.refName !== name) {
        const holder = index.get(address.refNamespace, address.refName);
        if (!holder) {
          warn('ClusterIPNotAllocated', wrongReference(family, ip.canonical, namespace, name), keyOf(namespace, name));
          remove(ip.canonical);
          create(ip.canonical, service);
          continue;
        }
        if (holder.clusterIPs.includes(address.name)) {
          warn('ClusterIPAlreadyAllocated', `Cluster IP [${family}]:${ip.canonical} was assigned to multiple services; please recreate service`, keyOf(namespace, name));
        }
      }
      const labels = address.labels;
      if (labels?.[LABEL_IP_FAMILY] !== familyOfName(address.name) || labels[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER) {
        remove(ip.canonical);
        create(ip.canonical, service);
      }
    }
  }
}

function wrongReference(family: string, ip: string, namespace: string, name: string): string {
  return `the ClusterIP [${family}]: ${ip} for Service ${namespace}/${name} has a wrong reference; repairing`;
}

/** The IPAddress pass (syncIPAddress): each allocator-managed IPAddress must belong to a Service listing it. */
export function syncIPAddresses(world: RepairWorld, report: IPAddressRepairReport, index: ServiceLookup): void {
  const { addresses, now } = world;
  const { warn, remove } = recorder(world, report);
  for (const address of [...addresses.values()]) {
    const name = address.name;
    if (!addresses.has(name) || address.labels?.[LABEL_MANAGED_BY] !== IP_ALLOCATOR_MANAGER) continue;
    if (!address.refIsService) {
      warn('IPAddressNotAllocated', `IPAddress ${name} appears to have been modified, not referencing a Service ${refText(address.parentRef)}: cleaning up`, name);
      remove(name);
      continue;
    }
    const holder = index.get(address.refNamespace, address.refName);
    if (!holder) {
      const created = Date.parse(address.creationTimestamp ?? '');
      if (!Number.isNaN(created) && now - created > LEAK_GRACE_MS) {
        warn('IPAddressNotAllocated', `IPAddress: ${name} for Service ${address.refNamespace}/${address.refName} appears to have leaked: cleaning up`, name);
        remove(name);
      }
      continue;
    }
    // The API server compares texts here: a Service storing sloppy text loses its IPAddress, which
    // the next pass recreates.
    if (holder.clusterIPs.includes(name)) continue;
    warn('IPAddressWrongReference', `IPAddress: ${name} for Service ${holder.namespace || 'default'}/${holder.name} has a wrong reference; cleaning up`, name);
    remove(name);
  }
}

/** Whether an address (canonical text) lies inside a CIDR text, network and broadcast included. */
export function cidrHolds(cidr: string, name: string): boolean {
  const parsed = parseCIDR(cidr);
  const ip = parseIPSloppy(name);
  return ip !== null && (ip.family === parsed.family) && cidrContains(parsed, addressValue(ip));
}
