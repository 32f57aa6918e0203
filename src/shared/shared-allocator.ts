// SharedClusterIPAllocator: one service range shared by several processes through one etcd key,
// as kube-apiservers share their RangeAllocation. Every change is read-modify-write with a
// compare-and-swap on the key's mod revision; on conflict the local copy is reloaded and the
// operation retried with a fresh random pick. The local allocator is a cache: it is reloaded only
// when the revision moved. A call that resolves is durable in etcd; one that rejects changed
// nothing (ERR_STORE_UNAVAILABLE is the one ambiguous case: see store-errors.ts).
import { AllocatorError, mismatchedNetworkError } from '../errors.js';
import { ClusterIPAllocator, type AllocatorOptions } from '../allocator.js';
import { parseCIDR } from '../cidr.js';
import { EtcdStore, type Versioned } from './etcd-store.js';
import { StoreError } from './store-errors.js';
import type { RangeSnapshot } from '../snapshot-input.js';

export const DEFAULT_RANGE_KEY = '/registry/ranges/serviceips';

export interface SharedAllocatorOptions extends AllocatorOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** The range's CIDR; an existing key holding another range -> ERR_MISMATCHED_NETWORK. */
  cidr: string;
  /** Default /registry/ranges/serviceips. */
  key?: string;
  /** Compare-and-swap attempts per call before ERR_STORE_CONFLICT (default 50). */
  maxRetries?: number;
  /** Per etcd call, milliseconds (default 5000). */
  timeoutMs?: number;
}

// The stored value: the RangeAllocation pair as JSON, data in base64.
function encode(snapshot: RangeSnapshot): Buffer {
  return Buffer.from(JSON.stringify({ range: snapshot.range, data: Buffer.from(snapshot.data).toString('base64') }));
}

function decode(value: Buffer, key: string): RangeSnapshot {
  try {
    const parsed = JSON.parse(value.toString('utf8'));
    if (typeof parsed.range !== 'string' || typeof parsed.data !== 'string') throw new Error('range and data are required');
    return { range: parsed.range, data: new Uint8Array(Buffer.from(parsed.data, 'base64')) };
  } catch (error) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key} does not hold a range snapshot: ${(error as Error).message}`);
  }
}

export class SharedClusterIPAllocator {
  readonly cidr: string;
  readonly key: string;
  readonly #store: EtcdStore;
  readonly #cache: ClusterIPAllocator;
  readonly #maxRetries: number;
  #revision: string;
  #reloads = 0;
  #conflicts = 0;

  private constructor(store: EtcdStore, cache: ClusterIPAllocator, revision: string, maxRetries: number) {
    this.#store = store;
    this.#cache = cache;
    this.#revision = revision;
    this.#maxRetries = maxRetries;
    this.cidr = cache.cidr;
    this.key = store.key;
  }

  /** Connects, creating the key with an empty range if it does not exist yet. */
  static async open(options: SharedAllocatorOptions): Promise<SharedClusterIPAllocator> {
    const { endpoints, key = DEFAULT_RANGE_KEY, maxRetries = 50, timeoutMs, cidr, ...allocatorOptions } = options;
    const canonical = parseCIDR(cidr).cidr;
    const cache = new ClusterIPAllocator(canonical, allocatorOptions);
    const store = new EtcdStore({ endpoints, key, timeoutMs });
    try {
      const { current } = await store.createIfAbsent(encode(cache.snapshot()));
      const snapshot = decode(current.value, key);
      if (parseCIDR(snapshot.range).cidr !== cache.cidr) throw mismatchedNetworkError();
      cache.restore(snapshot);
      return new SharedClusterIPAllocator(store, cache, current.revision, maxRetries);
    } catch (error) {
      cache.dispose();
      store.close();
      throw error;
    }
  }

  #load(current: Versioned): void {
    this.#cache.restore(decode(current.value, this.key));
    this.#revision = current.revision;
    this.#reloads++;
  }

  // Applies `change` to the cached copy and publishes it; on a lost race reloads and tries again.
  async #mutate<T>(change: (allocator: ClusterIPAllocator) => T): Promise<T> {
    for (let attempt = 0; attempt < this.#maxRetries; attempt++) {
      const before = this.#cache.snapshot();
      let result: T;
      try {
        result = change(this.#cache);
      } catch (error) {
        // A refusal (full, taken) may come from a stale copy: decide on etcd's current state.
        if (error instanceof AllocatorError && attempt === 0 && (await this.#refresh())) continue;
        throw error;
      }
      let outcome;
      try {
        outcome = await this.#store.compareAndSwap(this.#revision, encode(this.#cache.snapshot()));
      } catch (error) {
        this.#cache.restore(before);
        throw error;
      }
      if (outcome.swapped) {
        this.#revision = outcome.revision;
        return result;
      }
      this.#conflicts++;
      if (!outcome.current) throw new StoreError('ERR_STORE_CORRUPT', `${this.key} was deleted`);
      this.#load(outcome.current);
    }
    throw new StoreError('ERR_STORE_CONFLICT', `gave up on ${this.key} after ${this.#maxRetries} conflicting writes`);
  }

  /** Reloads if etcd's revision moved; true when it did. */
  async #refresh(): Promise<boolean> {
    const current = await this.#store.read();
    if (!current) throw new StoreError('ERR_STORE_CORRUPT', `${this.key} was deleted`);
    if (current.revision === this.#revision) return false;
    this.#load(current);
    return true;
  }

  allocate(ip: string): Promise<string> {
    return this.#mutate((a) => a.allocate(ip));
  }

  allocateNext(): Promise<string> {
    return this.#mutate((a) => a.allocateNext());
  }

  /** count dynamic allocations in one compare-and-swap, all or nothing. */
  allocateMany(count: number): Promise<string[]> {
    return this.#mutate((a) => a.allocateMany(count));
  }

  /** true if it was allocated (as etcd saw it when the release landed). */
  async release(ip: string): Promise<boolean> {
    await this.#refresh();
    return this.#mutate((a) => a.release(ip));
  }

  async has(ip: string): Promise<boolean> {
    await this.#refresh();
    return this.#cache.has(ip);
  }

  /** The range as etcd holds it now. */
  async snapshot(): Promise<RangeSnapshot> {
    await this.#refresh();
    return this.#cache.snapshot();
  }

  async used(): Promise<number> {
    await this.#refresh();
    return this.#cache.used;
  }

  /** Reloads and lost compare-and-swaps so far, for tuning and benchmarks. */
  get stats(): { reloads: number; conflicts: number; revision: string } {
    return { reloads: this.#reloads, conflicts: this.#conflicts, revision: this.#revision };
  }

  /** `using shared = await SharedClusterIPAllocator.open(…)`: close() at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  close(): void {
    this.#cache.dispose();
    this.#store.close();
  }
}
