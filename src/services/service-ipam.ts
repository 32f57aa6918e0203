// ServiceIPAM: a kube-apiserver of a chosen version, as far as Service IPs go. It runs the Service
// request pipeline in the API server's order —
//   create: defaulting → normalisation → allocation stage (IP families, cluster IPs) → validation
//           → existence check → commit (a failure after allocation releases what was allocated);
//   update: defaulting → old object's read defaults → patch allocated values → normalisation →
//           allocation stage → drop type-dependent fields → update validation → commit (releases);
//   delete: release at commit —
// over the version's allocator model: one bitmap per family (1.29–1.32) or ServiceCIDR and
// IPAddress objects with a MetaAllocator per family (1.33+).
// [Symbol.dispose] in this file's declarations needs TypeScript's disposable lib; the reference
// carries it to projects whose lib setting lacks it (a browser project without @types/node).
/// <reference lib="esnext.disposable" preserve="true" />
import { STORAGE, STORED_WRITE, SYSTEM_FIELDS } from '../internal.js';
import type { StorageAccess, SystemFields } from './storage-access.js';
import type { StorageJournal } from './storage-journal.js';
import { timestamp } from './service-cidrs.js';
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
  NONE, ipsByFamily, isExternalName, isHeadless, keyOf, needsHealthCheck, needsNodePort, serviceKey, type IPFamily, type IPTextRules,
} from './service-fields.js';
import { defaultOnRead, dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues, setServiceDefaults } from './service-defaults.js';
import { initIPFamilyFields, isMatchingPreferDualStack } from './ip-families.js';
import { validateService, validateServiceUpdate } from './service-validation.js';
import { serviceWarnings } from './service-warnings.js';
import type { FamilyAllocator, ServiceRef } from './family-allocator.js';
import type { ServiceCIDRRegistry } from './service-cidrs.js';
import { BitmapIPModel } from './bitmap-ip-model.js';
import { IPAddressIPModel } from './ipaddress-ip-model.js';
import type { ServiceIPModel } from './ip-model.js';
import { createOrderSource, type OrderSource } from './order-source.js';
import type { BitmapRepairReport, RepairOptions } from './repair.js';
import { ServiceIndex, type IPAddressRepairReport } from './repair-ipaddress.js';
import { metricsText } from './metrics.js';
import { checkState, toBase64, type CheckedState, type IPAMState } from './ipam-state.js';
import { versionProfile, type VersionProfile } from './versions.js';
import type { IPAddress, ServiceCIDR } from './network-objects.js';
import { SERVICE_SHAPE, ObjectShapeError, readObject, requireString } from './object-shapes.js';
import { hazard, type Hazard } from './hazards.js';
import { ServiceStore, StoredService } from './service-store.js';
import { allocationsOf, heldIPTexts, nodePortHolders, type ServiceAllocations } from './service-allocations.js';
import { NodePortAllocator } from '../node-port-allocator.js';
import {
  NodePortOperation, allocHealthCheckNodePort, collectServiceNodePorts, initNodePorts, releaseNodePorts, updateHealthCheckNodePort,
  updateNodePorts,
} from './node-ports.js';
import { repairNodePorts, type NodePortRepairReport } from './repair-node-ports.js';

export { serviceKey };

/** How the simulated API server is started: its flags, its version and its randomness. */
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
  /** How every range picks dynamic addresses (default 'random-scan', the API server's). */
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
  /**
   * Be the bitmap allocator with its /12 and /108 limits.
   * @deprecated Use kubernetesVersion: '1.32'.
   */
  legacy?: boolean;
}

/**
 * Per-request options: `warnings` receives what the API server would return as warnings (exactly
 * its texts); `hazards` receives this package's notes where the API server's own behaviour can
 * lead to a duplicate (hazards.ts), which the API server does not report.
 */
export interface RequestOptions {
  /** Receives the API server's warnings for the request, in its words. */
  warnings?: string[];
  /** Receives this package's notes where the API server's behaviour can lead to a duplicate. */
  hazards?: Hazard[];
}

/** restore() options: `hazards` receives what the restored state holds that the repair controllers would act on. */
export interface RestoreOptions {
  /** Receives what the restored state holds that the repair controllers would act on. */
  hazards?: Hazard[];
}

