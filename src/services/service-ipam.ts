// ServiceIPAM: a kube-apiserver of a chosen version, as far as Service IPs go. It runs the Service
// request pipeline in the API server's order —
//   create: defaulting → normalisation → allocation stage (IP families, cluster IPs) → validation
//           → existence check → commit (a failure after allocation releases what was allocated);
//   update: defaulting → old object's read defaults → patch allocated values → normalisation →
//           allocation stage → drop type-dependent fields → update validation → commit (releases);
//   delete: release at commit —
// over the version's allocator model: one bitmap per family (1.29–1.32) or ServiceCIDR and
// IPAddress objects with a MetaAllocator per family (1.33+).
import { STORED_WRITE } from '../internal.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { ClusterIPAllocator, Strategy } from '../allocator.js';
import { AllocatorError, invalidSnapshotError } from '../errors.js';
import { parseIPSloppy, type SloppyIP } from '../ip-sloppy.js';
import { formatAddress } from '../ip-format.js';
import { readRandomSource, type RandomInt } from '../random-source.js';
import type { ParsedCIDR } from '../cidr.js';
import { parseServiceClusterIPRange } from './service-cidr-flag.js';
import {
  ServiceExistsError, ServiceInternalError, ServiceNotFoundError, ServiceValidationError, invalid, type FieldError,
} from './field-errors.js';
import {
  NONE, familyOf, ipsByFamily, isExternalName, isHeadless, needsHealthCheck, needsNodePort, serviceKey, type IPFamily, type IPTextRules,
} from './service-fields.js';
import { defaultOnRead, dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues, setServiceDefaults } from './service-defaults.js';
import { initIPFamilyFields, isMatchingPreferDualStack } from './ip-families.js';
import { validateService, validateServiceUpdate } from './service-validation.js';
import { serviceWarnings } from './service-warnings.js';
import { BitmapFamilyAllocator, type FamilyAllocator, type ServiceRef } from './family-allocator.js';
import { ServiceCIDRRegistry } from './service-cidrs.js';
import { createOrderSource, type OrderSource } from './order-source.js';
import { repairBitmaps, type BitmapRepairReport, type RepairOptions } from './repair.js';
import { repairIPAddresses, type IPAddressRepairReport } from './repair-ipaddress.js';
import { metricsText, type CIDRMetrics } from './metrics.js';
import { checkState, serviceIPs, toBase64, type IPAMState } from './ipam-state.js';
import { versionProfile, type VersionProfile } from './versions.js';
import { IP_ALLOCATOR_MANAGER, LABEL_IP_FAMILY, LABEL_MANAGED_BY, clone, type IPAddress, type ServiceCIDR } from './network-objects.js';
import { prefixContainsIP, addressValue } from './meta-allocator.js';
import { NodePortAllocator } from '../node-port-allocator.js';
import {
  NodePortOperation, allocHealthCheckNodePort, heldNodePorts, initNodePorts, nodePortHolders, releaseNodePorts, updateHealthCheckNodePort,
  updateNodePorts,
} from './node-ports.js';
import { repairNodePorts, type NodePortRepairReport } from './repair-node-ports.js';

export { serviceKey };

export interface ServiceIPAMOptions {
  /** The kube-apiserver flag: one CIDR, or two of different families; the first is primary. */
  serviceClusterIPRange?: string;
  /** The kube-apiserver flag --service-node-port-range, "base-max" (default "30000-32767"). */
  serviceNodePortRange?: string;
  /** '1.29' … '1.36' (default '1.36', the current release): which API server to be. */
  kubernetesVersion?: string;
  /** Seeds every range's generator (and the order of Go's randomised choices) for repeatable runs. */
  seed?: number | bigint;
  /** External draws for every range allocator (replaying upstream's math/rand); see the README. */
  randomInt?: RandomInt;
  strategy?: Strategy;
  /** default/kubernetes holds network+1 of the primary range, as in every cluster (default true). */
  reserveKubernetesService?: boolean;
  /**
   * Undo a dual-stack allocation whose second family failed (default false: like the API server,
   * the first family stays allocated until the repair controller frees it).
   */
  transactional?: boolean;
  /** Store static clusterIPs in canonical form (default false: the request's text, as upstream). */
  canonicalIPText?: boolean;
  /** The clock (ms since the epoch, or a Date) for object timestamps, ServiceCIDR deletion and repair. */
  now?: () => number | Date;
  /** @deprecated Use kubernetesVersion: '1.32' (the bitmap allocator with its /12 and /108 limits). */
  legacy?: boolean;
}

