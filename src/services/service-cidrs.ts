// The 1.33+ cluster state around Service IPs: ServiceCIDR and IPAddress objects, the controllers
// that look after them (kube-apiserver's default-ServiceCIDR controller, kube-controller-manager's
// servicecidrs controller) and one MetaAllocator per configured family.
//
// Controllers run synchronously: every call that reads or changes the state first reconciles it
// at the current time (the injectable clock), so a test moves time instead of sleeping.
import type { AllocatorOptions } from '../allocator.js';
import { ClusterIPAllocator } from '../allocator.js';
import type { ParsedCIDR } from '../cidr.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { invalidSnapshotError } from '../errors.js';
import { formatFieldError, invalid, required, goStringSlice, NetworkingValidationError, ServiceNotFoundError, type FieldError } from './field-errors.js';
import { IP_ADDRESS_SHAPE, SERVICE_CIDR_SHAPE, readObject } from './object-shapes.js';
import { MetaAllocator, addressValue, type IPAddressSink } from './meta-allocator.js';
import { canDeleteServiceCIDR } from './service-cidr-index.js';
import type { ServiceRef } from './family-allocator.js';
import type { OrderSource } from './order-source.js';
import type { IPFamily } from './service-fields.js';
import { dns1123SubdomainErrors } from './service-validation.js';
import type { StorageJournal } from './storage-journal.js';
import {
  DEFAULT_SERVICE_CIDR_NAME, IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY, NETWORKING_API_VERSION,
  SERVICE_CIDR_FINALIZER, AppliedAddress, ManagedAddress, clone, type AddressEntry, type Condition, type IPAddress, type ServiceCIDR,
} from './network-objects.js';

/** kube-controller-manager removes the finalizer this long after deletion once nothing blocks it. */
export const DELETION_GRACE_MS = 10_000;
const READY_MESSAGE = 'Kubernetes Service CIDR is ready';
const DEFAULT_READY_MESSAGE = 'Kubernetes default Service CIDR is ready';
const TERMINATING_MESSAGE = 'There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR';

/** RFC 3339 at second precision, as metav1.Time serialises. */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Every IPAddress gets one; a run of creates stays within a few seconds.
  if (second !== lastSecond) {
    lastSecond = second;
    lastTimestamp = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastTimestamp;
}
let lastSecond = Number.NaN;
let lastTimestamp = '';

export function familyOfName(name: string): IPFamily {
  return name.includes(':') ? 'IPv6' : 'IPv4';
}

export interface ServiceCIDRRegistryOptions {
  /** Canonical flag CIDRs, primary first (the default ServiceCIDR mirrors them). */
  readonly flag: readonly ParsedCIDR[];
  readonly now: () => number;
  readonly order: OrderSource;
  /** Per-range allocator options (seed or randomInt, strategy) for a CIDR. */
  readonly allocatorOptions: (cidr: string) => AllocatorOptions;
  /** 1.33: keep the flag's legacy bitmaps in step as well. */
  readonly dualWrite: boolean;
  /** New objects' metadata.uid, when the objects are stored as the API server stores them (SYSTEM_FIELDS). */
  readonly uid?: () => string;
}