/**
 * RequestOptions of the internal STORED_WRITE path. `adoptInput`: the pipeline may default and
 * store the input object itself, even when the request fails (the CLI's parsed JSON, which it
 * reads no more), which saves a large run the copy (docs/benchmarks.md, "Measured costs behind the code").
 */
interface StoredWriteOptions extends RequestOptions {
  adoptInput?: boolean;
}

/** What the IP repair controller finds (per the version's model), plus the node port repair's findings. */
export type RepairReport = (BitmapRepairReport | IPAddressRepairReport) & { nodePorts: NodePortRepairReport };
export type { RepairOptions, Hazard };

/** Kubernetes' default --service-node-port-range. */
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';
/** Mixed into the base seed for the node port range, so it draws apart from the IP ranges. */
const NODE_PORT_SEED_SALT = 0x6e6f6465706f7274n;

/** The port default/kubernetes forwards to: kube-apiserver's --secure-port default. */
const APISERVER_SECURE_PORT = 6443;

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

/**
 * One kube-apiserver of a chosen version (1.29–1.36), as far as Service IPs and node ports go:
 * Services created, updated, applied and deleted through its pipeline (defaults, validation,
 * allocation, the exact errors and warnings), its ServiceCIDR and IPAddress objects (1.33+), and
 * its repair controllers. Call dispose() (or `using`) when done with it.
 */
export class ServiceIPAM {
  /** The Kubernetes version this API server is, e.g. '1.36'. */
  readonly kubernetesVersion: string;
  /** What that version does differently (its allocator, its validation, its defaults). */
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
  #ips: ServiceIPModel;
  #services = new ServiceStore();
  #nodePorts: NodePortAllocator;
  readonly #portLeakPasses = new Map<number, number>();
  /** The IP text rules of a create (they depend on the version only): one object for every create. */
  readonly #createRules: IPTextRules;
  readonly #systemFields: SystemFields | undefined;
  #journal: StorageJournal | undefined;

