// One etcd key holding a value, read and replaced only by compare-and-swap on its mod revision —
// the way kube-apiservers share the service range's RangeAllocation object.
import type { Etcd3, IOptions } from 'etcd3';
import { cockatiel, etcd3 } from './etcd-client.js';
import { StoreError } from './store-errors.js';

export interface Versioned { value: Buffer; revision: string }

export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  key: string;
  /** Milliseconds each etcd call may take before it fails with ERR_STORE_UNAVAILABLE (default 5000). */
  timeoutMs?: number;
}

export class EtcdStore {
  readonly key: string;
  readonly #client: Etcd3;

  constructor(options: EtcdStoreOptions) {
    this.key = options.key;
    const timeout = options.timeoutMs ?? 5000;
    const clientOptions: IOptions = {
      hosts: options.endpoints,
      dialTimeout: timeout,
      // Every call gets a deadline, so an unreachable etcd fails the call instead of hanging it.
      defaultCallOptions: () => ({ deadline: new Date(Date.now() + timeout) }),
      // etcd3's default breaker keeps a host closed for 5 s after 3 failures; probe again after
      // 200 ms instead, so a restarted etcd is used again as soon as it answers.
      faultHandling: {
        host: () => cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 200, breaker: new cockatiel.ConsecutiveBreaker(3) }),
      },
    };
    this.#client = new etcd3.Etcd3(clientOptions);
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new StoreError('ERR_STORE_UNAVAILABLE', `etcd ${what} of ${this.key} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async read(): Promise<Versioned | null> {
    const response = await this.#call('read', () => this.#client.get(this.key).exec());
    const kv = response.kvs[0];
    return kv ? { value: kv.value, revision: kv.mod_revision } : null;
  }

  /** Writes `value` only if the key does not exist; returns the stored value either way. */
  async createIfAbsent(value: Buffer): Promise<{ created: boolean; current: Versioned }> {
    const response = await this.#call('create', () =>
      this.#client.if(this.key, 'Create', '==', 0).then(this.#client.put(this.key).value(value)).else(this.#client.get(this.key)).commit());
    if (response.succeeded) return { created: true, current: { value, revision: response.header.revision } };
    const kv = response.responses[0].response_range.kvs[0];
    return { created: false, current: { value: kv.value, revision: kv.mod_revision } };
  }

  /** Replaces the value if its mod revision is still `revision`; otherwise returns the current one. */
  async compareAndSwap(revision: string, value: Buffer): Promise<{ swapped: true; revision: string } | { swapped: false; current: Versioned | null }> {
    const response = await this.#call('compare-and-swap', () =>
      this.#client.if(this.key, 'Mod', '==', revision).then(this.#client.put(this.key).value(value)).else(this.#client.get(this.key)).commit());
    if (response.succeeded) return { swapped: true, revision: response.header.revision };
    const kv = response.responses[0].response_range.kvs[0];
    return { swapped: false, current: kv ? { value: kv.value, revision: kv.mod_revision } : null };
  }

  close(): void {
    this.#client.close();
  }
}
