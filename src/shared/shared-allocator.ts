// SharedClusterIPAllocator: one service range shared by several processes through one etcd key,
// as kube-apiservers up to 1.32 share theirs — a RangeAllocation {range, data} at
// /registry/ranges/serviceips. Every change is a read-modify-write: the cached range is changed
// and written back in a transaction that compares the key's mod revision with the one the cache
// holds and carries a marker of its own (fenced-commit.ts); on a lost race the cache is reloaded
// and the change made again with a fresh pick. A call that resolves has landed; one that rejects
// changed nothing, except ERR_STORE_UNAVAILABLE (etcd never said whether the write landed).
import { randomUUID } from 'node:crypto';
import { AllocatorError, mismatchedNetworkError } from '../errors.js';
import { ClusterIPAllocator, type AllocatorOptions } from '../allocator.js';
import { parseCIDR } from '../cidr.js';
import type { RangeSnapshot } from '../snapshot-input.js';
import { DEFAULT_PREFIX, EtcdLayout, decodeRangeAllocation, encodeRangeAllocation } from './etcd-layout.js';
import { EtcdKV, storeErrorOf, type StoredKV } from './etcd-kv.js';
import { commitFenced, fenceOptions } from './fenced-commit.js';
import { StoreError } from './store-errors.js';

/** kube-apiserver's key for the primary service CIDR's RangeAllocation. */
export const DEFAULT_RANGE_KEY = '/registry/ranges/serviceips';

/** ClusterIPAllocator's options plus the range, its etcd key and how to reach etcd. */
export interface SharedAllocatorOptions extends AllocatorOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** The range's CIDR; an existing key holding another range -> ERR_MISMATCHED_NETWORK. */
  cidr: string;
  /** Default /registry/ranges/serviceips. */
  key?: string;
  /** Where this client's request markers go: <prefix>/clusterip/requests/ (default /registry). */
  prefix?: string;
  /** Lost races per call before ERR_STORE_CONFLICT (default 50). */
  maxRetries?: number;
  /** Per etcd call, milliseconds (default 5000). */
  timeoutMs?: number;
}

/**
 * One range's ClusterIPAllocator with its bitmap in etcd, as a kube-apiserver RangeAllocation:
 * processes sharing the key never hand out an IP twice. Open with SharedClusterIPAllocator.open();
 * close() when done.
 */
export class SharedClusterIPAllocator {
  /** The range in canonical form. */
  readonly cidr: string;
  /** The etcd key of its RangeAllocation. */
  readonly key: string;
  readonly #kv: EtcdKV;
  readonly #layout: EtcdLayout;
  readonly #cache: ClusterIPAllocator;
  readonly #maxRetries: number;
  readonly #clientId = randomUUID();
  #sequence = 0;
  #revision: number;
  #reloads = 0;
  #conflicts = 0;
  // One change at a time: each is made on the cache and written before the next starts.
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(kv: EtcdKV, layout: EtcdLayout, key: string, cache: ClusterIPAllocator, revision: number, maxRetries: number) {
    this.#kv = kv;
    this.#layout = layout;
    this.#cache = cache;
    this.#revision = revision;
    this.#maxRetries = maxRetries;
    this.cidr = cache.cidr;
    this.key = key;
  }

  /** Connects, creating the key with an empty range if it does not exist yet. */
  static async open(options: SharedAllocatorOptions): Promise<SharedClusterIPAllocator> {
    const { endpoints, key = DEFAULT_RANGE_KEY, prefix = DEFAULT_PREFIX, maxRetries = 50, timeoutMs, cidr, ...allocatorOptions } = options;
    const canonical = parseCIDR(cidr).cidr;
    const layout = new EtcdLayout(prefix);
    const cache = new ClusterIPAllocator(canonical, allocatorOptions);
    let kv: EtcdKV;
    try {
      kv = await EtcdKV.open({ endpoints, timeoutMs });
    } catch (error) {
      cache.dispose();
      throw error;
    }
    try {
      let current = (await call(() => kv.get(key))).kv;
      if (!current) {
        const outcome = await commitFenced(kv, layout.marker(randomUUID()), [{ key, modRevision: 0 }], [{ key, value: encodeRangeAllocation(cache.snapshot()) }], fenceOptions(kv));
        current = outcome.landed ? { key, value: Buffer.from(encodeRangeAllocation(cache.snapshot())), modRevision: outcome.revision } : (await call(() => kv.get(key))).kv;
        if (!current) throw new StoreError('ERR_STORE_CONFLICT', `${key} was created and deleted while this client opened it`, { key });
      }
      const snapshot = decodeRangeAllocation(key, current.value);
      if (parseCIDR(snapshot.range).cidr !== cache.cidr) throw mismatchedNetworkError();
      cache.restore(snapshot);
      return new SharedClusterIPAllocator(kv, layout, key, cache, current.modRevision, maxRetries);
    } catch (error) {
      cache.dispose();
      await kv.close();
      throw storeErrorOf(error);
    }
  }