  /**
   * An API server with no Services but default/kubernetes (unless reserveKubernetesService is
   * false). Throws AllocatorError for bad flags (ERR_INVALID_CIDR, ERR_UNSUPPORTED_VERSION, …)
   * and ERR_KERNEL_UNAVAILABLE when the WebAssembly kernel cannot be compiled.
   */
  constructor(options: ServiceIPAMOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this.#options = { ...options };
    const version = options.kubernetesVersion ?? (options.legacy === true ? '1.32' : undefined);
    this.profile = versionProfile(version);
    this.kubernetesVersion = this.profile.version;
    this.#createRules = { strict: this.profile.strictIPText };
    this.#systemFields = (options as { [SYSTEM_FIELDS]?: SystemFields })[SYSTEM_FIELDS];
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
      this.#ips = this.#buildIPModel();
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

  // The version's IP model: bitmaps up to 1.32, ServiceCIDR and IPAddress objects from 1.33.
  #buildIPModel(): ServiceIPModel {
    const allocatorOptions = (cidr: string) => this.#allocatorOptions(cidr);
    if (this.profile.allocatorModel === 'bitmap') return new BitmapIPModel(this.#flag, allocatorOptions);
    return new IPAddressIPModel({
      flag: this.#flag, now: this.#now, order: this.#order, allocatorOptions, dualWrite: this.profile.dualWrite, uid: this.#systemFields?.uid,
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
    return this.#ips.family(family);
  }

  /**
   * The range allocator of a configured family, to read (changing it bypasses the Service
   * records): the flag's bitmap, or from 1.33 the per-CIDR allocator of the flag's CIDR.
   */
  allocator(family: IPFamily): ClusterIPAllocator | undefined {
    return this.#ips.flagAllocator(family);
  }

  /** Whether an IP is taken (allocated in its bitmap, or an IPAddress of that name exists). */
  isAllocated(ip: string): boolean {
    const parsed = parseIPSloppy(ip);
    return parsed !== null && this.#ips.isAllocated(parsed);
  }

  // ---- Services ----

  /** The stored Service, as a GET returns it (a copy); undefined when there is none. */
  get(namespace: string, name: string): Service | undefined {
    if (namespace !== undefined && namespace !== null) requireString(namespace, 'namespace', 'get()');
    return this.#services.get(namespace, requireString(name, 'name', 'get()'))?.read();
  }

  /** Every stored Service (copies), in namespace/name order. */
  list(): Service[] {
    const out: Service[] = [];
    for (const stored of this.#services.values()) out.push(stored.read());
    return out;
  }

  /** Creates a Service as the API server would; returns what it stores (allocated fields filled), as an object of the caller's own. */
  create(input: Service, request: RequestOptions = {}): Service {
    return this[STORED_WRITE]('create', input, request);
  }

  /**
   * The Service pipeline's writes. Each returns the object the request built, which is the
   * caller's: the store keeps the Service as text. With `adoptInput` the input object itself is
   * defaulted and filled (the CLI's parsed JSON, which it reads no more).
   */
  [STORED_WRITE](verb: 'create' | 'apply', input: Service, request: StoredWriteOptions): Service;
  [STORED_WRITE](verb: 'update', input: Service, request: StoredWriteOptions, oldService: Service): Service;
  [STORED_WRITE](verb: 'create' | 'update' | 'apply', input: Service, request: StoredWriteOptions, oldService?: Service): Service {
    if (verb === 'create') return this.#create(input, request);
    if (verb === 'update') return this.#update(oldService!, input, request);
    // apply: an update of the stored Service of that name, else a create.
    const { namespace, name } = inputName(input);
    return this.#services.has(namespace, name) ? this.#update(input, input, request) : this.#create(input, request);
  }

  #create(input: Service, request: StoredWriteOptions): Service {
    this.#ips.prepare();
    const service = readService(input, request.adoptInput === true);
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
    try {
      setStatus(service, { loadBalancer: {} });
      this.#check(name, validateService(service, rules));
      if (this.#services.has(service.metadata.namespace, name)) throw new ServiceExistsError(keyOf(service.metadata.namespace, name));
    } catch (error) {
      txn.revert();
      throw error;
    }
    txn.commit();
    if (request.warnings) {
      const warnings = serviceWarnings(service, this.profile);
      if (warnings.length > 0) request.warnings.push(...warnings);
    }
    if (this.#systemFields) stampCreated(service, this.#systemFields.uid(), timestamp(this.#now()));
    const stored = new StoredService(service);
    this.#journal?.service(stored.namespace, stored.name);
    this.#services.add(stored);
    if (request.hazards) this.#writeHazards(stored, service, undefined, NO_PORTS, request.hazards);
    return service;
  }

  /** Applies an update; `oldService` names the Service, the stored one is the one compared. Returns an object of the caller's own. */
  update(oldService: Service, input: Service, request: RequestOptions = {}): Service {
    return this[STORED_WRITE]('update', input, request, oldService);
  }

  #update(oldService: Service, input: Service, request: StoredWriteOptions): Service {
    this.#ips.prepare();
    const { namespace, name: inputServiceName } = inputName(input);
    const oldName = inputName(oldService);
    if (oldName.namespace !== namespace || oldName.name !== inputServiceName) throw new ServiceNotFoundError(keyOf(oldName.namespace, oldName.name));
    const stored = this.#services.get(namespace, inputServiceName);
    if (!stored) throw new ServiceNotFoundError(keyOf(namespace, inputServiceName));
    const service = readService(input, request.adoptInput === true);
    (service.metadata ??= {}).namespace ||= 'default';
    const name = service.metadata.name ?? '';
    setServiceDefaults(service);
    // The stored Service is parsed from its text: an object of this request's own.
    const old = stored.read();
    defaultOnRead(old, this.families[0]);
    patchAllocatedValues(service, old);
    normalizeClusterIPs(service, old);
    const rules: IPTextRules = { strict: this.profile.strictIPText, validOld: old.spec?.clusterIPs ?? [] };
    this.#check(name, initIPFamilyFields(service, old, this, rules));
    const txn = new Transaction();
    this.#updateClusterIPs(service, old, txn);
    let released: readonly number[] = NO_PORTS;
    this.#allocNodePorts(txn, (op) => {
      const type = service.spec?.type;
      if (needsNodePort(old) && (type === 'ExternalName' || type === 'ClusterIP')) releaseNodePorts(old, op);
      if (needsNodePort(service)) updateNodePorts(service, old, op);
      updateHealthCheckNodePort(service, old, op);
      released = op.deferred;
    });
    try {
      setStatus(service, old.status ?? { loadBalancer: {} });
      dropTypeDependentFields(service, old);
      if (service.spec?.type !== 'LoadBalancer') setStatus(service, { ...service.status, loadBalancer: {} });
      this.#check(name, validateServiceUpdate(service, old, rules));
    } catch (error) {
      txn.revert();
      throw error;
    }
    txn.commit();
    request.warnings?.push(...serviceWarnings(service, this.profile));
    if (this.#systemFields) stampUpdated(service, old);
    const next = new StoredService(service);
    this.#journal?.service(next.namespace, next.name);
    this.#services.put(next);
    if (request.hazards) this.#writeHazards(next, service, old, released, request.hazards);
    return service;
  }

  /** Deletes the Service; its cluster IPs and node ports are released. */
  delete(service: Service, request: RequestOptions = {}): void {
    this.#ips.prepare();
    const { namespace, name } = inputName(service);
    if (!this.#services.has(namespace, name)) throw new ServiceNotFoundError(keyOf(namespace, name));
    this.#journal?.service(namespace, name);
    const stored = this.#services.delete(namespace, name)!;
    for (const text of heldIPTexts(stored)) this.#releaseText(text);
    for (const port of stored.nodePorts) this.#nodePorts.release(port);
    if (request.hazards) this.#releaseHazards(stored, stored.nodePorts, request.hazards);
  }

  // What a stored write leaves that the API server's own code makes unsafe (hazards.ts).
  #writeHazards(stored: StoredService, service: Service, old: Service | undefined, released: readonly number[], hazards: Hazard[]): void {
    const key = stored.key;
    const listed = collectServiceNodePorts(service);
    if (listed.length > 0) {
      const oldListed = old ? collectServiceNodePorts(old) : NO_PORTS;
      for (const port of new Set(listed)) {
        const others = this.#otherListers(port, stored);
        if (isExternalName(service)) {
          // An ExternalName Service may list node ports; nothing allocates them (reported once, when listed).
          if (old && isExternalName(old) && oldListed.includes(port)) continue;
          const held = others.length > 0 ? `, though ${others.join(' and ')} holds it` : ', even if another Service holds it by then';
          hazards.push(hazard('node-port-not-allocated', `node port ${port} of ExternalName service ${key} is listed but not allocated; deleting the Service releases it${held}`, { service: key, port, holders: others }));
        } else if (old && oldListed.includes(port) && !needsNodePort(old)) {
          // updateNodePorts keeps a port the old object listed without allocating it.
          if (others.length > 0) {
            hazards.push(hazard('node-port-shared', `node port ${port} kept by service ${key} without being allocated is also held by ${others.join(' and ')}`, { service: key, port, holders: others }));
          } else if (!this.#nodePorts.has(port)) {
            hazards.push(hazard('node-port-not-allocated', `node port ${port} kept by service ${key} was never allocated: the next node port allocation may hand it out`, { service: key, port }));
          }
        }
      }
    }
    this.#releaseHazards(stored, released, hazards);
    if (this.profile.allocatorModel === 'ipaddress' && !isExternalName(service) && !isHeadless(service)) {
      const oldIPs = old?.spec?.clusterIPs ?? [];
      for (const text of service.spec?.clusterIPs ?? []) {
        const ip = parseIPSloppy(text);
        if (ip === null || ip.canonical === text || oldIPs.includes(text)) continue;
        hazards.push(hazard('ip-text-not-canonical', `clusterIP ${JSON.stringify(text)} of service ${key} is stored as written: the IPAddress repair controller compares it with the IPAddress name ${ip.canonical} as text, deletes that IPAddress as a wrong reference, and ${ip.canonical} is free for another Service until its next pass`, { service: key, ip: ip.canonical }));
      }
    }
  }

  // Node ports a request released that other stored Services still list.
  #releaseHazards(stored: StoredService, released: readonly number[], hazards: Hazard[]): void {
    for (const port of released) {
      const others = this.#otherListers(port, stored);
      if (others.length === 0) continue;
      hazards.push(hazard('node-port-released-while-held', `node port ${port} released for service ${stored.key} is still held by ${others.join(' and ')}: the next node port allocation may hand it out again`, { service: stored.key, port, holders: others }));
    }
  }

  // The keys of the Services other than this one that list a node port.
  #otherListers(port: number, stored: StoredService): string[] {
    const out: string[] = [];
    for (const lister of this.#services.listers(port)) {
      if (lister.namespace !== stored.namespace || lister.name !== stored.name) out.push(lister.key);
    }
    return out;
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

  // A held IP's release by its text: its family is the parsed address's (releaseClusterIPs).
  #releaseText(text: string): void {
    const ip = parseIPSloppy(text);
    if (ip !== null) this.#familyAllocator(ip.family === 4 ? 'IPv4' : 'IPv6')?.release(ip);
  }

  // allocClusterIPs/allocIPs: every family's IP, in Go's (random) map order. A failure leaves the
  // families allocated before it in place, as upstream does, unless `transactional` is set.
  #allocClusterIPs(service: Service, txn: Transaction): void {
    const spec = service.spec!;
    if (isExternalName(service) || isHeadless(service)) return;
    const families = (spec.ipFamilies ?? []) as IPFamily[];
    const clusterIPs = (spec.clusterIPs ??= families.map(() => ''));
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
      const fieldError = invalid('spec.clusterIPs', clusterIPs.slice(), `failed to allocate IP ${text}: ${error.message}`);
      if (error.code === 'ERR_ALLOCATED') fieldError.taken = { kind: 'ip', ip: text };
      throw new ServiceValidationError(name, [fieldError]);
    }
    txn.onRevert(() => allocator.release(parsed));
    return this.#options.canonicalIPText ? parsed.canonical : text;
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
    if (this.#services.has('default', 'kubernetes')) return;
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
    const registry = this.#ips.objects();
    if (!registry) {
      throw new AllocatorError('ERR_NOT_SUPPORTED_BY_VERSION', `${what} needs Kubernetes 1.33 or later (ServiceCIDR and IPAddress objects); this ServiceIPAM is ${this.kubernetesVersion}`);
    }
    return registry;
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
    return this.#requireRegistry('deleteServiceCIDR()').deleteServiceCIDR(requireString(name, 'name', 'deleteServiceCIDR()'));
  }

