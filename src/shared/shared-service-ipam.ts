// SharedServiceIPAM: the ServiceIPAM of several processes, kept in etcd the way kube-apiserver
// keeps it — one key per Service, ServiceCIDR and IPAddress, the RangeAllocation bitmaps where the
// version has them (etcd-layout.ts).
//
// Each process holds a view (store-view.ts) loaded from etcd and kept current by a watch, as the
// API server's informers are. A request runs the Service pipeline on the view; what it changed
// becomes one etcd transaction that compares every written key's revision with the one the view
// read and carries a marker of its own (fenced-commit.ts). Concurrent requests of one process are
// grouped into one transaction (up to `maxBatch`, within etcd's limits); each still succeeds or
// fails on its own. A transaction that loses a race puts the view back to etcd's values and runs
// its requests again, with fresh picks. A refusal (exists, not found, taken, full) is given only
// after the view has caught up with etcd. A call that resolves has landed; one that rejects with
// anything but ERR_STORE_UNAVAILABLE changed nothing.
import { randomUUID } from 'node:crypto';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Watcher } from 'etcd3';
import type { IPAddress, ServiceCIDR } from '../services/network-objects.js';
import type { RepairOptions, RepairReport, RequestOptions, ServiceIPAM } from '../services/service-ipam.js';
import type { ServiceIPAMOptions } from '../services/service-ipam.js';
import type { IPAMState } from '../services/ipam-state.js';
import { ObjectShapeError, requireString } from '../services/object-shapes.js';
import { ServiceConflictError } from '../services/field-errors.js';
import { keyOf } from '../services/service-fields.js';
import { STORED_WRITE } from '../internal.js';
import { DEFAULT_PREFIX, EtcdLayout, decodeRangeAllocation, parseStored } from './etcd-layout.js';
import { EtcdKV, storeErrorOf, type StoredKV } from './etcd-kv.js';
import { commitFenced, fenceOptions } from './fenced-commit.js';
import { StoreView, type StoreProblem } from './store-view.js';
import { findOneValueState, oneValueKeys, type OneValueState } from './one-value-state.js';
import { ServiceIPAM as LocalServiceIPAM } from '../services/service-ipam.js';
import { StoreError } from './store-errors.js';

/** ServiceIPAM's options (the API server's flags and version) plus where and how to reach etcd. */
export interface SharedServiceIPAMOptions extends ServiceIPAMOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379'] (every member of a cluster, or some). */
  endpoints: string[];
  /** The key prefix, kube-apiserver's --etcd-prefix (default "/registry"). */
  prefix?: string;
  /** Milliseconds each etcd call may take (default 5000). */
  timeoutMs?: number;
  /** Lost races per transaction before ERR_STORE_CONFLICT (default 100). */
  maxRetries?: number;
  /** Requests of this process grouped into one transaction at most (default 60 single-stack, 40 dual-stack: within etcd's 128 operations). */
  maxBatch?: number;
  /** Transactions of this process in flight at once, when their keys are disjoint (default 4). */
  maxInFlight?: number;
  /** How long the outcome of an unanswered write is sought before ERR_STORE_UNAVAILABLE (ms; default 6 × timeoutMs, at least 30 s). */
  settleMs?: number;
  /** Read the store without writing anything (no start-up objects; writes are refused): for checks. */
  readOnly?: boolean;
}

/** What SharedServiceIPAM.migrateOneValueState() moved. */
export interface MigrationReport {
  /** The key the one-value state was read from. */
  from: string;
  /** Services stored in the layout, each with the IPs and ports it held. */
  services: number;
  /** ServiceCIDRs stored. */
  serviceCIDRs: number;
  /** IPAddresses stored that are held by something other than the moved Services. */
  ipAddresses: number;
  /** Objects that could not be stored (the old key is then kept). */
  errors: Array<{ object: string; message: string }>;
  /** Whether the old key was deleted (not when something failed, or it changed meanwhile). */
  deleted: boolean;
}