  #load(current: StoredKV): void {
    this.#cache.restore(decodeRangeAllocation(this.key, current.value));
    this.#revision = current.modRevision;
    this.#reloads++;
  }

  // Applies `change` to the cache and publishes it; on a lost race reloads and tries again.
  #mutate<T>(change: (allocator: ClusterIPAllocator) => T): Promise<T> {
    const run = this.#tail.then(() => this.#mutateNow(change));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #mutateNow<T>(change: (allocator: ClusterIPAllocator) => T): Promise<T> {
    for (let attempt = 0; attempt < this.#maxRetries; attempt++) {
      const before = this.#cache.snapshot();
      let result: T;
      try {
        result = change(this.#cache);
      } catch (error) {
        // A refusal (full, taken) may come from a stale cache: decide on etcd's current state.
        if (error instanceof AllocatorError && attempt === 0 && (await this.#refresh())) continue;
        throw error;
      }
      let outcome;
      try {
        const marker = this.#layout.marker(`${this.#clientId}-${++this.#sequence}`);
        outcome = await commitFenced(this.#kv, marker, [{ key: this.key, modRevision: this.#revision }], [{ key: this.key, value: encodeRangeAllocation(this.#cache.snapshot()) }], fenceOptions(this.#kv));
      } catch (error) {
        this.#cache.restore(before);
        throw storeErrorOf(error);
      }
      if (outcome.landed) {
        this.#revision = outcome.revision;
        return result;
      }
      this.#cache.restore(before);
      if (outcome.refused) throw new StoreError('ERR_STORE_TOO_LARGE', `etcd refused the range's value as ${outcome.refused}`, { key: this.key });
      if (!outcome.reads) continue; // fenced off: nothing landed, the cache is as it was
      this.#conflicts++;
      const current = outcome.reads.get(this.key);
      if (!current) throw new StoreError('ERR_STORE_CORRUPT', `${this.key} was deleted`, { key: this.key });
      this.#load(current);
    }
    throw new StoreError('ERR_STORE_CONFLICT', `gave up on ${this.key} after ${this.#maxRetries} conflicting writes`, { key: this.key });
  }

  /** Reloads if etcd's revision moved; true when it did. */
  async #refresh(): Promise<boolean> {
    const { kv: current } = await call(() => this.#kv.get(this.key));
    if (!current) throw new StoreError('ERR_STORE_CORRUPT', `${this.key} was deleted`, { key: this.key });
    if (current.modRevision === this.#revision) return false;
    this.#load(current);
    return true;
  }

  /** As ClusterIPAllocator.allocate, written to etcd before it resolves. */
  allocate(ip: string): Promise<string> {
    return this.#mutate((a) => a.allocate(ip));
  }

  /** As ClusterIPAllocator.allocateNext, written to etcd before it resolves. */
  allocateNext(): Promise<string> {
    return this.#mutate((a) => a.allocateNext());
  }

  /** count dynamic allocations in one write, all or nothing. */
  allocateMany(count: number): Promise<string[]> {
    return this.#mutate((a) => a.allocateMany(count));
  }

  /** true if it was allocated (as etcd saw it when the release landed). */
  async release(ip: string): Promise<boolean> {
    await this.#refresh();
    return this.#mutate((a) => a.release(ip));
  }

  /** Whether the IP is allocated, as etcd holds the range now. */
  async has(ip: string): Promise<boolean> {
    await this.#refresh();
    return this.#cache.has(ip);
  }

  /** The range as etcd holds it now. */
  async snapshot(): Promise<RangeSnapshot> {
    await this.#refresh();
    return this.#cache.snapshot();
  }

  /** How many addresses are allocated, as etcd holds the range now. */
  async used(): Promise<number> {
    await this.#refresh();
    return this.#cache.used;
  }

  /** Reloads and lost races so far, for tuning and benchmarks. */
  get stats(): { reloads: number; conflicts: number; revision: string; transactions: number; bytesWritten: number } {
    return { reloads: this.#reloads, conflicts: this.#conflicts, revision: String(this.#revision), transactions: this.#kv.counters.transactions, bytesWritten: this.#kv.counters.bytesWritten };
  }

  /** `await using shared = await SharedClusterIPAllocator.open(…)`: close() at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Frees the cache and closes the connection (revoking this client's lease and markers). */
  async close(): Promise<void> {
    await this.#tail;
    this.#cache.dispose();
    await this.#kv.close();
  }
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw storeErrorOf(error);
  }
}