  /** The IPAddress objects the API server holds. */
  ipAddresses(): IPAddress[] {
    return this.#requireRegistry('ipAddresses()').addresses();
  }

  /** An IPAddress held by something else (a Gateway, another controller): its IP is taken. */
  applyIPAddress(object: IPAddress): IPAddress {
    return this.#requireRegistry('applyIPAddress()').applyIPAddress(object);
  }

  /**
   * Deletes an IPAddress; false when there was none. As in the API server, an IPAddress a
   * Service holds can be deleted: its IP is free until the repair controller recreates the
   * IPAddress (reported in `hazards`).
   */
  deleteIPAddress(name: string, request: RequestOptions = {}): boolean {
    const registry = this.#requireRegistry('deleteIPAddress()');
    const address = registry.address(requireString(name, 'name', 'deleteIPAddress()'));
    const deleted = registry.deleteIPAddress(name);
    const ref = address?.parentRef;
    if (deleted && request.hazards && ref && ref.resource === 'services' && !ref.group) {
      const key = keyOf(ref.namespace, ref.name);
      const holder = this.#services.get(ref.namespace ?? '', ref.name);
      if (holder && holder.clusterIPs.some((text) => parseIPSloppy(text)?.canonical === name)) {
        request.hazards.push(hazard('ipaddress-deleted-while-held', `IPAddress ${name} was deleted while service ${key} holds it: the next allocation may hand ${name} out until the repair controller recreates the IPAddress`, { service: key, ip: name }));
      }
    }
    return deleted;
  }