/** Per-request options: `warnings` receives what the API server would return as warnings. */
export interface RequestOptions {
  warnings?: string[];
}

/**
 * RequestOptions of the internal STORED_WRITE path. `adoptInput`: the pipeline may default and
 * store the input object itself, even when the request fails (the CLI's parsed JSON, which it
 * reads no more); a copy cost a 20,000-Service run about 7 % of its time.
 */
interface StoredWriteOptions extends RequestOptions {
  adoptInput?: boolean;
}

/** What the IP repair controller finds (per the version's model), plus the node port repair's findings. */
export type RepairReport = (BitmapRepairReport | IPAddressRepairReport) & { nodePorts: NodePortRepairReport };
export type { RepairOptions };

/** Kubernetes' default --service-node-port-range. */
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';
/** Mixed into the base seed for the node port range, so it draws apart from the IP ranges. */
const NODE_PORT_SEED_SALT = 0x6e6f6465706f7274n;

/** The port default/kubernetes forwards to: kube-apiserver's --secure-port default. */
const APISERVER_SECURE_PORT = 6443;

// Templates of a Service's clusterIPs before allocation, copied with slice(), never handed out.
const ONE_UNSET_IP: string[] = [''];
const TWO_UNSET_IPS: string[] = ['', ''];
const NO_IPS: string[] = [];

// A list started by `[fn]` holds one slot; `[]` and a push would make seventeen.
function appended(list: Array<() => void> | undefined, fn: () => void): Array<() => void> {
  if (list === undefined) return [fn];
  list.push(fn);
  return list;
}

/** Undo and deferred-release lists of one request (the API server's transaction callbacks). */
// The lists are made on first use: every create opens two transactions, most never revert.
class Transaction {
  #undo: Array<() => void> | undefined;
  #onCommit: Array<() => void> | undefined;
  onRevert(fn: () => void): void { this.#undo = appended(this.#undo, fn); }
  onCommit(fn: () => void): void { this.#onCommit = appended(this.#onCommit, fn); }
  revert(): void {
    const undo = this.#undo;
    this.#undo = undefined;
    if (undo) for (let i = undo.length - 1; i >= 0; i--) undo[i]();
  }
  commit(): void {
    const onCommit = this.#onCommit;
    this.#undo = undefined;
    this.#onCommit = undefined;
    if (onCommit) for (const fn of onCommit) fn();
  }
}

function toMillis(value: number | Date): number {
  return value instanceof Date ? value.getTime() : value;
}

/** A derived seed per CIDR: the flag's CIDRs keep the seeds they had before ServiceCIDRs existed. */
function seedFor(base: bigint, flag: readonly ParsedCIDR[], cidr: string): bigint {
  const index = flag.findIndex((c) => c.cidr === cidr);
  if (index >= 0) return base + BigInt(index) * 0x9e3779b9n;
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < cidr.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(cidr.charCodeAt(i))) * 0x100000001b3n);
  return BigInt.asUintN(64, base ^ hash);
}

export class ServiceIPAM {
  readonly kubernetesVersion: string;
  readonly profile: VersionProfile;
  /** Configured families, primary first. */
  readonly families: readonly IPFamily[];
  /** Canonical service CIDRs, in flag order. */
  readonly ranges: readonly string[];
  /** The canonical node port range, "base-max". */
  readonly serviceNodePortRange: string;
  readonly #flag: ParsedCIDR[];
  readonly #options: ServiceIPAMOptions;
  readonly #now: () => number;
  readonly #order: OrderSource;
  readonly #baseSeed: bigint | undefined;
  #bitmaps = new Map<IPFamily, BitmapFamilyAllocator>();
  #registry: ServiceCIDRRegistry | null = null;
  #services = new Map<string, Service>();
  #nodePorts: NodePortAllocator;
  readonly #leakPasses = new Map<string, number>();
  readonly #portLeakPasses = new Map<number, number>();
  /** The IP text rules of a create (they depend on the version only): one object for every create. */
  readonly #createRules: IPTextRules;