/** What SharedServiceIPAM.inspect() finds under a prefix. */
export interface StoreConfig {
  /** The service CIDRs the prefix was set up with (the "kubernetes" ServiceCIDR's, else the IP RangeAllocations'); undefined when none. */
  serviceClusterIPRange: string | undefined;
  /** The node port range of its RangeAllocation; undefined when none. */
  serviceNodePortRange: string | undefined;
  /** 'ipaddress': ServiceCIDR or IPAddress objects (1.33+); 'bitmap': RangeAllocations only; 'empty': neither. */
  model: 'ipaddress' | 'bitmap' | 'empty';
}

/** What this process's store has done, for tuning and benchmarks. */
export interface SharedStoreStats {
  /** Requests that landed, and the transactions that carried them. */
  requests: number;
  /** Transactions that landed. */
  transactions: number;
  /** Transactions that lost a race (a compared key had moved) and ran again. */
  conflicts: number;
  /** Unanswered writes settled by a fence: found landed, or fenced off. */
  settledLanded: number;
  /** Unanswered writes fenced off (they never land). */
  settledAborted: number;
  /** Catch-ups with etcd before a refusal, and full reloads of the view. */
  catchUps: number;
  /** Full reloads of the view (after a watch was lost or compacted). */
  reloads: number;
  /** Bytes of keys and values in transactions that landed. */
  bytesWritten: number;
  /** The revision the view has seen. */
  revision: number;
}