  // ---- repair, metrics, state ----

  /**
   * What the repair controller finds (and, with `apply`, fixes) comparing Services with the
   * allocations: the legacy bitmap repair up to 1.32, the IPAddress repair from 1.33.
   */
  repair(services?: readonly Service[], options: RepairOptions = {}): RepairReport {
    this.#ips.prepare();
    // The stored Services are read where they are (the controllers only read them); a caller's
    // list is read into typed copies first, as the API server would have decoded them.
    if (services === undefined) {
      const report = this.#ips.repair(this.#services.values(), this.#services, options);
      return { ...report, nodePorts: repairNodePorts(this.#nodePorts, this.#services.values(), options, this.#portLeakPasses) };
    }
    const list: ServiceAllocations[] = readServiceList(services).map(allocationsOf);
    const report = this.#ips.repair(list, new ServiceIndex(list), options);
    return { ...report, nodePorts: repairNodePorts(this.#nodePorts, list, options, this.#portLeakPasses) };
  }

  /** Prometheus text exposition with the API server's ClusterIP allocator metrics. */
  metrics(): string {
    return metricsText(this.#ips.metricRows(), this.#nodePorts.stats());
  }

  /** The whole state as JSON-safe data. */
  snapshot(): IPAMState {
    const model = this.#ips.snapshot();
    return {
      kind: 'ClusterIPState',
      version: 2,
      kubernetesVersion: this.kubernetesVersion,
      serviceClusterIPRange: this.ranges.join(','),
      serviceNodePortRange: this.serviceNodePortRange,
      nodePorts: toBase64(this.#nodePorts.snapshot().data),
      ranges: model.ranges,
      serviceCIDRs: model.serviceCIDRs,
      ipAddresses: model.ipAddresses,
      ...(model.cidrAllocators ? { cidrAllocators: model.cidrAllocators } : {}),
      services: this.list(),
    };
  }

  /**
   * Replaces the whole state. A state of another flag or version, or one no sequence of API calls
   * can reach, is refused (ERR_INVALID_SNAPSHOT, with the path of the bad field) and nothing
   * changes. States the API server itself reaches through its hazards load, and what in them the
   * repair controllers would act on is reported in `hazards`. A version-1 state (0.1.0) restores
   * into any version; from 1.33 its Services get the IPAddress objects the repair controller
   * would create.
   */
  restore(state: IPAMState | unknown, options: RestoreOptions = {}): void {
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
    const hazards: Hazard[] = [];
    try {
      fresh.#load(checked, hazards);
    } catch (error) {
      fresh.dispose();
      throw error;
    }
    this.dispose();
    this.#ips = fresh.#ips;
    this.#services = fresh.#services;
    this.#nodePorts = fresh.#nodePorts;
    this.#portLeakPasses.clear();
    options.hazards?.push(...hazards);
  }

  #load(checked: CheckedState, hazards: Hazard[]): void {
    this.#ips.load(checked, hazards);
    this.#loadNodePorts(checked, hazards);
    for (const service of checked.services.values()) this.#services.put(new StoredService(service));
  }

  // The port bitmap from the state is taken as it is: the API server's own hazards let Services
  // list ports the bitmap does not hold, and share ports, so those are reported, not refused.
  // States written before node ports existed have no bitmap: it is rebuilt from the Services,
  // which then must hold distinct ports in range.
  #loadNodePorts(checked: CheckedState, hazards: Hazard[]): void {
    const holders = nodePortHolders([...checked.services.values()].map(allocationsOf));
    if (checked.nodePorts !== undefined) {
      this.#nodePorts.restore({ range: this.serviceNodePortRange, data: checked.nodePorts });
      for (const [port, keys] of holders) {
        if (keys.length > 1) {
          hazards.push(hazard('node-port-shared', `node port ${port} is held by ${keys.join(' and ')}`, { service: keys[0], port, holders: keys }));
        }
        if (this.#nodePorts.contains(port) && !this.#nodePorts.has(port)) {
          hazards.push(hazard('node-port-not-allocated', `node port ${port} of service ${keys[0]} is not allocated: the next node port allocation may hand it out`, { service: keys[0], port }));
        }
      }
      return;
    }
    for (const [port, [key, other]] of holders) {
      if (other) throw invalidSnapshotError(`node port ${port} is held by two services (${key} and ${other})`);
      try {
        this.#nodePorts.allocate(port);
      } catch (error) {
        if (error instanceof AllocatorError) throw invalidSnapshotError(`service ${key} holds node port ${port}: ${error.message}`);
        throw error;
      }
    }
  }

  /** The stored objects underneath the pipeline, for clusterip/etcd (storage-access.ts). */
  [STORAGE](): StorageAccess {
    return {
      setJournal: (journal) => {
        this.#journal = journal;
        this.#ips.objects()?.setJournal(journal);
      },
      service: (namespace, name) => this.#services.get(namespace, name),
      services: () => this.#services.values(),
      putService: (namespace, name, record) => {
        if (record) this.#services.put(record);
        else this.#services.delete(namespace, name);
      },
      registry: () => this.#ips.objects(),
      nodePorts: () => this.#nodePorts,
      rangeAllocators: () => this.#ips.rangeAllocators(),
      bootstrap: (reserve) => {
        this.#ips.prepare();
        if (reserve) this.#ensureKubernetesService();
      },
    };
  }

  /** `using ipam = new ServiceIPAM(…)`: dispose() at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees the allocators' kernel memory; the ServiceIPAM must not be used afterwards. */
  dispose(): void {
    this.#ips.dispose();
    this.#nodePorts.dispose();
  }
}

// PrepareForCreate/PrepareForUpdate: the status is the server's, never the client's.
function setStatus(service: Service, status: Service['status']): void {
  (service as { status?: Service['status'] }).status = status;
}

// BeforeCreate's FillObjectMetaSystemFields, and the type the codec writes: what the API server
// stores for a new Service (SYSTEM_FIELDS only).
function stampCreated(service: Service, uid: string, now: string): void {
  service.apiVersion = 'v1';
  service.kind = 'Service';
  const metadata = service.metadata as { uid?: string; creationTimestamp?: string; resourceVersion?: string };
  metadata.uid = uid;
  metadata.creationTimestamp = now;
  delete metadata.resourceVersion;
}

// BeforeUpdate: uid and creationTimestamp are the stored object's, whatever the request says.
function stampUpdated(service: Service, old: Service): void {
  service.apiVersion = 'v1';
  service.kind = 'Service';
  const metadata = service.metadata as { uid?: string; creationTimestamp?: string; resourceVersion?: string };
  if (old.metadata?.uid !== undefined) metadata.uid = old.metadata.uid;
  if (old.metadata?.creationTimestamp !== undefined) metadata.creationTimestamp = old.metadata.creationTimestamp;
  delete metadata.resourceVersion;
}

function ownerOf(service: Service): ServiceRef {
  return { namespace: service.metadata?.namespace || 'default', name: service.metadata?.name ?? '' };
}

export { NONE };

const NO_PORTS: readonly number[] = Object.freeze([]);

// A caller's Service read into the pipeline's own copy (or, adopted, checked in place); what the
// API server's decoder would refuse is an ObjectShapeError naming the field.
function readService(input: Service, adopt: boolean): Service {
  return readObject<Service>(input, SERVICE_SHAPE, { inPlace: adopt, kind: 'Service' });
}

function readServiceList(services: readonly Service[]): Service[] {
  if (!Array.isArray(services)) throw new ObjectShapeError('', 'a list of Services', typeof services, { kind: 'repair()' });
  return services.map((service, i) => {
    try {
      return readService(service, false);
    } catch (error) {
      if (error instanceof ObjectShapeError) throw new ObjectShapeError(`[${i}]${error.path ? `.${error.path}` : ''}`, error.expected, error.found, { kind: 'repair() services', cause: error.cause });
      throw error;
    }
  });
}

// The namespace ("default" when unset) and name a caller's object names, read without trusting it.
function inputName(input: Service): { namespace: string; name: string } {
  let namespace: unknown;
  let name: unknown;
  try {
    const metadata = (input as { metadata?: { namespace?: unknown; name?: unknown } } | null | undefined)?.metadata;
    namespace = metadata?.namespace;
    name = metadata?.name;
  } catch (error) {
    throw new ObjectShapeError('metadata', 'readable data', 'a value whose read threw', { cause: error, kind: 'Service' });
  }
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') throw new ObjectShapeError('metadata.namespace', 'a string', `a ${typeof namespace}`, { kind: 'Service' });
  if (name !== undefined && name !== null && typeof name !== 'string') throw new ObjectShapeError('metadata.name', 'a string', `a ${typeof name}`, { kind: 'Service' });
  return { namespace: (namespace as string | null | undefined) || 'default', name: (name as string | null | undefined) ?? '' };
}