// IsValidCIDR (strict, canonical), in apimachinery's order: a value that does not parse gets one
// error; otherwise leading zeros and an IPv4-mapped address each get theirs, the canonical form is
// asked for only when neither did, and host bits set are reported on top.
function cidrErrors(field: string, value: string): FieldError[] {
  const slash = value.indexOf('/');
  const address = slash < 0 ? null : parseIPSloppy(value.slice(0, slash));
  const prefixText = slash < 0 ? '' : value.slice(slash + 1);
  const bits = address?.family === 4 && !address.isMapped ? 32 : 128;
  if (address === null || !/^\d+$/.test(prefixText) || Number(prefixText) > bits) {
    return [invalid(field, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  }
  const errors: FieldError[] = [];
  if (address.hasLeadingZeros || (prefixText.length > 1 && prefixText.startsWith('0'))) errors.push(invalid(field, value, 'must not have leading 0s in IP or prefix length'));
  if (address.isMapped) errors.push(invalid(field, value, 'must not have an IPv4-mapped IPv6 address'));
  const prefix = Number(prefixText);
  const canonical = `${address.canonical}/${prefix}`;
  if (errors.length === 0 && canonical !== value) errors.push(invalid(field, value, `must be in canonical form (${JSON.stringify(canonical)})`));
  const value64 = addressValue(address);
  const host = BigInt(bits - prefix);
  if ((value64 >> host) << host !== value64) errors.push(invalid(field, value, 'must not have bits set beyond the prefix length'));
  return errors;
}

const specValue = (cidrs: readonly string[]) => `networking.ServiceCIDRSpec{CIDRs:${goStringSlice(cidrs)}}`;

// ValidateServiceCIDR's spec part.
function validateServiceCIDRSpec(cidrs: readonly string[]): FieldError[] {
  if (cidrs.length === 0) return [required('spec.cidrs', 'at least one CIDR required')];
  if (cidrs.length > 2) return [invalid('spec.cidrs', { cidrs }, 'may only hold up to 2 values', specValue(cidrs))];
  if (cidrs.length === 2) {
    const families = cidrs.map((c) => parseIPSloppy(c.slice(0, c.indexOf('/') < 0 ? c.length : c.indexOf('/')))?.family);
    if (families[0] === undefined || families[1] === undefined || families[0] === families[1]) {
      return [invalid('spec.cidrs', { cidrs }, 'may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64', specValue(cidrs))];
    }
  }
  return cidrs.flatMap((cidr, i) => cidrErrors(`spec.cidrs[${i}]`, cidr));
}

// apimachinery's IsValidPathSegmentName: names that become one segment of a REST path or etcd key.
function pathSegmentErrors(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const errors: string[] = [];
  if (value.includes('/')) errors.push("may not contain '/'");
  if (value.includes('%')) errors.push("may not contain '%'");
  return errors;
}

// ValidateIPAddress: the name is an IP in canonical form, the parentRef is required and each of
// its parts is valid (the group a DNS subdomain, the rest path segments).
export function validateIPAddress(object: IPAddress): FieldError[] {
  const name = object.metadata?.name;
  const errors: FieldError[] = [];
  if (!name) {
    errors.push(required('metadata.name', 'name or generateName is required'));
  } else {
    const ip = parseIPSloppy(name);
    if (ip === null) errors.push(invalid('metadata.name', name, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    else if (ip.hasLeadingZeros) errors.push(invalid('metadata.name', name, 'must not have leading 0s'));
    else if (ip.isMapped) errors.push(invalid('metadata.name', name, 'must not be an IPv4-mapped IPv6 address'));
    else if (ip.canonical !== name) errors.push(invalid('metadata.name', name, `must be in canonical form (${JSON.stringify(ip.canonical)})`));
  }
  const ref = object.spec?.parentRef;
  if (!ref) {
    errors.push(required('spec.parentRef'));
    return errors;
  }
  if (ref.group) for (const message of dns1123SubdomainErrors(ref.group)) errors.push(invalid('spec.parentRef.group', ref.group, message));
  if (!ref.resource) errors.push(required('spec.parentRef.resource'));
  else for (const message of pathSegmentErrors(ref.resource)) errors.push(invalid('spec.parentRef.resource', ref.resource, message));
  if (!ref.name) errors.push(required('spec.parentRef.name'));
  else for (const message of pathSegmentErrors(ref.name)) errors.push(invalid('spec.parentRef.name', ref.name, message));
  if (ref.namespace) for (const message of pathSegmentErrors(ref.namespace)) errors.push(invalid('spec.parentRef.namespace', ref.namespace, message));
  return errors;
}

function nameErrors(name: string | undefined): FieldError[] {
  if (!name) return [required('metadata.name', 'name or generateName is required')];
  return dns1123SubdomainErrors(name).map((message) => invalid('metadata.name', name, message));
}

/** ValidateServiceCIDR: the name and the spec of a new ServiceCIDR. */
export function validateServiceCIDR(object: ServiceCIDR): FieldError[] {
  return [...nameErrors(object.metadata?.name), ...validateServiceCIDRSpec(object.spec?.cidrs ?? [])];
}

function readyCondition(object: ServiceCIDR): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === 'Ready');
}

/** isReady: the Ready condition is True, or absent (kube-controller-manager may not be running). */
function isReady(object: ServiceCIDR): boolean {
  const condition = readyCondition(object);
  return (condition === undefined || condition.status === 'True') && !object.metadata.deletionTimestamp;
}

// The labels of the IPAddresses the allocator creates, one frozen object per family shared by
// all of them: stored objects are replaced, never changed, and copied before they are handed out.
export const ALLOCATOR_LABELS: Record<IPFamily, Readonly<Record<string, string>>> = {
  IPv4: Object.freeze({ [LABEL_IP_FAMILY]: 'IPv4', [LABEL_MANAGED_BY]: IP_ALLOCATOR_MANAGER }),
  IPv6: Object.freeze({ [LABEL_IP_FAMILY]: 'IPv6', [LABEL_MANAGED_BY]: IP_ALLOCATOR_MANAGER }),
};

export class ServiceCIDRRegistry implements IPAddressSink {
  readonly #serviceCIDRs = new Map<string, ServiceCIDR>();
  readonly #addresses = new Map<string, AddressEntry>();
  readonly #metas = new Map<IPFamily, MetaAllocator>();
  // True when a reconcile would change nothing: set after one that left no ServiceCIDR
  // terminating (only terminating objects change with time), cleared by every ServiceCIDR write.
  // Every Service call reconciles first, so a pass with nothing to do must cost next to nothing
  // (docs/benchmarks.md, "Measured costs behind the code").
  #settled = false;
  #journal: StorageJournal | undefined;

  constructor(private readonly options: ServiceCIDRRegistryOptions) {
    options.flag.forEach((cidr) => {
      const family: IPFamily = cidr.family === 4 ? 'IPv4' : 'IPv6';
      const shadow = options.dualWrite ? { cidr, allocator: new ClusterIPAllocator(cidr.cidr, { legacy: true, seed: 0 }) } : null;
      this.#metas.set(family, new MetaAllocator(family, this, options.order, options.allocatorOptions, shadow));
    });
    this.reconcile();
  }

  /** The family's allocator for the Service pipeline (configured families only, as upstream). */
  allocator(family: IPFamily): MetaAllocator | undefined {
    return this.#metas.get(family);
  }

  get metaAllocators(): ReadonlyMap<IPFamily, MetaAllocator> {
    return this.#metas;
  }

  // ---- IPAddress objects ----

  createAllocated(family: IPFamily, name: string, owner: ServiceRef, takenIn?: ClusterIPAllocator): boolean {
    if (this.#addresses.has(name)) return false;
    this.putAddress(new ManagedAddress(name, ALLOCATOR_LABELS[family], timestamp(this.options.now()), owner.namespace, owner.name, this.options.uid?.()), takenIn);
    return true;
  }

  deleteAddress(name: string): void {
    if (!this.#addresses.has(name)) return;
    this.#journal?.ipAddress(name);
    this.#addresses.delete(name);
    this.#metas.get(familyOfName(name))?.markFree(name);
  }

  /** Stores an IPAddress as it is (already valid: made by the allocator or the repair controller, or applied). */
  putAddress(entry: AddressEntry, takenIn?: ClusterIPAllocator): void {
    const name = entry.name;
    this.#journal?.ipAddress(name);
    this.#addresses.set(name, entry);
    this.#metas.get(familyOfName(name))?.markTaken(name, takenIn);
  }

  /** Where the registry announces the IPAddresses it is about to change (storage-journal.ts). */
  setJournal(journal: StorageJournal | undefined): void {
    this.#journal = journal;
  }

  /** The stored IPAddress of that name, to read. */
  address(name: string): AddressEntry | undefined {
    return this.#addresses.get(name);
  }

  hasAddress(name: string): boolean {
    return this.#addresses.has(name);
  }

  /** Every IPAddress as an API object of the caller's own. */
  addresses(): IPAddress[] {
    const out: IPAddress[] = [];
    for (const entry of this.#addresses.values()) out.push(entry.toIPAddress());
    return out;
  }

  /** The stored IPAddresses themselves, to read (never to change). */
  addressEntries(): IterableIterator<AddressEntry> {
    return this.#addresses.values();
  }

  /** The stored IPAddresses by name, to read. */
  addressMap(): ReadonlyMap<string, AddressEntry> {
    return this.#addresses;
  }

  /** Creates or updates an IPAddress held by anything (a Gateway, another controller, a Service). */
  applyIPAddress(input: IPAddress): IPAddress {
    const object = readObject<IPAddress>(input, IP_ADDRESS_SHAPE, { kind: 'IPAddress' });
    const name = object.metadata?.name;
    const errors = validateIPAddress(object);
    const ref = object.spec?.parentRef;
    const existing = name ? this.#addresses.get(name) : undefined;
    if (existing && ref && JSON.stringify(normalRef(existing.parentRef)) !== JSON.stringify(normalRef(ref))) {
      errors.push(invalid('spec.parentRef', ref, 'field is immutable'));
    }
    if (errors.length > 0) throw new NetworkingValidationError('IPAddress', name ?? '', errors);
    const stored: IPAddress = {
      apiVersion: NETWORKING_API_VERSION,
      kind: 'IPAddress',
      metadata: { ...object.metadata, name: name!, creationTimestamp: existing?.creationTimestamp ?? timestamp(this.options.now()) },
      spec: { parentRef: normalRef(ref!) },
    };
    delete stored.metadata.deletionTimestamp;
    if (this.options.uid) {
      const uid = existing ? existing.toIPAddress().metadata.uid : this.options.uid();
      if (uid === undefined) delete stored.metadata.uid;
      else stored.metadata.uid = uid;
      delete stored.metadata.resourceVersion;
    }
    this.putAddress(compactAddress(stored));
    return clone(stored);
  }

  /** Deletes an IPAddress; false when there was none. */
  deleteIPAddress(name: string): boolean {
    const had = this.#addresses.has(name);
    this.deleteAddress(name);
    return had;
  }

  // ---- ServiceCIDR objects ----

  serviceCIDR(name: string): ServiceCIDR | undefined {
    this.reconcile();
    const object = this.#serviceCIDRs.get(name);
    return object && clone(object);
  }

  serviceCIDRs(): ServiceCIDR[] {
    this.reconcile();
    return [...this.#serviceCIDRs.values()].map(clone);
  }

  /** Create, or update (only appending the other family's CIDR), with the API server's validation. */
  applyServiceCIDR(input: ServiceCIDR): ServiceCIDR {
    this.reconcile();
    const object = readObject<ServiceCIDR>(input, SERVICE_CIDR_SHAPE, { kind: 'ServiceCIDR' });
    const name = object?.metadata?.name;
    const cidrs = object?.spec?.cidrs ?? [];
    const existing = name ? this.#serviceCIDRs.get(name) : undefined;
    const errors = nameErrors(name);
    if (!existing) {
      errors.push(...validateServiceCIDRSpec(cidrs));
    } else {
      errors.push(...validateServiceCIDRUpdate(cidrs, existing.spec.cidrs ?? []));
    }
    if (errors.length > 0) throw new NetworkingValidationError('ServiceCIDR', name ?? '', errors);
    this.#settled = false;
    if (existing) {
      existing.spec = { cidrs: cidrs.slice() };
      if (object.metadata.labels) existing.metadata.labels = object.metadata.labels;
      if (object.metadata.annotations) existing.metadata.annotations = object.metadata.annotations;
    } else {
      this.#serviceCIDRs.set(name!, {
        apiVersion: NETWORKING_API_VERSION,
        kind: 'ServiceCIDR',
        metadata: {
          name: name!,
          ...(this.options.uid ? { uid: this.options.uid() } : {}),
          ...(object.metadata.labels ? { labels: object.metadata.labels } : {}),
          ...(object.metadata.annotations ? { annotations: object.metadata.annotations } : {}),
          creationTimestamp: timestamp(this.options.now()),
        },
        spec: { cidrs: cidrs.slice() },
        status: {},
      });
    }
    this.reconcile();
    return clone(this.#serviceCIDRs.get(name!)!);
  }

  /**
   * Starts deleting a ServiceCIDR. Returns it while it still exists — blocked by IPAddresses only
   * it contains (Ready=False, reason Terminating), or inside the 10 s grace period — and undefined
   * once it is gone. A terminating ServiceCIDR takes no new allocations.
   */
  deleteServiceCIDR(name: string): ServiceCIDR | undefined {
    this.reconcile();
    const object = this.#serviceCIDRs.get(name);
    if (!object) throw new ServiceNotFoundError(name, 'servicecidrs.networking.k8s.io', name);
    object.metadata.deletionTimestamp ??= timestamp(this.options.now());
    this.#settled = false;
    this.reconcile();
    // The default ServiceCIDR comes back as a new object once its old one is gone.
    return this.#serviceCIDRs.get(name) === object ? clone(object) : undefined;
  }

  /** The stored ServiceCIDR itself (not a copy, no reconcile): clusterip/etcd compares it with storage. */
  storedServiceCIDR(name: string): ServiceCIDR | undefined {
    return this.#serviceCIDRs.get(name);
  }

  storedServiceCIDRNames(): string[] {
    return [...this.#serviceCIDRs.keys()];
  }

  /**
   * Puts (or, with undefined, removes) a ServiceCIDR as storage holds it: no validation beyond
   * the object's (done by the caller), the allocators follow at the next reconcile.
   */
  putStoredServiceCIDR(name: string, object: ServiceCIDR | undefined): void {
    if (object) this.#serviceCIDRs.set(name, object);
    else this.#serviceCIDRs.delete(name);
    this.#settled = false;
  }

  /**
   * Replaces the whole state (restore): objects as stored, allocators rebuilt from them, each
   * allocator's readiness as recorded when the state has it. Objects the API server would not
   * store are refused (ERR_INVALID_SNAPSHOT), before anything changes.
   */
  load(serviceCIDRs: readonly ServiceCIDR[], addresses: readonly IPAddress[], readiness?: ReadonlyArray<{ cidr: string; ready: boolean }>): void {
    const cidrNames = new Set<string>();
    serviceCIDRs.forEach((object, i) => {
      const name = object.metadata.name ?? '';
      const errors = validateServiceCIDR(object);
      if (errors.length > 0) throw invalidSnapshotError(`ServiceCIDR ${JSON.stringify(name)}: ${errors.map(formatFieldError).join('; ')}`, `serviceCIDRs[${i}]`);
      if (cidrNames.has(name)) throw invalidSnapshotError(`ServiceCIDR ${JSON.stringify(name)} is listed twice`, `serviceCIDRs[${i}]`);
      cidrNames.add(name);
    });
    const addressNames = new Set<string>();
    addresses.forEach((object, i) => {
      const name = object.metadata.name ?? '';
      const errors = validateIPAddress(object);
      if (errors.length > 0) throw invalidSnapshotError(`IPAddress ${JSON.stringify(name)}: ${errors.map(formatFieldError).join('; ')}`, `ipAddresses[${i}]`);
      if (addressNames.has(name)) throw invalidSnapshotError(`IPAddress ${JSON.stringify(name)} is listed twice`, `ipAddresses[${i}]`);
      addressNames.add(name);
    });
    for (const meta of this.#metas.values()) {
      for (const text of [...meta.items.keys()]) meta.removeCIDR(text);
    }
    this.#serviceCIDRs.clear();
    this.#addresses.clear();
    for (const object of serviceCIDRs) this.#serviceCIDRs.set(object.metadata.name!, clone(object));
    for (const object of addresses) this.#addresses.set(object.metadata.name!, compactAddress(clone(object)));
    // The allocators in the order they had: a dynamic allocation shuffles them from that order.
    for (const { cidr } of readiness ?? []) {
      const family = familyOfName(cidr);
      this.#metas.get(family)?.addCIDR(cidr, this.#addressesOf(family));
    }
    this.#settled = false;
    this.reconcile();
    if (readiness) {
      for (const { cidr, ready } of readiness) {
        for (const meta of this.#metas.values()) {
          const item = meta.items.get(cidr);
          if (item) item.ready = ready;
        }
      }
    }
  }

  // ---- controllers ----

  /** The controllers' work at the current time, until nothing changes. */
  reconcile(): void {
    if (this.#settled) return;
    const now = this.options.now();
    // Passes repeat while one removes or recreates a ServiceCIDR: a removal can unblock another
    // (or, removing "kubernetes", bring a fresh one that now holds a terminating CIDR's IPs), and
    // the controllers would get there on their own requeues. A pass that removes nothing ends it;
    // each removal is of a terminating object and the recreated default is not terminating, so
    // this ends. Stopping after one pass would make the answer depend on how often it is read.
    let changed = true;
    while (changed) {
      changed = this.#syncDefault(now);
      for (const object of [...this.#serviceCIDRs.values()]) changed = this.#syncServiceCIDR(object, now) || changed;
      changed = this.#syncDefault(now) || changed;
    }
    this.#syncAllocators();
    this.#settled = ![...this.#serviceCIDRs.values()].some((object) => object.metadata.deletionTimestamp);
  }

  // kube-apiserver's default ServiceCIDR controller: the flag's CIDRs as "kubernetes", recreated
  // when deleted, upgraded from single- to dual-stack when the flag gained the other family.
  #syncDefault(now: number): boolean {
    const flagCIDRs = this.options.flag.map((c) => c.cidr);
    const existing = this.#serviceCIDRs.get(DEFAULT_SERVICE_CIDR_NAME);
    if (!existing) {
      this.#serviceCIDRs.set(DEFAULT_SERVICE_CIDR_NAME, {
        apiVersion: NETWORKING_API_VERSION,
        kind: 'ServiceCIDR',
        metadata: { name: DEFAULT_SERVICE_CIDR_NAME, ...(this.options.uid ? { uid: this.options.uid() } : {}), creationTimestamp: timestamp(now) },
        spec: { cidrs: flagCIDRs.slice() },
        status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: timestamp(now), reason: '', message: DEFAULT_READY_MESSAGE }] },
      });
      return true;
    }
    const cidrs = existing.spec.cidrs ?? [];
    if (flagCIDRs.length === 2 && cidrs.length === 1 && flagCIDRs[0] === cidrs[0]) existing.spec.cidrs = flagCIDRs.slice();
    return false;
  }

  // kube-controller-manager's servicecidrs controller. Returns whether it removed the object.
  #syncServiceCIDR(object: ServiceCIDR, now: number): boolean {
    const name = object.metadata.name!;
    if (object.metadata.deletionTimestamp) {
      if (!canDeleteServiceCIDR(this.#serviceCIDRs.values(), object, this.#addresses.values())) {
        setCondition(object, { type: 'Ready', status: 'False', reason: 'Terminating', message: TERMINATING_MESSAGE }, now);
        return false;
      }
      if (now - Date.parse(object.metadata.deletionTimestamp) < DELETION_GRACE_MS) return false;
      this.#serviceCIDRs.delete(name);
      return true;
    }
    const finalizers = (object.metadata.finalizers ??= []);
    if (!finalizers.includes(SERVICE_CIDR_FINALIZER)) finalizers.push(SERVICE_CIDR_FINALIZER);
    setCondition(object, { type: 'Ready', status: 'True', reason: '', message: READY_MESSAGE }, now);
    return false;
  }

  // The MetaAllocators' view: one item per CIDR of the configured families, ready when one of its
  // ServiceCIDRs is.
  #syncAllocators(): void {
    const wanted = new Map<string, { family: IPFamily; names: Set<string>; ready: boolean }>();
    for (const object of this.#serviceCIDRs.values()) {
      for (const text of object.spec.cidrs ?? []) {
        const family = familyOfName(text);
        const entry = wanted.get(text) ?? { family, names: new Set<string>(), ready: false };
        entry.names.add(object.metadata.name!);
        entry.ready ||= isReady(object);
        wanted.set(text, entry);
      }
    }
    for (const meta of this.#metas.values()) {
      for (const text of [...meta.items.keys()]) if (!wanted.has(text)) meta.removeCIDR(text);
    }
    for (const [text, entry] of wanted) {
      const meta = this.#metas.get(entry.family);
      if (!meta) continue;
      const existing = meta.items.get(text);
      const item = existing ?? meta.addCIDR(text, this.#addressesOf(entry.family));
      if (!item) continue;
      item.serviceCIDRs.clear();
      for (const name of entry.names) item.serviceCIDRs.add(name);
      // syncAllocators: a new allocator is ready when one of its ServiceCIDRs is; an existing one
      // becomes ready when one is, but turns not-ready only when its one ServiceCIDR is not (with
      // several, a not-ready one leaves it as it was).
      if (!existing || entry.ready) item.ready = entry.ready;
      else if (entry.names.size === 1) item.ready = false;
    }
  }

  /** Each CIDR allocator's readiness (it can depend on history: see #syncAllocators). */
  allocatorReadiness(): Array<{ cidr: string; ready: boolean }> {
    const out: Array<{ cidr: string; ready: boolean }> = [];
    for (const meta of this.#metas.values()) for (const item of meta.items.values()) out.push({ cidr: item.cidr.cidr, ready: item.ready });
    return out;
  }

  /** 1.33's dual-write bitmaps of the flag's CIDRs, primary first. */
  shadowAllocators(): ClusterIPAllocator[] {
    const out: ClusterIPAllocator[] = [];
    for (const meta of this.#metas.values()) if (meta.shadow) out.push(meta.shadow.allocator);
    return out;
  }

  *#addressesOf(family: IPFamily): Generator<string> {
    for (const name of this.#addresses.keys()) if (familyOfName(name) === family) yield name;
  }

  dispose(): void {
    for (const meta of this.#metas.values()) meta.dispose();
  }
}

// An IPAddress as the allocator itself would have made it is kept as a ManagedAddress (one small
// record); anything else as the object it is. The record prints exactly as the object did.
export function compactAddress(object: IPAddress): AddressEntry {
  const name = object.metadata.name!;
  const ref = object.spec.parentRef;
  const family = familyOfName(name);
  if (ref.resource === 'services' && !ref.group && ref.namespace && object.metadata.creationTimestamp) {
    const managed = new ManagedAddress(name, ALLOCATOR_LABELS[family], object.metadata.creationTimestamp, ref.namespace, ref.name, object.metadata.uid);
    if (JSON.stringify(managed.toIPAddress()) === JSON.stringify(object)) return managed;
  }
  return new AppliedAddress(object);
}

// The reference as the API server serialises it: empty group and namespace left out.
function normalRef(ref: IPAddress['spec']['parentRef']): IPAddress['spec']['parentRef'] {
  return { ...(ref.group ? { group: ref.group } : {}), resource: ref.resource, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name };
}

// The update rule since 1.33: unchanged, or a single CIDR gaining the other family's.
function validateServiceCIDRUpdate(cidrs: readonly string[], old: readonly string[]): FieldError[] {
  if (cidrs.length === old.length) {
    return old.flatMap((cidr, i) => (cidr !== cidrs[i] ? [invalid(`spec.cidrs[${i}]`, cidrs[i], 'field is immutable')] : []));
  }
  if (old.length === 1 && cidrs.length === 2) {
    const errors: FieldError[] = [];
    if (cidrs[0] !== old[0]) errors.push(invalid('spec.cidrs[0]', cidrs[0], 'field is immutable'));
    return [...errors, ...validateServiceCIDRSpec(cidrs)];
  }
  return [invalid('spec.cidrs', cidrs, 'field is immutable')];
}

// updateConditionIfNeeded: a new condition only when status, reason or message differ.
function setCondition(object: ServiceCIDR, condition: Condition, now: number): void {
  const conditions = ((object.status ??= {}).conditions ??= []);
  const current = conditions.find((c) => c.type === condition.type);
  if (current && current.status === condition.status && (current.reason ?? '') === (condition.reason ?? '') && current.message === condition.message) return;
  const next: Condition = { type: condition.type, status: condition.status, lastTransitionTime: timestamp(now), reason: condition.reason ?? '', message: condition.message };
  if (current) Object.assign(current, next);
  else conditions.push(next);
}
