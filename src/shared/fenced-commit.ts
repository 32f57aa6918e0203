// A transaction whose outcome is always known before the caller answers. Every commit carries a
// marker key of its own (under <prefix>/clusterip/requests/, on the client's lease): the
// transaction requires the marker absent and creates it. When etcd does not answer (a timeout, a
// lost connection, a leader change), the outcome is settled by a fence: a second transaction that
// creates the marker as "aborted" if it is still absent. etcd orders the two, so either the
// commit landed (the fence finds its marker) or it never will (its compare now fails). The fence
// is repeated until etcd answers, for a bounded time; only then does the caller get
// ERR_STORE_UNAVAILABLE, the one outcome that may leave an allocation nobody holds.
import { EtcdCallError, type Compare, type EtcdKV, type StoredKV, type WriteOp } from './etcd-kv.js';
import { StoreError } from './store-errors.js';

const LANDED = 'landed';
const ABORTED = 'aborted';

export type CommitOutcome =
  | { landed: true; revision: number; settled: boolean }
  | {
    landed: false;
    revision: number;
    /** Fresh values of the compared keys, when the compares failed (absent after a fence). */
    reads: Map<string, StoredKV | null> | undefined;
    /** etcd refused the request itself: too many operations or too large. */
    refused: 'too-many-ops' | 'too-large' | undefined;
    settled: boolean;
  };

export interface FenceOptions {
  /** How long the fence keeps trying before ERR_STORE_UNAVAILABLE (ms). */
  settleMs: number;
  /** Resolves after a pause before the next fence attempt (the caller's clock; tests may replace it). */
  pause: (attempt: number) => Promise<void>;
}

export async function commitFenced(kv: EtcdKV, marker: string, compares: readonly Compare[], writes: readonly WriteOp[], options: FenceOptions): Promise<CommitOutcome> {
  const reads = compares.map((c) => c.key);
  let outcome;
  try {
    outcome = await kv.txn(
      [...compares, { key: marker, modRevision: 0 }],
      [...writes, { key: marker, value: LANDED, lease: true }],
      [...reads, marker],
    );
  } catch (error) {
    if (!(error instanceof EtcdCallError)) throw error;
    if (error.refused === 'lease-lost') kv.dropLease();
    return settle(kv, marker, error, options);
  }
  if (outcome.succeeded) return { landed: true, revision: outcome.revision, settled: false };
  const mine = outcome.reads.get(marker);
  // Only a re-sent copy of this very commit could have created the marker: it landed.
  if (mine && mine.value.toString('utf8') === LANDED) return { landed: true, revision: mine.modRevision, settled: true };
  outcome.reads.delete(marker);
  return { landed: false, revision: outcome.revision, reads: outcome.reads, refused: undefined, settled: false };
}

async function settle(kv: EtcdKV, marker: string, cause: EtcdCallError, options: FenceOptions): Promise<CommitOutcome> {
  // A lost lease is refused like the others, but sending again (with a new lease) can help.
  const refused = cause.refused === 'lease-lost' ? undefined : cause.refused;
  const deadline = Date.now() + options.settleMs;
  let last: unknown = cause;
  for (let attempt = 0; ; attempt++) {
    try {
      const fence = await kv.txn([{ key: marker, modRevision: 0 }], [{ key: marker, value: ABORTED, lease: true }], [marker]);
      if (fence.succeeded) return { landed: false, revision: fence.revision, reads: undefined, refused, settled: true };
      const found = fence.reads.get(marker);
      if (found && found.value.toString('utf8') === LANDED) return { landed: true, revision: found.modRevision, settled: true };
      // An earlier fence of ours landed without our hearing of it.
      if (found) return { landed: false, revision: fence.revision, reads: undefined, refused, settled: true };
      last = new Error(`the marker ${marker} vanished while being settled`);
    } catch (error) {
      if (!(error instanceof EtcdCallError)) throw error;
      if (error.refused === 'lease-lost') kv.dropLease();
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new StoreError('ERR_STORE_UNAVAILABLE', `etcd did not answer whether a write landed (${(last as Error).message}); it may have`, { cause: last, key: marker });
    }
    await options.pause(attempt);
  }
}

/** Fence settings for a client: keep trying for `settleMs` (default 6 × the call timeout, at least 30 s), pausing 50 ms doubling to 1 s. */
export function fenceOptions(kv: EtcdKV, settleMs?: number): FenceOptions {
  return {
    settleMs: settleMs ?? Math.max(30_000, 6 * kv.timeoutMs),
    pause: (attempt) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt))),
  };
}
