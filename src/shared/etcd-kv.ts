// The etcd calls clusterip/etcd makes, on one client: transactions with compares, paged reads at
// one revision, watches, one lease. The client never re-sends a call on its own (etcd3's default
// global retry policy is replaced by no policy): a write that fails with an unknown outcome is
// settled by the caller (fenced-commit.ts), never retried blind.
import type { Etcd3, IOptions, Lease, Watcher } from 'etcd3';
import { loadEtcdClient, type EtcdClientModules } from './etcd-client.js';
import { StoreError } from './store-errors.js';

export interface StoredKV {
  key: string;
  value: Buffer;
  modRevision: number;
}

/** key's mod revision must equal `modRevision`; 0 means the key must not exist. */
export interface Compare {
  key: string;
  modRevision: number;
}

export type WriteOp = { key: string; value: string | Buffer; lease?: boolean } | { key: string; delete: true };

export interface TxnOutcome {
  succeeded: boolean;
  /** etcd's revision after the transaction (the writes' mod revision when it succeeded). */
  revision: number;
  /** The keys read on failure, as they are at `revision` (null: absent). */
  reads: Map<string, StoredKV | null>;
}

export interface EtcdKVOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** Milliseconds each etcd call may take before it fails (default 5000). */
  timeoutMs?: number;
  /** Seconds the lease of this client's request markers lives without keep-alive (default 60). */
  leaseTTL?: number;
}

/** A call that failed: `message` says why; whether a write landed is for the caller to settle. */
export class EtcdCallError extends Error {
  constructor(readonly what: string, cause: unknown, timeoutMs?: number) {
    super(`etcd ${what} failed: ${reasonOf(cause, timeoutMs)}`, { cause });
  }

  /** etcd refused the request as such (too many operations, too large): sending it again cannot help. */
  get refused(): 'too-many-ops' | 'too-large' | 'lease-lost' | undefined {
    const text = String((this.cause as Error)?.message ?? '');
    if (text.includes('too many operations in txn request')) return 'too-many-ops';
    if (text.includes('request is too large') || text.includes('larger than max')) return 'too-large';
    if (text.includes('requested lease not found')) return 'lease-lost';
    return undefined;
  }
}

// The reason a call failed, in words, without the gRPC library's framing.
function reasonOf(cause: unknown, timeoutMs: number | undefined): string {
  const text = String((cause as Error)?.message ?? cause);
  const refused = /ECONNREFUSED (\S+?)\.?(?:\s|$)/.exec(text);
  if (refused) return `connection refused by ${refused[1]}`;
  if (/DEADLINE_EXCEEDED|Deadline exceeded/i.test(text)) return timeoutMs === undefined ? 'no answer in time' : `no answer within ${timeoutMs} ms`;
  const notFound = /ENOTFOUND (\S+?)\.?(?:\s|$)/.exec(text);
  if (notFound) return `host ${notFound[1]} not found`;
  return text.replace(/^\d+ [A-Z_]+: /, '').replace(/\s*Resolution note:\s*$/, '').replace(/\.$/, '') || 'unknown error';
}

const encode = (text: string) => Buffer.from(text, 'utf8');

// The end of the key range of every key starting with `prefix`.
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function toKV(kv: { key: Buffer; value: Buffer; mod_revision: string }): StoredKV {
  return { key: kv.key.toString('utf8'), value: kv.value, modRevision: Number(kv.mod_revision) };
}

export class EtcdKV {
  readonly #client: Etcd3;
  readonly #timeout: number;
  readonly #leaseTTL: number;
  #lease: Lease | undefined;
  #leaseID: Promise<string> | undefined;
  /** Transactions sent, and the bytes of their keys and values. */
  readonly counters = { transactions: 0, bytesWritten: 0, reads: 0 };

  /** Loads the etcd client (an optional peer dependency) and connects. */
  static async open(options: EtcdKVOptions): Promise<EtcdKV> {
    return new EtcdKV(options, await loadEtcdClient());
  }