  constructor(options: ServiceIPAMOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this.#options = { ...options };
    const version = options.kubernetesVersion ?? (options.legacy === true ? '1.32' : undefined);
    this.profile = versionProfile(version);
    this.kubernetesVersion = this.profile.version;
    this.#createRules = { strict: this.profile.strictIPText };
    const now = options.now;
    if (now !== undefined && typeof now !== 'function') throw new TypeError('options.now must be a function');
    this.#now = now ? () => toMillis(now()) : () => Date.now();
    // Validates seed/randomInt once; each range derives its own seed below.
    const source = readRandomSource(options.seed, options.randomInt);
    this.#baseSeed = options.randomInt === undefined ? (BigInt(source.seedHigh) << 32n) | BigInt(source.seedLow) : undefined;
    this.#order = createOrderSource(this.#baseSeed ?? 0n);
    this.#flag = parseServiceClusterIPRange(options.serviceClusterIPRange, this.profile);
    this.ranges = this.#flag.map((c) => c.cidr);
    this.families = this.#flag.map((c) => (c.family === 4 ? 'IPv4' : 'IPv6'));
    this.#nodePorts = this.#buildNodePortAllocator();
    this.serviceNodePortRange = this.#nodePorts.portRange;
    try {
      this.#buildAllocators();
    } catch (error) {
      this.#nodePorts.dispose();
      throw error;
    }
    if (options.reserveKubernetesService !== false) this.#ensureKubernetesService();
  }

  // ---- allocators ----