interface Pending {
  run: (ipam: ServiceIPAM, request: RequestOptions) => unknown;
  /** A result that, like an error, depends on what the view holds (a delete that found nothing). */
  refusal?: (value: unknown) => boolean;
  /** The stored object's key whose revision becomes the result's resourceVersion. */
  resultKey?: (value: unknown) => string | undefined;
  request: RequestOptions;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// etcd's defaults: --max-txn-ops 128 (our marker takes one) and --max-request-bytes 1.5 MiB.
const MAX_WRITES = 126;
const MAX_BYTES = 1_400_000;

/** Kubernetes' own errors that depend on the stored state: given only after catching up. */
function isStateRefusal(error: unknown): boolean {
  return error instanceof Error && !(error instanceof ObjectShapeError) && !(error instanceof StoreError) && !(error instanceof TypeError)
    && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * ServiceIPAM with its state in etcd, stored as kube-apiserver stores it: any number of processes
 * (and this package's CLI) share one cluster's Services, ServiceCIDRs, IPAddresses and bitmaps, and
 * never hand out an IP or port twice. Every ServiceIPAM call is here, asynchronous. Open with
 * SharedServiceIPAM.open(); close() when done.
 */
export class SharedServiceIPAM {
  /** The etcd keys this store reads and writes, under its prefix. */
  readonly layout: EtcdLayout;
  readonly #kv: EtcdKV;
  readonly #options: SharedServiceIPAMOptions;
  readonly #clientId = randomUUID();
  #view!: StoreView;
  #watchers: Watcher[] = [];
  #stale = false;
  #closed = false;
  #sequence = 0;
  readonly #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  /** Batches catching up before a refusal: no new batch starts meanwhile. */
  #catchingUp = 0;
  readonly #stats: Omit<SharedStoreStats, 'revision' | 'transactions' | 'bytesWritten'> = {
    requests: 0, conflicts: 0, settledLanded: 0, settledAborted: 0, catchUps: 0, reloads: 0,
  };

  private constructor(options: SharedServiceIPAMOptions, kv: EtcdKV, layout: EtcdLayout) {
    this.#options = options;
    this.#kv = kv;
    this.layout = layout;
  }

  /** Connects, loads the prefix's objects and watches them; creates what kube-apiserver creates at start-up when absent. */
  static async open(options: SharedServiceIPAMOptions): Promise<SharedServiceIPAM> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const layout = new EtcdLayout(options.prefix ?? DEFAULT_PREFIX);
    const kv = await EtcdKV.open({ endpoints: options.endpoints, timeoutMs: options.timeoutMs });
    const shared = new SharedServiceIPAM(options, kv, layout);
    try {
      await shared.#refuseOldFormat();
      await shared.#reload();
      if (options.readOnly !== true) await shared.#bootstrap();
    } catch (error) {
      await shared.close();
      throw storeErrorOf(error);
    }
    return shared;
  }

  /**
   * Moves the one-value state of earlier releases (<prefix>/clusterip/state, or `from`) into the
   * Kubernetes layout under the same prefix: ServiceCIDRs, IPAddresses held by anything but its
   * Services, then every Service with the cluster IPs and node ports it holds (static requests,
   * so nothing moves). The old key is deleted only when all of them landed, and only if it did
   * not change meanwhile. Refused when the prefix already holds Services of the new layout.
   */
  static async migrateOneValueState(options: { endpoints: string[]; prefix?: string; from?: string; timeoutMs?: number }): Promise<MigrationReport> {
    const layout = new EtcdLayout(options.prefix ?? DEFAULT_PREFIX);
    const kv = await EtcdKV.open({ endpoints: options.endpoints, timeoutMs: options.timeoutMs });
    let found;
    try {
      found = await findOneValueState(kv, oneValueKeys(layout, options.from));
    } catch (error) {
      await kv.close();
      throw storeErrorOf(error);
    }
    if (!found) {
      await kv.close();
      throw new StoreError('ERR_STORE_CONFIG', `no one-value clusterip state at ${oneValueKeys(layout, options.from).join(' or ')}`);
    }
    // Read as ServiceIPAM.restore() reads a state file: what it refuses is not moved.
    const state = readOneValueState(found);
    const shared = new SharedServiceIPAM({
      endpoints: options.endpoints, prefix: layout.prefix || '/', timeoutMs: options.timeoutMs,
      serviceClusterIPRange: state.serviceClusterIPRange, serviceNodePortRange: state.serviceNodePortRange, kubernetesVersion: state.kubernetesVersion,
    }, kv, layout);
    try {
      await shared.#reload();
      const existing = [...shared.#view.access.services()].filter((s) => !(s.namespace === 'default' && s.name === 'kubernetes'));
      if (existing.length > 0) {
        throw new StoreError('ERR_STORE_CONFIG', `${layout.prefix || '/'} already holds ${existing.length} Service${existing.length === 1 ? '' : 's'} in the Kubernetes layout; migrate into an empty prefix`);
      }
      await shared.#bootstrap();
      const errors: Array<{ object: string; error: unknown }> = [];
      const attempt = async (object: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (error) {
          errors.push({ object, error });
        }
      };
      for (const cidr of state.serviceCIDRs) {
        if (cidr.metadata.name !== 'kubernetes') await attempt(`servicecidr ${cidr.metadata.name}`, () => shared.applyServiceCIDR(cidr));
      }
      const serviceIPs = new Set(state.services.flatMap((s) => (s.spec?.clusterIPs ?? []).map((ip) => `${s.metadata?.namespace || 'default'}/${s.metadata?.name}=${ip}`)));
      const foreign = state.ipAddresses.filter((a) => {
        const ref = a.spec.parentRef;
        return !(ref.resource === 'services' && !ref.group && serviceIPs.has(`${ref.namespace || 'default'}/${ref.name}=${a.metadata.name}`));
      });
      await Promise.all(foreign.map((a) => attempt(`ipaddress ${a.metadata.name}`, () => shared.applyIPAddress(a))));
      const services = state.services.filter((s) => !(s.metadata?.namespace === 'default' && s.metadata?.name === 'kubernetes'));
      await Promise.all(services.map((s) => attempt(`service ${s.metadata?.namespace || 'default'}/${s.metadata?.name}`, () => shared.apply(stripStored(s)))));
      let deleted = false;
      if (errors.length === 0) {
        const outcome = await shared.#call(() => kv.txn([{ key: found.key, modRevision: found.kv.modRevision }], [{ key: found.key, delete: true }], []));
        deleted = outcome.succeeded;
      }
      return {
        from: found.key, services: services.length - errors.filter((e) => e.object.startsWith('service ')).length,
        serviceCIDRs: state.serviceCIDRs.filter((c) => c.metadata.name !== 'kubernetes').length, ipAddresses: foreign.length,
        errors: errors.map(({ object, error }) => ({ object, message: (error as Error).message })), deleted,
      };
    } finally {
      await shared.close();
    }
  }

  /**
   * What a prefix was written with, read without opening a view: the service CIDRs (the default
   * ServiceCIDR's, else the IP RangeAllocations'), the node port range (its RangeAllocation's),
   * and whether it holds ServiceCIDR or IPAddress objects (1.33+) or only bitmaps (1.29–1.32).
   */
  static async inspect(options: { endpoints: string[]; prefix?: string; timeoutMs?: number }): Promise<StoreConfig> {
    const layout = new EtcdLayout(options.prefix ?? DEFAULT_PREFIX);
    const kv = await EtcdKV.open({ endpoints: options.endpoints, timeoutMs: options.timeoutMs });
    try {
      const keys = [layout.serviceCIDR('kubernetes'), ...layout.ipRanges, layout.nodePorts];
      const { kvs } = await kv.getMany(keys);
      const value = (key: string) => kvs.get(key) ?? null;
      const range = (key: string) => {
        const stored = value(key);
        return stored ? decodeRangeAllocation(key, stored.value).range : undefined;
      };
      const defaultCIDR = value(keys[0]);
      const cidrs = defaultCIDR ? (parseStored(keys[0], defaultCIDR.value) as { spec?: { cidrs?: unknown } }).spec?.cidrs : undefined;
      const flag = Array.isArray(cidrs) && cidrs.every((c) => typeof c === 'string') ? cidrs.join(',')
        : [range(layout.ipRanges[0]), range(layout.ipRanges[1])].filter((r) => r !== undefined).join(',') || undefined;
      let objects = defaultCIDR !== null;
      for (const prefix of [layout.serviceCIDRs, layout.ipAddresses]) {
        if (objects) break;
        for await (const page of kv.pages(prefix)) {
          objects = page.kvs.length > 0;
          break;
        }
      }
      const bitmaps = value(layout.ipRanges[0]) !== null;
      return { serviceClusterIPRange: flag, serviceNodePortRange: range(layout.nodePorts), model: objects ? 'ipaddress' : bitmaps ? 'bitmap' : 'empty' };
    } catch (error) {
      throw storeErrorOf(error);
    } finally {
      await kv.close();
    }
  }

  /** The Kubernetes version this API server is, e.g. '1.36'. */
  get kubernetesVersion(): string {
    return this.#view.ipam.kubernetesVersion;
  }

  /** Configured families, primary first. */
  get families(): readonly string[] {
    return this.#view.ipam.families;
  }

  /** Stored values this process could not read (skipped; `clusterip check --store` reports them). */
  get problems(): readonly StoreProblem[] {
    return this.#view.problems;
  }

  /** What this process's store has done so far. */
  get stats(): SharedStoreStats {
    const counters = this.#kv.counters;
    return { ...this.#stats, transactions: counters.transactions, bytesWritten: counters.bytesWritten, revision: this.#view.revision };
  }

  // ---- Services ----

  /** As ServiceIPAM.create, stored in etcd with all its allocations in one transaction. */
  create(service: Service, request: RequestOptions = {}): Promise<Service> {
    return this.#submit((ipam, r) => ipam.create(service, r), request, serviceKeyOf(this.layout)) as Promise<Service>;
  }

  /** update(old, new): as ServiceIPAM.update; a metadata.resourceVersion in `service` must be the stored one (409 otherwise). */
  update(oldService: Service, service: Service, request: RequestOptions = {}): Promise<Service> {
    return this.#submit((ipam, r) => {
      this.#checkResourceVersion(service);
      return ipam.update(oldService, service, r);
    }, request, serviceKeyOf(this.layout)) as Promise<Service>;
  }

  /** Creates the Service, or updates the stored one of its name (kubectl apply's outcome). */
  apply(service: Service, request: RequestOptions = {}): Promise<Service> {
    return this.#submit((ipam, r) => {
      this.#checkResourceVersion(service);
      return ipam[STORED_WRITE]('apply', service, r);
    }, request, serviceKeyOf(this.layout)) as Promise<Service>;
  }

  /** As ServiceIPAM.delete: the Service and its allocations leave etcd in one transaction. */
  delete(service: Service, request: RequestOptions = {}): Promise<void> {
    return this.#submit((ipam, r) => ipam.delete(service, r), request) as Promise<void>;
  }

  /** The Service as etcd holds it now (one read), with its resourceVersion; undefined when absent. */
  async get(namespace: string, name: string): Promise<Service | undefined> {
    this.#live();
    const key = this.layout.service(namespace === undefined || namespace === null ? 'default' : requireString(namespace, 'namespace', 'get()') || 'default', requireString(name, 'name', 'get()'));
    const { kv } = await this.#call(() => this.#kv.get(key));
    if (!kv) return undefined;
    const service = parseStored(key, kv.value) as Service;
    withResourceVersion(service, kv.modRevision);
    return service;
  }

  /** Every Service, as of a revision at least as new as this call. */
  async list(): Promise<Service[]> {
    await this.sync();
    const access = this.#view.access;
    const out: Service[] = [];
    for (const stored of access.services()) {
      const service = stored.read();
      withResourceVersion(service, this.#view.keyRevision(this.layout.service(stored.namespace, stored.name)));
      out.push(service);
    }
    return out;
  }

  // ---- ServiceCIDRs and IPAddresses (1.33+) ----

  /** As ServiceIPAM.applyServiceCIDR, stored in etcd. */
  applyServiceCIDR(object: ServiceCIDR): Promise<ServiceCIDR> {
    return this.#submit((ipam) => ipam.applyServiceCIDR(object), {}) as Promise<ServiceCIDR>;
  }

  /** As ServiceIPAM.deleteServiceCIDR, stored in etcd. */
  deleteServiceCIDR(name: string): Promise<ServiceCIDR | undefined> {
    return this.#submit((ipam) => ipam.deleteServiceCIDR(name), {}) as Promise<ServiceCIDR | undefined>;
  }

  /** Every ServiceCIDR, as of a revision at least as new as this call. */
  async serviceCIDRs(): Promise<ServiceCIDR[]> {
    await this.sync();
    return this.#view.ipam.serviceCIDRs();
  }

  /** As ServiceIPAM.applyIPAddress, stored in etcd. */
  applyIPAddress(object: IPAddress): Promise<IPAddress> {
    return this.#submit((ipam) => ipam.applyIPAddress(object), {}) as Promise<IPAddress>;
  }

  /** false when etcd holds no IPAddress of that name (decided on a caught-up view). */
  deleteIPAddress(name: string, request: RequestOptions = {}): Promise<boolean> {
    return this.#submit((ipam, r) => ipam.deleteIPAddress(name, r), request, undefined, (deleted) => deleted === false) as Promise<boolean>;
  }

  /** Every IPAddress, as of a revision at least as new as this call. */
  async ipAddresses(): Promise<IPAddress[]> {
    await this.sync();
    return this.#view.ipam.ipAddresses();
  }

  // ---- repair, metrics, state ----

  /** The repair controllers over the stored state; with `apply`, their fixes are written to etcd. */
  async repair(options: RepairOptions = {}): Promise<RepairReport> {
    await this.sync();
    if (options.apply !== true) return this.#view.ipam.repair(undefined, options);
    return this.#submit((ipam) => ipam.repair(undefined, options), {}) as Promise<RepairReport>;
  }

  /** As ServiceIPAM.metrics, over the stored state as of a revision at least as new as this call. */
  async metrics(): Promise<string> {
    await this.sync();
    return this.#view.ipam.metrics();
  }

  /** The whole state as ServiceIPAM.snapshot() gives it, as of a revision at least as new as this call. */
  async snapshot(): Promise<IPAMState> {
    await this.sync();
    return this.#view.ipam.snapshot();
  }

  /** Catches up with etcd: resolves once the view holds every change etcd had when it was called. */
  async sync(): Promise<void> {
    this.#live();
    if (this.#stale) await this.#reload();
    await this.#catchUp();
  }

  // ---- the request queue ----

  #submit(run: Pending['run'], request: RequestOptions, resultKey?: Pending['resultKey'], refusal?: Pending['refusal']): Promise<unknown> {
    try {
      this.#live();
      if (this.#options.readOnly === true) throw new StoreError('ERR_STORE_CONFIG', 'this SharedServiceIPAM was opened read-only');
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ run, request, resultKey, refusal, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  // Runs the queue in batches until it is empty, up to `maxInFlight` batches at once: a batch is
  // computed while earlier ones are in flight and sent unless it shares a key with one of them
  // (then it waits for those and is computed again). `#draining` is cleared in the same
  // synchronous step that finds nothing left, so a request queued later always starts a new drain.
  async #drain(): Promise<void> {
    const running = new Set<Promise<void>>();
    try {
      // Let the caller's other synchronous calls join the first batch.
      await Promise.resolve();
      while (this.#queue.length > 0 || running.size > 0) {
        const wait = this.#queue.length === 0 || running.size >= (this.#options.maxInFlight ?? 4) || this.#catchingUp > 0;
        if (wait || (this.#stale && running.size > 0)) {
          await Promise.race(running);
          continue;
        }
        if (this.#stale) await this.#reload();
        const batch = this.#queue.splice(0, this.#batchSize());
        const run: Promise<void> = this.#runBatch(batch).catch((error: unknown) => {
          for (const pending of batch) pending.reject(storeErrorOf(error));
        }).finally(() => running.delete(run));
        running.add(run);
      }
    } catch (error) {
      for (const pending of this.#queue.splice(0)) pending.reject(storeErrorOf(error));
    } finally {
      this.#draining = undefined;
    }
  }

  // As many requests as fit etcd's 128 operations when each writes its Service and one
  // IPAddress per family (larger ones are split when they come out bigger).
  #batchSize(): number {
    return this.#options.maxBatch ?? Math.floor(120 / (1 + this.#view.ipam.families.length));
  }

  async #runBatch(pendings: Pending[]): Promise<void> {
    const maxRetries = this.#options.maxRetries ?? 100;
    let caughtUp = false;
    for (let conflicts = 0; ;) {
      const view = this.#view;
      const batch = view.begin();
      const results = pendings.map((pending) => {
        const request: RequestOptions = { warnings: [], hazards: [] };
        try {
          return { ok: true as const, value: pending.run(view.ipam, request), request };
        } catch (error) {
          return { ok: false as const, error, request };
        }
      });
      view.end(batch);
      const set = view.writeSet(batch);
      const blockers = view.blockers(batch);
      if (blockers.length > 0) {
        // It read what a batch in flight may still undo: wait for those, then run again.
        view.discarded(batch);
        await Promise.all(blockers.map((b) => b.settled));
        continue;
      }
      if (!caughtUp && results.some((r, i) => (r.ok ? pendings[i].refusal?.(r.value) === true : isStateRefusal(r.error)))) {
        // A refusal stands only on a current view. Once the other batches are settled, catch
        // up, holding what arrives meanwhile: if nothing but this client's sync key arrived,
        // the results stand as they are (a seeded run stays repeatable); otherwise the batch
        // runs again on the newer view.
        caughtUp = true;
        this.#catchingUp++;
        try {
          if (view.busy()) {
            view.discarded(batch);
            await view.idle();
            continue;
          }
          view.holdEvents(batch);
          try {
            await this.#catchUp();
          } catch (error) {
            view.discarded(batch);
            throw error;
          }
          if (this.#view !== view || view.holdsChanges()) {
            if (this.#view === view) view.discarded(batch);
            continue;
          }
        } finally {
          this.#catchingUp--;
        }
      }
      if (set.writes.length === 0) {
        view.committed(batch, set, view.revision);
        this.#settle(pendings, results, view.revision);
        return;
      }
      if (pendings.length > 1 && (set.writes.length > MAX_WRITES || set.bytes > MAX_BYTES)) {
        view.discarded(batch);
        this.#queue.unshift(...pendings.splice(pendings.length >> 1));
        continue;
      }
      view.send(batch);
      let outcome;
      try {
        const marker = this.layout.marker(`${this.#clientId}-${++this.#sequence}`);
        outcome = await commitFenced(this.#kv, marker, set.compares, set.writes, fenceOptions(this.#kv, this.#options.settleMs));
      } catch (error) {
        // Unknown outcome: the view may differ from etcd until it is loaded again.
        view.discarded(batch);
        this.#stale = true;
        throw error;
      }
      if (outcome.settled) {
        if (outcome.landed) this.#stats.settledLanded++;
        else this.#stats.settledAborted++;
      }
      if (outcome.landed) {
        view.committed(batch, set, outcome.revision);
        this.#settle(pendings, results, outcome.revision);
        return;
      }
      view.discarded(batch, outcome.reads, outcome.revision);
      if (outcome.refused) {
        if (pendings.length > 1) {
          this.#queue.unshift(...pendings.splice(pendings.length >> 1));
          continue;
        }
        throw new StoreError('ERR_STORE_TOO_LARGE', `etcd refused the request's ${set.writes.length} writes of ${set.bytes} bytes as ${outcome.refused === 'too-large' ? 'too large' : 'too many operations'}`);
      }
      if (outcome.reads === undefined) {
        // Fenced off: nothing landed, and the view has only what it had.
        continue;
      }
      this.#stats.conflicts++;
      if (++conflicts > maxRetries) throw new StoreError('ERR_STORE_CONFLICT', `gave up after ${maxRetries} transactions lost races with other writers`);
    }
  }

  #settle(batch: Pending[], results: Array<{ ok: true; value: unknown; request: RequestOptions } | { ok: false; error: unknown; request: RequestOptions }>, revision: number): void {
    batch.forEach((pending, i) => {
      const result = results[i];
      if (!result.ok) {
        pending.reject(result.error);
        return;
      }
      if (result.request.warnings!.length > 0) pending.request.warnings?.push(...result.request.warnings!);
      if (result.request.hazards!.length > 0) pending.request.hazards?.push(...result.request.hazards!);
      const key = pending.resultKey?.(result.value);
      if (key !== undefined) {
        const metadata = (result.value as { metadata?: Record<string, unknown> }).metadata;
        if (metadata) metadata.resourceVersion = String(this.#view.keyRevision(key) || revision);
      }
      this.#stats.requests++;
      pending.resolve(result.value);
    });
  }

  #checkResourceVersion(service: Service): void {
    const version = (service as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (version === undefined || version === null || version === '') return;
    const namespace = service.metadata?.namespace || 'default';
    const name = service.metadata?.name ?? '';
    if (String(version) !== String(this.#view.keyRevision(this.layout.service(namespace, name)))) throw new ServiceConflictError(keyOf(namespace, name));
  }

  // ---- loading, watching, catching up ----

  async #refuseOldFormat(): Promise<void> {
    const found = await this.#call(() => findOneValueState(this.#kv, oneValueKeys(this.layout)));
    if (found) {
      throw new StoreError('ERR_STORE_OLD_FORMAT', `etcd holds a clusterip state in the one-value format of earlier releases at ${found.key}; `
        + `move it into this layout with \`clusterip migrate --store etcd://…${this.layout.prefix}\` before using this prefix`, { key: found.key });
    }
  }

  // Loads the prefix into a fresh view at one revision, then watches from the next.
  async #reload(): Promise<void> {
    await this.#stopWatching();
    const view = new StoreView(this.#options, this.layout, randomUUID);
    try {
      let revision: number | undefined;
      for (const prefix of this.layout.watched) {
        for await (const page of this.#kv.pages(prefix, revision)) {
          revision = page.revision;
          for (const kv of page.kvs) view.apply(kv.key, kv, page.revision);
        }
      }
      view.seen(revision!);
      const rangeProblem = view.problems.find((p) => this.layout.parse(p.key)?.kind === 'range');
      if (rangeProblem) throw new StoreError('ERR_STORE_CORRUPT', rangeProblem.message, { key: rangeProblem.key });
      const old = this.#view;
      this.#view = view;
      this.#stale = false;
      old?.dispose();
      if (old) this.#stats.reloads++;
      await this.#watch(revision! + 1);
    } catch (error) {
      if (this.#view === view) this.#stale = true;
      else view.dispose();
      throw storeErrorOf(error);
    }
  }

  async #watch(fromRevision: number): Promise<void> {
    for (const prefix of this.layout.watched) {
      const watcher = await this.#kv.watch(prefix, fromRevision);
      const view = this.#view;
      watcher.on('put', (kv) => {
        if (this.#view === view) view.apply(kv.key.toString('utf8'), { key: kv.key.toString('utf8'), value: kv.value, modRevision: Number(kv.mod_revision) }, Number(kv.mod_revision));
      });
      watcher.on('delete', (kv) => {
        if (this.#view === view) view.apply(kv.key.toString('utf8'), null, Number(kv.mod_revision));
      });
      // A watch that cannot resume (its revision compacted away) leaves the view behind: reload.
      watcher.on('error', () => {
        if (this.#view === view) this.#stale = true;
      });
      this.#watchers.push(watcher);
    }
  }

  async #stopWatching(): Promise<void> {
    const watchers = this.#watchers;
    this.#watchers = [];
    await Promise.all(watchers.map((w) => w.cancel().catch(() => undefined)));
  }

  // Writes this client's sync key and waits until the watch brings it back: the view then holds
  // everything etcd held before. A watch that does not bring it in time is replaced by a reload.
  async #catchUp(): Promise<void> {
    this.#stats.catchUps++;
    const key = this.layout.sync(this.#clientId);
    const outcome = await this.#call(() => this.#kv.txn([], [{ key, value: String(++this.#sequence), lease: true }], []));
    const view = this.#view;
    let timer: NodeJS.Timeout | undefined;
    const reached = await Promise.race([
      view.reached(outcome.revision).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#kv.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!reached || this.#stale) await this.#reload();
  }

  // What kube-apiserver creates when it starts: the default ServiceCIDR (1.33+), the
  // RangeAllocations, and the default/kubernetes Service. Written only where absent.
  async #bootstrap(): Promise<void> {
    const reserve = this.#options.reserveKubernetesService !== false;
    await this.#submit(() => this.#view.access.bootstrap(reserve), {});
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw storeErrorOf(error);
    }
  }

  #live(): void {
    if (this.#closed) throw new StoreError('ERR_STORE_CONFIG', 'this SharedServiceIPAM is closed');
  }

  /** Stops watching, revokes this client's lease (its markers go with it) and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining?.catch(() => undefined);
    await this.#stopWatching();
    this.#view?.dispose();
    await this.#kv.close();
  }

  /** `await using shared = await SharedServiceIPAM.open(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function serviceKeyOf(layout: EtcdLayout): (value: unknown) => string | undefined {
  return (value) => {
    const metadata = (value as Service | undefined)?.metadata;
    return metadata?.name === undefined ? undefined : layout.service(metadata.namespace || 'default', metadata.name);
  };
}

// The resource version the API server returns: the key's mod revision (never stored).
function withResourceVersion(service: Service, revision: number): void {
  ((service as { metadata?: Record<string, unknown> }).metadata ??= {}).resourceVersion = String(revision);
}


export type { StoredKV };

// The one-value state read as a ServiceIPAM of its own configuration reads it (restore's checks).
function readOneValueState(found: OneValueState): IPAMState {
  const state = found.state as { serviceClusterIPRange?: unknown; serviceNodePortRange?: unknown; kubernetesVersion?: unknown; legacy?: unknown };
  const kubernetesVersion = typeof state.kubernetesVersion === 'string' ? state.kubernetesVersion : state.legacy === true ? '1.32' : undefined;
  let ipam: LocalServiceIPAM | undefined;
  try {
    ipam = new LocalServiceIPAM({
      serviceClusterIPRange: state.serviceClusterIPRange as string, serviceNodePortRange: state.serviceNodePortRange as string | undefined,
      kubernetesVersion, reserveKubernetesService: false,
    });
    ipam.restore(found.state);
    return ipam.snapshot();
  } catch (error) {
    throw new StoreError('ERR_STORE_CORRUPT', `${found.key} does not hold a state clusterip can read: ${(error as Error).message}`, { key: found.key, cause: error });
  } finally {
    ipam?.dispose();
  }
}

// A stored Service as a request: the server's fields go, what it holds (IPs, ports) stays.
function stripStored(service: Service): Service {
  const { resourceVersion, uid, creationTimestamp, ...metadata } = (service.metadata ?? {}) as Record<string, unknown>;
  void resourceVersion; void uid; void creationTimestamp;
  return { ...service, metadata } as Service;
}
