// ServiceIPAM: what the API server does with a Service's cluster IPs on create, update and delete,
// over one ClusterIPAllocator per configured family. Every call either succeeds whole or throws
// and changes nothing (allocations made part way are released again).
import type { Service } from 'kubernetes-types/core/v1.js';
import { ClusterIPAllocator, type Strategy } from '../allocator.js';
import { AllocatorError } from '../errors.js';
import { parseServiceClusterIPRange } from './service-cidr-flag.js';
import {
  ServiceExistsError, ServiceNotFoundError, ServiceValidationError, internal, invalid, required, type FieldError,
} from './field-errors.js';
import { NONE, isExternalName, isHeadless, keyOf, serviceKey, validateTypeRules, validateUpdateRules, type IPFamily } from './service-fields.js';

export { serviceKey };
import { initIPFamilyFields, isUnchangedPreferDualStack } from './ip-families.js';
import { repairAllocations, type RepairOptions, type RepairReport } from './repair.js';
import { metricsText } from './metrics.js';
import { readState, stateOf, type IPAMState } from './ipam-state.js';

export interface ServiceIPAMOptions {
  /** The kube-apiserver flag: one CIDR, or two of different families; the first is primary. */
  serviceClusterIPRange?: string;
  /** Seeds the allocators (the secondary gets a derived seed) for repeatable runs. */
  seed?: number;
  /** Legacy bitmap allocator rules: IPv6 capped at 65,535 and the /12 (/108) flag limits. */
  legacy?: boolean;
  strategy?: Strategy;
}