  private constructor(options: EtcdKVOptions, { etcd3, cockatiel }: EtcdClientModules) {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0 || !options.endpoints.every((e) => typeof e === 'string' && e !== '')) {
      throw new StoreError('ERR_STORE_CONFIG', 'endpoints must be a non-empty list of etcd client URLs');
    }
    const timeout = options.timeoutMs ?? 5000;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new StoreError('ERR_STORE_CONFIG', `timeoutMs must be a positive number, got ${timeout}`);
    this.#timeout = timeout;
    this.#leaseTTL = options.leaseTTL ?? 60;
    const clientOptions: IOptions = {
      hosts: options.endpoints,
      dialTimeout: timeout,
      // Every call gets a deadline, so an unreachable etcd fails the call instead of hanging it.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: new Date(Date.now() + timeout) }),
      faultHandling: {
        // No global retry: a re-sent compare-and-swap whose first attempt landed would report a
        // conflict, and the caller would allocate again and leak the first address.
        global: cockatiel.noop,
        // etcd3's default breaker keeps a host closed for 5 s after 3 failures; probe again after
        // 200 ms instead, so a restarted member is used again as soon as it answers.
        host: () => cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 200, breaker: new cockatiel.ConsecutiveBreaker(3) }),
      },
    };
    this.#client = new etcd3.Etcd3(clientOptions);
  }

  get timeoutMs(): number {
    return this.#timeout;
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new EtcdCallError(what, error, this.#timeout);
    }
  }

  /**
   * One transaction: if every compare holds, the writes; otherwise read `readsOnFailure`. Throws
   * EtcdCallError when etcd did not answer (the writes may or may not have landed).
   */
  async txn(compares: readonly Compare[], writes: readonly WriteOp[], readsOnFailure: readonly string[]): Promise<TxnOutcome> {
    const lease = writes.some((w) => 'value' in w && w.lease) ? await this.leaseID() : undefined;
    let bytes = 0;
    const success = writes.map((w) => {
      const key = encode(w.key);
      if ('delete' in w) {
        bytes += key.length;
        return { request_delete_range: { key } };
      }
      const value = typeof w.value === 'string' ? encode(w.value) : w.value;
      bytes += key.length + value.length;
      return { request_put: { key, value, ...(w.lease ? { lease } : {}) } };
    });
    const request = {
      compare: compares.map((c) => ({ key: encode(c.key), target: 'Mod' as const, result: 'Equal' as const, mod_revision: String(c.modRevision) })),
      success,
      failure: readsOnFailure.map((key) => ({ request_range: { key: encode(key) } })),
    };
    this.counters.transactions++;
    const response = await this.#call('transaction', () => this.#client.kv.txn(request));
    if (response.succeeded) this.counters.bytesWritten += bytes;
    const reads = new Map<string, StoredKV | null>();
    if (!response.succeeded) {
      response.responses.forEach((r, i) => {
        const kv = r.response_range?.kvs[0];
        reads.set(readsOnFailure[i], kv ? toKV(kv) : null);
      });
    }
    return { succeeded: response.succeeded, revision: Number(response.header.revision), reads };
  }

  async get(key: string): Promise<{ kv: StoredKV | null; revision: number }> {
    this.counters.reads++;
    const response = await this.#call(`read of ${key}`, () => this.#client.kv.range({ key: encode(key) }));
    const kv = response.kvs[0];
    return { kv: kv ? toKV(kv) : null, revision: Number(response.header.revision) };
  }

  /** Several keys as of one revision. */
  async getMany(keys: readonly string[]): Promise<{ kvs: Map<string, StoredKV | null>; revision: number }> {
    this.counters.reads++;
    const request = { compare: [], success: keys.map((key) => ({ request_range: { key: encode(key) } })), failure: [] };
    const response = await this.#call('read', () => this.#client.kv.txn(request));
    const kvs = new Map<string, StoredKV | null>();
    response.responses.forEach((r, i) => {
      const kv = r.response_range?.kvs[0];
      kvs.set(keys[i], kv ? toKV(kv) : null);
    });
    return { kvs, revision: Number(response.header.revision) };
  }

  /**
   * Every key under `prefix` as of one revision (the first page's, unless given), in pages that
   * stay under gRPC's message limit: a page that is refused as too large is read again in halves.
   */
  async *pages(prefix: string, revision?: number): AsyncGenerator<{ kvs: StoredKV[]; revision: number }> {
    const end = prefixEnd(prefix);
    let from = encode(prefix);
    let limit = 500;
    let at = revision;
    for (;;) {
      let response;
      try {
        this.counters.reads++;
        const request = { key: from, range_end: end, limit, ...(at !== undefined ? { revision: at } : {}) };
        response = await this.#client.kv.range(request);
      } catch (error) {
        const refused = new EtcdCallError(`read of ${prefix}`, error, this.#timeout).refused;
        if (refused === 'too-large' && limit > 1) {
          limit = Math.max(1, limit >> 1);
          continue;
        }
        throw new EtcdCallError(`read of ${prefix}`, error, this.#timeout);
      }
      at ??= Number(response.header.revision);
      const kvs = response.kvs.map(toKV);
      yield { kvs, revision: at };
      if (!response.more || response.kvs.length === 0) return;
      const last = response.kvs[response.kvs.length - 1].key;
      from = Buffer.concat([last, Buffer.from([0])]);
    }
  }

  /** The current revision of the store. */
  async revision(): Promise<number> {
    return (await this.get('\0')).revision;
  }

  /** Watches every key under `prefix` from `fromRevision` on; events arrive in revision order per watch. */
  async watch(prefix: string, fromRevision: number): Promise<Watcher> {
    return this.#call(`watch of ${prefix}`, () => this.#client.watch().prefix(prefix).startRevision(String(fromRevision)).create());
  }

  /** The ID of this client's lease (granted on first use, kept alive by etcd3, granted again if lost). */
  leaseID(): Promise<string> {
    if (this.#leaseID === undefined) {
      const lease = this.#client.lease(this.#leaseTTL, { autoKeepAlive: true });
      this.#lease = lease;
      const id = lease.grant();
      this.#leaseID = id;
      lease.on('lost', () => {
        if (this.#lease === lease) this.dropLease();
      });
      id.catch(() => {
        if (this.#lease === lease) this.dropLease();
      });
    }
    return this.#call('lease grant', () => this.#leaseID!);
  }

  /** Forgets the lease (lost or expired): the next leaseID() grants a new one. */
  dropLease(): void {
    this.#lease?.release();
    this.#lease = undefined;
    this.#leaseID = undefined;
  }

  async close(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#leaseID = undefined;
    if (lease) await lease.revoke({ deadline: new Date(Date.now() + this.#timeout) }).catch(() => undefined);
    this.#client.close();
  }
}

/** An etcd call that failed (the outcome of a write settled or not) as the store's typed error. */
export function storeErrorOf(error: unknown): unknown {
  if (error instanceof EtcdCallError) return new StoreError('ERR_STORE_UNAVAILABLE', error.message, { cause: error });
  return error;
}