  #allocatorOptions(cidr: string) {
    const { randomInt, strategy } = this.#options;
    const drawModel = this.profile.drawsWhenFull ? 'ipaddress' as const : 'bitmap' as const;
    return randomInt ? { randomInt, strategy, drawModel } : { seed: seedFor(this.#baseSeed!, this.#flag, cidr), strategy, drawModel };
  }

  #buildAllocators(): void {
    if (this.profile.allocatorModel === 'bitmap') {
      this.#bitmaps = new Map(this.#flag.map((cidr, i) => [this.families[i], new BitmapFamilyAllocator(this.families[i], cidr.cidr, this.#allocatorOptions(cidr.cidr))]));
      return;
    }
    this.#registry = new ServiceCIDRRegistry({
      flag: this.#flag,
      now: this.#now,
      order: this.#order,
      allocatorOptions: (cidr) => this.#allocatorOptions(cidr),
      dualWrite: this.profile.dualWrite,
    });
  }

  // The node port allocator is the bitmap one in every version (ports never moved to objects).
  #buildNodePortAllocator(): NodePortAllocator {
    const { randomInt, strategy } = this.#options;
    const range = this.#options.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE;
    return randomInt
      ? new NodePortAllocator(range, { randomInt, strategy })
      : new NodePortAllocator(range, { seed: BigInt.asUintN(64, this.#baseSeed! ^ NODE_PORT_SEED_SALT), strategy });
  }

  /** The node port allocator, to read (changing it bypasses the Service records). */
  get nodePortAllocator(): NodePortAllocator {
    return this.#nodePorts;
  }

  #familyAllocator(family: IPFamily): FamilyAllocator | undefined {
    return this.#registry ? this.#registry.allocator(family) : this.#bitmaps.get(family);
  }

  /**
   * The range allocator of a configured family, to read (changing it bypasses the Service
   * records): the flag's bitmap, or from 1.33 the per-CIDR allocator of the flag's CIDR.
   */
  allocator(family: IPFamily): ClusterIPAllocator | undefined {
    if (!this.#registry) return this.#bitmaps.get(family)?.allocator;
    this.#registry.reconcile();
    const cidr = this.ranges[this.families.indexOf(family)];
    return cidr === undefined ? undefined : this.#registry.allocator(family)?.items.get(cidr)?.allocator ?? undefined;
  }

  /** Whether an IP is taken (allocated in its bitmap, or an IPAddress of that name exists). */
  isAllocated(ip: string): boolean {
    const parsed = parseIPSloppy(ip);
    if (parsed === null) return false;
    if (this.#registry) return this.#registry.address(parsed.canonical) !== undefined;
    return this.#bitmaps.get(parsed.family === 4 ? 'IPv4' : 'IPv6')?.allocator.has(parsed.canonical) === true;
  }

  // ---- Services ----

  get(namespace: string, name: string): Service | undefined {
    const stored = this.#services.get(`${namespace || 'default'}/${name}`);
    return stored && clone(stored);
  }

  list(): Service[] {
    return [...this.#services.values()].map(clone);
  }

  /** Creates a Service as the API server would; returns what it stores (allocated fields filled). */
  create(input: Service, request: RequestOptions = {}): Service {
    return clone(this[STORED_WRITE]('create', input, request));
  }

  /**
   * create/update without the copy of the result: the stored object itself, which the caller must
   * not change. The CLI prints it and drops it; at 20,000 Services the copies cost about 6 % of a run.
   */
  [STORED_WRITE](verb: 'create' | 'apply', input: Service, request: StoredWriteOptions): Readonly<Service>;
  [STORED_WRITE](verb: 'update', input: Service, request: StoredWriteOptions, oldService: Service): Readonly<Service>;
  [STORED_WRITE](verb: 'create' | 'update' | 'apply', input: Service, request: StoredWriteOptions, oldService?: Service): Readonly<Service> {
    if (verb === 'create') return this.#create(input, request);
    if (verb === 'update') return this.#update(oldService!, input, request);
    // apply: an update of the stored Service of that name, else a create (one lookup, no copy).
    const key = serviceKey(input);
    const stored = this.#services.get(key);
    return stored ? this.#update(stored, input, request) : this.#create(input, request, key);
  }

  // `knownKey`: serviceKey(input), when the caller has it (the pipeline changes neither the name
  // nor a namespace that is set; an unset one becomes "default", which the key already says).
  #create(input: Service, request: StoredWriteOptions, knownKey?: string): Service {
    this.#registry?.reconcile();
    const service = request.adoptInput ? input : clone(input);
    (service.metadata ??= {}).namespace ||= 'default';
    const name = service.metadata.name ?? '';
    setServiceDefaults(service);
    normalizeClusterIPs(service, undefined);
    const rules = this.#createRules;
    this.#check(name, initIPFamilyFields(service, undefined, this, rules));
    const txn = new Transaction();
    this.#allocClusterIPs(service, txn);
    // Only NodePort and LoadBalancer Services take node ports (a health check port too needs a
    // LoadBalancer), so the rest open no operation.
    if (needsNodePort(service)) {
      this.#allocNodePorts(txn, (op) => {
        initNodePorts(service, op);
        if (needsHealthCheck(service)) allocHealthCheckNodePort(service, op);
      });
    }
    // One key string for the lookup and the store (its hash is computed once).
    let key: string;
    try {
      setStatus(service, new CreatedServiceStatus());
      this.#check(name, validateService(service, rules));
      key = knownKey ?? serviceKey(service);
      if (this.#services.has(key)) throw new ServiceExistsError(key);
    } catch (error) {
      txn.revert();
      throw error;
    }
    txn.commit();
    if (request.warnings) {
      const warnings = serviceWarnings(service, this.profile);
      if (warnings.length > 0) request.warnings.push(...warnings);
    }
    this.#services.set(key, service);
    return service;
  }

  /** Applies an update; `oldService` names the Service, the stored copy is the one compared. */
  update(oldService: Service, input: Service, request: RequestOptions = {}): Service {
    return clone(this[STORED_WRITE]('update', input, request, oldService));
  }

  #update(oldService: Service, input: Service, request: StoredWriteOptions): Service {
    this.#registry?.reconcile();
    const key = serviceKey(input);
    if (serviceKey(oldService) !== key) throw new ServiceNotFoundError(serviceKey(oldService));
    const stored = this.#services.get(key);
    if (!stored) throw new ServiceNotFoundError(key);
    const service = request.adoptInput ? input : clone(input);
    (service.metadata ??= {}).namespace ||= 'default';
    const name = service.metadata.name ?? '';
    setServiceDefaults(service);
    const old = clone(stored);
    defaultOnRead(old, this.families[0]);
    patchAllocatedValues(service, old);
    normalizeClusterIPs(service, old);
    const rules: IPTextRules = { strict: this.profile.strictIPText, validOld: old.spec?.clusterIPs ?? [] };
    this.#check(name, initIPFamilyFields(service, old, this, rules));
    const txn = new Transaction();
    this.#updateClusterIPs(service, old, txn);
    this.#allocNodePorts(txn, (op) => {
      const type = service.spec?.type;
      if (needsNodePort(old) && (type === 'ExternalName' || type === 'ClusterIP')) releaseNodePorts(old, op);
      if (needsNodePort(service)) updateNodePorts(service, old, op);
      updateHealthCheckNodePort(service, old, op);
    });
    try {
      setStatus(service, clone(old.status) ?? { loadBalancer: {} });
      dropTypeDependentFields(service, old);
      if (service.spec?.type !== 'LoadBalancer') setStatus(service, { ...service.status, loadBalancer: {} });
      this.#check(name, validateServiceUpdate(service, old, rules));
    } catch (error) {
      txn.revert();
      throw error;
    }
    txn.commit();
    request.warnings?.push(...serviceWarnings(service, this.profile));
    this.#services.set(key, service);
    return service;
  }

  /** Deletes the Service; its cluster IPs are released. */
  delete(service: Service): void {
    this.#registry?.reconcile();
    const key = serviceKey(service);
    const stored = this.#services.get(key);
    if (!stored) throw new ServiceNotFoundError(key);
    this.#services.delete(key);
    for (const [family, text] of ipsByFamily(stored)) this.#release(family, text);
    for (const port of heldNodePorts(stored)) this.#nodePorts.release(port);
  }

  // txnAllocNodePorts / txnUpdateNodePorts: after the cluster IPs, in the same transaction — a node
  // port failure gives back this request's IPs and ports; releases wait for the commit.
  #allocNodePorts(txn: Transaction, allocate: (op: NodePortOperation) => void): void {
    const op = new NodePortOperation(this.#nodePorts);
    try {
      allocate(op);
    } catch (error) {
      op.revert();
      txn.revert();
      throw error;
    }
    if (op.isEmpty) return;
    txn.onRevert(() => op.revert());
    txn.onCommit(() => op.commit());
  }

  #check(name: string, errors: FieldError[]): void {
    if (errors.length > 0) throw new ServiceValidationError(name, errors);
  }

  #release(family: IPFamily, text: string): void {
    const ip = parseIPSloppy(text);
    if (ip !== null) this.#familyAllocator(family)?.release(ip);
  }

  // allocClusterIPs/allocIPs: every family's IP, in Go's (random) map order. A failure leaves the
  // families allocated before it in place, as upstream does, unless `transactional` is set.
  #allocClusterIPs(service: Service, txn: Transaction): void {
    const spec = service.spec!;
    if (isExternalName(service) || isHeadless(service)) return;
    const families = (spec.ipFamilies ?? []) as IPFamily[];
    // A copy of a template at its final length, for the reasons of ip-families.ts's SINGLE_FAMILY.
    const clusterIPs = (spec.clusterIPs ??= (families.length === 2 ? TWO_UNSET_IPS : families.length === 1 ? ONE_UNSET_IP : NO_IPS).slice());
    while (clusterIPs.length < families.length) clusterIPs.push('');
    // A dual-stack Service's families in Go's map order: the second first, half the time.
    const secondFirst = families.length === 2 && this.#order.pick(2) === 1;
    const owner = ownerOf(service);
    const name = service.metadata?.name ?? '';
    const local = new Transaction();
    try {
      for (let k = 0; k < families.length; k++) {
        const index = secondFirst ? 1 - k : k;
        clusterIPs[index] = this.#allocateIP(families[index], clusterIPs[index], clusterIPs, name, owner, local);
      }
    } catch (error) {
      if (this.#options.transactional) local.revert();
      throw error;
    }
    spec.clusterIP = clusterIPs[0];
    txn.onRevert(() => local.revert());
  }

  /** One family's IP: "" dynamic, otherwise static. Returns the text to store. */
  #allocateIP(family: IPFamily, text: string, clusterIPs: string[], name: string, owner: ServiceRef, txn: Transaction): string {
    const allocator = this.#familyAllocator(family)!;
    if (text === '') {
      let ip: string;
      try {
        ip = allocator.allocateNext(owner);
      } catch (error) {
        if (error instanceof AllocatorError) throw new ServiceInternalError(`failed to allocate a serviceIP: ${error.message}`);
        throw error;
      }
      txn.onRevert(() => allocator.release(parseIPSloppy(ip)!));
      return ip;
    }
    const parsed: SloppyIP | null = parseIPSloppy(text);
    if (parsed === null) throw new ServiceInternalError(`failed to parse service IP ${JSON.stringify(text)}`);
    try {
      allocator.allocate(owner, parsed);
    } catch (error) {
      if (!(error instanceof AllocatorError)) throw error;
      throw new ServiceValidationError(name, [invalid('spec.clusterIPs', clusterIPs.slice(), `failed to allocate IP ${text}: ${this.#errorText(error)}`)]);
    }
    txn.onRevert(() => allocator.release(parsed));
    return this.#options.canonicalIPText ? parsed.canonical : text;
  }

  #errorText(error: AllocatorError): string {
    return error.message;
  }

  // updateClusterIPs: from ExternalName (allocate all), to ExternalName (release all), upgrade to
  // dual-stack (allocate the secondary), downgrade (release the secondary). Releases wait for commit.
  #updateClusterIPs(service: Service, old: Service, txn: Transaction): void {
    if (isMatchingPreferDualStack(service, old)) return;
    if (isExternalName(old) && !isExternalName(service)) {
      this.#allocClusterIPs(service, txn);
      return;
    }
    if (isHeadless(old)) return;
    if (!isExternalName(old) && isExternalName(service)) {
      for (const [family, text] of ipsByFamily(old)) txn.onCommit(() => this.#release(family, text));
      return;
    }
    const oldFamilies = old.spec?.ipFamilies ?? [];
    const newFamilies = (service.spec?.ipFamilies ?? []) as IPFamily[];
    const spec = service.spec!;
    if (oldFamilies.length === 1 && newFamilies.length === 2) {
      const clusterIPs = (spec.clusterIPs ??= []);
      if (clusterIPs.length < 2) clusterIPs.push('');
      const local = new Transaction();
      clusterIPs[1] = this.#allocateIP(newFamilies[1], clusterIPs[1], clusterIPs, service.metadata?.name ?? '', ownerOf(service), local);
      txn.onRevert(() => local.revert());
      return;
    }
    if (oldFamilies.length === 2 && newFamilies.length === 1) {
      const family = oldFamilies[1] as IPFamily;
      const text = old.spec!.clusterIPs![1];
      txn.onCommit(() => this.#release(family, text));
    }
  }

  // The API server creates default/kubernetes at start-up with network+1 of the primary range.
  #ensureKubernetesService(): void {
    if (this.#services.has('default/kubernetes')) return;
    const primary = this.#flag[0];
    const ip = formatAddress(primary.family, primary.network + 1n);
    try {
      this.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: ip, sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: APISERVER_SECURE_PORT }] },
      });
    } catch (error) {
      // kube-apiserver logs the failure and retries later; a range without that address has none to give.
      if (!(error instanceof ServiceValidationError || error instanceof ServiceInternalError)) throw error;
    }
  }

  // ---- ServiceCIDR and IPAddress objects (1.33+) ----

  #requireRegistry(what: string): ServiceCIDRRegistry {
    if (!this.#registry) {
      throw new AllocatorError('ERR_NOT_SUPPORTED_BY_VERSION', `${what} needs Kubernetes 1.33 or later (ServiceCIDR and IPAddress objects); this ServiceIPAM is ${this.kubernetesVersion}`);
    }
    return this.#registry;
  }

  /** The ServiceCIDR objects, the default "kubernetes" one (made from the flag) among them. */
  serviceCIDRs(): ServiceCIDR[] {
    return this.#requireRegistry('serviceCIDRs()').serviceCIDRs();
  }

  /** Creates or updates (only by appending the other family) a ServiceCIDR. */
  applyServiceCIDR(object: ServiceCIDR): ServiceCIDR {
    return this.#requireRegistry('applyServiceCIDR()').applyServiceCIDR(object);
  }

  /** Deletes a ServiceCIDR: the object while deletion is blocked or in its grace period, undefined once gone. */
  deleteServiceCIDR(name: string): ServiceCIDR | undefined {
    return this.#requireRegistry('deleteServiceCIDR()').deleteServiceCIDR(name);
  }

  /** The IPAddress objects the API server holds. */
  ipAddresses(): IPAddress[] {
    return this.#requireRegistry('ipAddresses()').addresses();
  }

  /** An IPAddress held by something else (a Gateway, another controller): its IP is taken. */
  applyIPAddress(object: IPAddress): IPAddress {
    return this.#requireRegistry('applyIPAddress()').applyIPAddress(object);
  }

  deleteIPAddress(name: string): boolean {
    return this.#requireRegistry('deleteIPAddress()').deleteIPAddress(name);
  }

  // ---- repair, metrics, state ----

  /**
   * What the repair controller finds (and, with `apply`, fixes) comparing Services with the
   * allocations: the legacy bitmap repair up to 1.32, the IPAddress repair from 1.33.
   */
  repair(services: Service[] = this.list(), options: RepairOptions = {}): RepairReport {
    const report = this.#repairIPs(services, options);
    return { ...report, nodePorts: repairNodePorts(this.#nodePorts, services, options, this.#portLeakPasses) };
  }

  #repairIPs(services: Service[], options: RepairOptions): BitmapRepairReport | IPAddressRepairReport {
    if (!this.#registry) {
      const allocators = new Map([...this.#bitmaps].map(([family, a]) => [family, a.allocator] as [IPFamily, ClusterIPAllocator]));
      return repairBitmaps(allocators, services, options, this.#leakPasses);
    }
    const registry = this.#registry;
    const addresses = new Map(registry.addresses().map((a) => [a.metadata.name!, a]));
    const report = repairIPAddresses(services, { serviceCIDRs: registry.serviceCIDRs(), addresses, now: this.#now() });
    if (options.apply) {
      for (const action of report.actions) {
        if (action.verb === 'delete') registry.deleteIPAddress(action.name);
      }
      for (const action of report.actions) {
        const object = addresses.get(action.name);
        if (action.verb === 'create' && object && registry.address(action.name) === undefined) registry.applyIPAddress(object);
      }
    }
    return report;
  }

  /** Prometheus text exposition with the API server's ClusterIP allocator metrics. */
  metrics(): string {
    return metricsText(this.#metricRows(), this.#nodePorts.stats());
  }

  #metricRows(): CIDRMetrics[] {
    if (!this.#registry) {
      return [...this.#bitmaps.values()].map(({ allocator }) => {
        const stats = allocator.stats();
        return { cidr: allocator.cidr, allocated: stats.used, available: stats.free, allocations: stats.allocations, errors: stats.errors };
      });
    }
    this.#registry.reconcile();
    const addresses = this.#registry.addresses().filter((a) => a.metadata.labels?.[LABEL_MANAGED_BY] === IP_ALLOCATOR_MANAGER);
    const rows: CIDRMetrics[] = [];
    for (const meta of this.#registry.metaAllocators.values()) {
      for (const item of meta.items.values()) {
        const family = item.cidr.family === 4 ? 'IPv4' : 'IPv6';
        const used = addresses.filter((a) => {
          const ip = parseIPSloppy(a.metadata.name);
          return a.metadata.labels?.[LABEL_IP_FAMILY] === family && ip !== null && ip.family === item.cidr.family
            && (prefixContainsIP(item.cidr, addressValue(ip)) || addressValue(ip) === item.cidr.network);
        }).length;
        // Free() = size - used, where a size above MaxInt is taken as MaxInt.
        const size = item.allocator?.range.size ?? 0n;
        const maxInt = (1n << 63n) - 1n;
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

  /** The whole state as JSON-safe data. */
  snapshot(): IPAMState {
    this.#registry?.reconcile();
    const bitmaps = this.#registry
      ? [...this.#registry.metaAllocators.values()].flatMap((m) => (m.shadow ? [m.shadow.allocator] : []))
      : [...this.#bitmaps.values()].map((b) => b.allocator);
    return {
      kind: 'ClusterIPState',
      version: 2,
      kubernetesVersion: this.kubernetesVersion,
      serviceClusterIPRange: this.ranges.join(','),
      serviceNodePortRange: this.serviceNodePortRange,
      nodePorts: toBase64(this.#nodePorts.snapshot().data),
      ranges: bitmaps.map((a) => {
        const snap = a.snapshot();
        return { range: snap.range, data: toBase64(snap.data) };
      }),
      serviceCIDRs: this.#registry ? this.#registry.serviceCIDRs() : [],
      ipAddresses: this.#registry ? this.#registry.addresses() : [],
      services: this.list(),
    };
  }

  /**
   * Replaces the whole state. A state of another flag or version (or an inconsistent one) is
   * refused and nothing changes. A version-1 state (0.1.0) restores into any version; from 1.33
   * its Services get the IPAddress objects the repair controller would create.
   */
  restore(state: IPAMState | unknown): void {
    const checked = checkState(state);
    if (checked.serviceClusterIPRange !== this.ranges.join(',')) {
      throw new AllocatorError('ERR_MISMATCHED_NETWORK', `the provided network does not match the current range (state: ${checked.serviceClusterIPRange}, configured: ${this.ranges.join(',')})`);
    }
    if (checked.serviceNodePortRange !== undefined && checked.serviceNodePortRange !== this.serviceNodePortRange) {
      throw new AllocatorError('ERR_MISMATCHED_NETWORK', `the provided port range does not match the current port range (state: ${checked.serviceNodePortRange}, configured: ${this.serviceNodePortRange})`);
    }
    if (checked.version === 2 && checked.kubernetesVersion !== this.kubernetesVersion) {
      throw new AllocatorError('ERR_MISMATCHED_NETWORK', `the state is of Kubernetes ${checked.kubernetesVersion}, this ServiceIPAM is ${this.kubernetesVersion}`);
    }
    const fresh = new ServiceIPAM({ ...this.#options, kubernetesVersion: this.kubernetesVersion, reserveKubernetesService: false });
    try {
      fresh.#load(checked);
    } catch (error) {
      fresh.dispose();
      throw error;
    }
    this.dispose();
    this.#bitmaps = fresh.#bitmaps;
    this.#registry = fresh.#registry;
    this.#services = fresh.#services;
    this.#nodePorts = fresh.#nodePorts;
    this.#leakPasses.clear();
    this.#portLeakPasses.clear();
  }

  #load(checked: ReturnType<typeof checkState>): void {
    const claimed = new Map<string, string>();
    for (const [key, service] of checked.services) {
      for (const ip of serviceIPs(service)) {
        const other = claimed.get(ip);
        if (other) throw invalidSnapshotError(`${ip} is held by two services (${other} and ${key})`);
        claimed.set(ip, key);
      }
    }
    const useBitmaps = !this.#registry || (checked.version === 2 && this.profile.dualWrite);
    if (useBitmaps) {
      const targets = this.#registry
        ? [...this.#registry.metaAllocators.values()].flatMap((m) => (m.shadow ? [m.shadow.allocator] : []))
        : [...this.#bitmaps.values()].map((b) => b.allocator);
      if (checked.ranges.length !== targets.length) throw invalidSnapshotError(`expected ${targets.length} range bitmaps, found ${checked.ranges.length}`);
      checked.ranges.forEach((range, i) => targets[i].restore(range));
    }
    if (this.#registry) {
      const addresses = checked.version === 2 ? checked.ipAddresses : [];
      this.#registry.load(checked.serviceCIDRs, addresses);
      if (checked.version === 1) {
        // Migration: the repair controller gives each Service IP its IPAddress.
        for (const [, service] of checked.services) {
          for (const ip of serviceIPs(service)) {
            this.#registry.createAllocated(familyOf(ip)!, ip, ownerOf(service));
          }
        }
      }
      for (const [key, service] of checked.services) {
        for (const ip of serviceIPs(service)) {
          if (!this.#registry.address(ip)) throw invalidSnapshotError(`service ${key} holds ${ip}, which has no IPAddress`);
        }
      }
    } else {
      for (const [key, service] of checked.services) {
        for (const ip of serviceIPs(service)) {
          const allocator = this.#bitmaps.get(familyOf(ip)!)?.allocator;
          if (!allocator || !allocator.has(ip)) throw invalidSnapshotError(`service ${key} holds ${ip}, which the ranges do not have allocated`);
        }
      }
    }
    this.#loadNodePorts(checked);
    for (const [key, service] of checked.services) this.#services.set(key, clone(service));
  }

  // The port bitmap from the state, or (states written before node ports existed) rebuilt from the
  // Services; either way every port a Service holds must be allocated, and by one Service only.
  #loadNodePorts(checked: ReturnType<typeof checkState>): void {
    const holders = nodePortHolders(checked.services.values());
    for (const [port, [key, other]] of holders) {
      if (!Number.isInteger(port)) throw invalidSnapshotError(`service ${key} holds node port ${JSON.stringify(port)}, which is not a port`);
      if (other) throw invalidSnapshotError(`node port ${port} is held by two services (${key} and ${other})`);
    }
    if (checked.nodePorts !== undefined) {
      this.#nodePorts.restore({ range: this.serviceNodePortRange, data: checked.nodePorts });
      for (const [port, [key]] of holders) {
        if (!this.#nodePorts.has(port)) throw invalidSnapshotError(`service ${key} holds node port ${port}, which the port range does not have allocated`);
      }
      return;
    }
    for (const [port, [key]] of holders) {
      try {
        this.#nodePorts.allocate(port);
      } catch (error) {
        if (error instanceof AllocatorError) throw invalidSnapshotError(`service ${key} holds node port ${port}: ${error.message}`);
        throw error;
      }
    }
  }

  /** `using ipam = new ServiceIPAM(…)`: dispose() at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees the allocators' kernel memory; the ServiceIPAM must not be used afterwards. */
  dispose(): void {
    for (const bitmap of this.#bitmaps.values()) bitmap.dispose();
    this.#registry?.dispose();
    this.#nodePorts.dispose();
  }
}

// A created Service's status: an empty load balancer status. Built by a constructor because every
// stored Service keeps it (see AllocatedIPAddress in network-objects.ts).
class CreatedServiceStatus {
  readonly loadBalancer: Record<string, never>;
  constructor() {
    this.loadBalancer = {};
  }
}

// PrepareForCreate/PrepareForUpdate: the status is the server's, never the client's.
function setStatus(service: Service, status: Service['status']): void {
  (service as { status?: Service['status'] }).status = status;
}

function ownerOf(service: Service): ServiceRef {
  return { namespace: service.metadata?.namespace || 'default', name: service.metadata?.name ?? '' };
}

export { NONE };