/** Family -> IP allocated (or to release) by one step of a create or update. */
type FamilyIPs = Map<IPFamily, string>;

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class ServiceIPAM {
  /** Configured families, primary first. */
  readonly families: readonly IPFamily[];
  /** Canonical service CIDRs, in flag order. */
  readonly ranges: readonly string[];
  readonly #options: ServiceIPAMOptions;
  #allocators: Map<IPFamily, ClusterIPAllocator>;
  #services = new Map<string, Service>();
  readonly #leakPasses = new Map<string, number>();

  constructor(options: ServiceIPAMOptions = {}) {
    this.#options = { ...options };
    const geometries = parseServiceClusterIPRange(options.serviceClusterIPRange, options.legacy === true);
    this.ranges = geometries.map((g) => g.cidr);
    this.families = geometries.map((g) => (g.family === 4 ? 'IPv4' : 'IPv6'));
    this.#allocators = this.#freshAllocators();
  }

  #freshAllocators(): Map<IPFamily, ClusterIPAllocator> {
    const { seed, legacy, strategy } = this.#options;
    return new Map(this.ranges.map((cidr, i) => [
      this.families[i],
      new ClusterIPAllocator(cidr, { legacy, strategy, seed: seed === undefined ? undefined : seed + i * 0x9e3779b9 }),
    ]));
  }

  /** The allocator of a configured family (read it; changing it bypasses the Service records). */
  allocator(family: IPFamily): ClusterIPAllocator | undefined {
    return this.#allocators.get(family);
  }

  get(namespace: string, name: string): Service | undefined {
    const stored = this.#services.get(keyOf(namespace, name));
    return stored && clone(stored);
  }

  list(): Service[] {
    return [...this.#services.values()].map(clone);
  }

  /** Fills spec.clusterIP(s), ipFamilies and ipFamilyPolicy as the API server would. */
  create(service: Service): Service {
    const after = clone(service);
    const name = after.metadata?.name ?? '';
    if (!name) throw new ServiceValidationError(name, [required('metadata.name', 'name or generateName is required')]);
    const key = serviceKey(after);
    if (this.#services.has(key)) throw new ServiceExistsError(key);
    const spec = (after.spec ??= {});
    // An old client sets only clusterIP: mirror it into clusterIPs.
    if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
    this.#check(name, validateTypeRules(after));
    this.#check(name, initIPFamilyFields(after, undefined, this));
    this.#allocateAll(after, name);
    this.#services.set(key, after);
    return clone(after);
  }

  /** Applies an update; `oldService` names the Service, the tracked copy is the one compared. */
  update(oldService: Service, newService: Service): Service {
    const key = serviceKey(newService);
    if (serviceKey(oldService) !== key) throw new ServiceNotFoundError(serviceKey(oldService));
    const before = this.#services.get(key);
    if (!before) throw new ServiceNotFoundError(key);
    const name = newService.metadata?.name ?? '';
    const after = clone(newService);
    const spec = (after.spec ??= {});
    prepareForUpdate(after, before);
    this.#check(name, validateTypeRules(after));
    let toRelease: FamilyIPs = new Map();
    if (!isUnchangedPreferDualStack(after, before)) {
      this.#check(name, initIPFamilyFields(after, before, this));
      this.#check(name, validateUpdateRules(before, after));
      // Nothing can fail after this step, so what it allocates never needs undoing here.
      toRelease = this.#updateClusterIPs(after, before, name);
    }
    if (spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
    for (const [family, ip] of toRelease) this.#allocators.get(family)?.release(ip);
    this.#services.set(key, after);
    return clone(after);
  }

  /** Forgets the Service and releases its cluster IPs. */
  delete(service: Service): void {
    const key = serviceKey(service);
    const stored = this.#services.get(key);
    if (!stored) throw new ServiceNotFoundError(key);
    for (const [family, ip] of ipsByFamily(stored)) this.#allocators.get(family)?.release(ip);
    this.#services.delete(key);
  }

  /** Compares Services with the allocations like the repair controller; `apply` fixes them. */
  repair(services: Service[], options: RepairOptions = {}): RepairReport {
    return repairAllocations(this, services, options, this.#leakPasses);
  }

  /** Prometheus text exposition with the API server's ClusterIP allocator metrics. */
  metrics(): string {
    return metricsText(this.#allocators);
  }

  /** The whole state (both ranges' allocations and every Service), as JSON-safe data. */
  snapshot(): IPAMState {
    return stateOf(this.ranges, this.#options.legacy === true, this.#allocators, this.#services);
  }

  /** Replaces the whole state; a state of another configuration or an inconsistent one is refused. */
  restore(state: IPAMState): void {
    const { allocators, services } = readState(state, this.ranges, this.families, this.#options);
    for (const allocator of this.#allocators.values()) allocator.dispose();
    this.#allocators = allocators;
    this.#services = services;
    this.#leakPasses.clear();
  }

  // ---- internals ----

  #check(name: string, errors: FieldError[]): void {
    if (errors.length > 0) throw new ServiceValidationError(name, errors);
  }

  // Allocates every family's IP (given ones statically, "" dynamically), all or nothing.
  #allocateAll(service: Service, name: string): FamilyIPs {
    const spec = service.spec!;
    if (isExternalName(service) || isHeadless(service)) return new Map();
    const families = (spec.ipFamilies ?? []) as IPFamily[];
    const clusterIPs = spec.clusterIPs ?? [];
    const wanted = new Map<IPFamily, string>(families.map((family, i) => [family, clusterIPs[i] ?? '']));
    const allocated = this.#allocateIPs(wanted, clusterIPs, name);
    spec.clusterIPs = families.map((family) => allocated.get(family)!);
    spec.clusterIP = spec.clusterIPs[0];
    return allocated;
  }

  #allocateIPs(wanted: FamilyIPs, clusterIPs: string[], name: string): FamilyIPs {
    const done: FamilyIPs = new Map();
    try {
      for (const [family, ip] of wanted) {
        const allocator = this.#allocators.get(family)!;
        if (ip === '') {
          try {
            done.set(family, allocator.allocateNext());
          } catch (error) {
            if (!(error instanceof AllocatorError)) throw error;
            throw new ServiceValidationError(name, [internal('spec.clusterIPs', `failed to allocate a serviceIP: ${error.message}`)]);
          }
        } else {
          try {
            done.set(family, allocator.allocate(ip));
          } catch (error) {
            if (!(error instanceof AllocatorError)) throw error;
            throw new ServiceValidationError(name, [invalid('spec.clusterIPs', clusterIPs, `failed to allocate IP ${ip}: ${error.message}`)]);
          }
        }
      }
    } catch (error) {
      for (const [family, ip] of done) this.#allocators.get(family)!.release(ip);
      throw error;
    }
    return done;
  }

  // The update cases: from ExternalName (allocate all), to ExternalName (release all), upgrade to
  // dual-stack (allocate the secondary), downgrade (release the secondary). Releases happen only
  // once the update is certain.
  // Returns what to release once the update is stored.
  #updateClusterIPs(after: Service, before: Service, name: string): FamilyIPs {
    const none: FamilyIPs = new Map();
    if (isExternalName(before) && !isExternalName(after)) {
      this.#allocateAll(after, name);
      return none;
    }
    if (isHeadless(before)) return none;
    if (!isExternalName(before) && isExternalName(after)) return ipsByFamily(before);
    const oldFamilies = before.spec?.ipFamilies ?? [];
    const newFamilies = (after.spec?.ipFamilies ?? []) as IPFamily[];
    const spec = after.spec!;
    if (oldFamilies.length === 1 && newFamilies.length === 2) {
      const clusterIPs = (spec.clusterIPs ??= []);
      if (clusterIPs.length < 2) clusterIPs.push('');
      const allocated = this.#allocateIPs(new Map([[newFamilies[1], clusterIPs[1]]]), clusterIPs, name);
      clusterIPs[1] = allocated.get(newFamilies[1])!;
      return none;
    }
    if (oldFamilies.length === 2 && newFamilies.length === 1) {
      return new Map([[oldFamilies[1] as IPFamily, before.spec!.clusterIPs![1]]]);
    }
    return none;
  }
}

/** The family -> IP pairs a stored Service holds (none for headless and ExternalName). */
export function ipsByFamily(service: Service): FamilyIPs {
  const out: FamilyIPs = new Map();
  if (isExternalName(service) || isHeadless(service)) return out;
  const clusterIPs = service.spec?.clusterIPs ?? [];
  (service.spec?.ipFamilies ?? []).forEach((family, i) => {
    if (clusterIPs[i] && clusterIPs[i] !== NONE) out.set(family as IPFamily, clusterIPs[i]);
  });
  return out;
}

// What the API server's update strategy does before validation: keep allocated values a client
// left out, keep clusterIP and clusterIPs in step, and wipe IP fields when moving to ExternalName.
function prepareForUpdate(after: Service, before: Service): void {
  const spec = after.spec!;
  const old = before.spec ?? {};
  const same = (a: string[] = [], b: string[] = []) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (isExternalName(after) && !isExternalName(before)) {
    if (!spec.clusterIP || spec.clusterIP === old.clusterIP) delete spec.clusterIP;
    if (!spec.clusterIPs || same(spec.clusterIPs, old.clusterIPs)) delete spec.clusterIPs;
    if (!spec.ipFamilies || same(spec.ipFamilies, old.ipFamilies)) delete spec.ipFamilies;
    if (!spec.ipFamilyPolicy || spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
    return;
  }
  if (!isExternalName(before) && !isExternalName(after)) {
    if (!spec.clusterIP && old.clusterIP) {
      // A client that sent neither field keeps what was allocated.
      if ((spec.clusterIPs ?? []).length === 0) {
        spec.clusterIP = old.clusterIP;
        spec.clusterIPs = old.clusterIPs?.slice();
      }
    }
    if ((spec.clusterIPs ?? []).length === 0 && (old.clusterIPs ?? []).length > 0 && spec.clusterIP === old.clusterIP) {
      spec.clusterIPs = old.clusterIPs!.slice();
    }
    if ((spec.ipFamilies ?? []).length === 0 && same(spec.clusterIPs, old.clusterIPs)) spec.ipFamilies = old.ipFamilies?.slice();
  }
  // An old client sends only clusterIP (also when leaving ExternalName): mirror it as on create.
  if (!isExternalName(after) && spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
}
