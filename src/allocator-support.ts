// What every range allocator (ClusterIPAllocator, NodePortAllocator) does the same way around its
// offset store: keep it alive or refuse (disposed, or entered from a randomInt draw), free it,
// free a forgotten one, check a count, and shape its stats. The classes keep their own private
// fields (an idle allocator's heap size is one of this package's measured costs).
import { disposedError, drawsExhaustedError, rangeFullError, reentrantError, type AllocatorError } from './errors.js';
import { drawsRunning } from './kernel.js';
import type { OffsetStore } from './offset-store.js';
import { withJSON } from './json-view.js';

/** One band's (or the whole range's) occupancy. */
export interface BandStats {
  /** Addresses (or ports) in it. */
  size: bigint;
  /** How many are allocated. */
  used: number;
  /** How many are free. */
  free: bigint;
}

/** An allocator's occupancy, whole and per band, and its allocation counters (stats()). */
export interface AllocatorStats extends BandStats {
  /** The static (lower) band. */
  static: BandStats;
  /** The upper (dynamic) band. */
  dynamic: BandStats;
  /** Successful allocations, like kube_apiserver_clusterip_allocator_allocation_total. */
  allocations: { static: number; dynamic: number };
  /** Failed allocations, like kube_apiserver_clusterip_allocator_allocation_errors_total. */
  errors: { static: number; dynamic: number };
}

// Frees the kernel memory of an allocator that was dropped without dispose(). Registered without
// an unregister token (a token costs a table entry per allocator): dispose() leaves the entry, and
// the finalizer's destroy() of an already destroyed store does nothing.
const leakedStores = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<OffsetStore>((store) => store.destroy())
  : undefined;

/** Frees `store` when `owner` is garbage-collected without having been disposed. */
export function freeWhenDropped(owner: object, store: OffsetStore): void {
  leakedStores?.register(owner, store);
}

// Every entry point takes the store through here (or repeats its test on a hot path) only after
// any caller code of its own — iterables, getters — has run: so a call that disposes the
// allocator, or enters it from a randomInt draw, is seen before any kernel state is read.
export function liveStore(store: OffsetStore | null): OffsetStore {
  if (store === null || drawsRunning !== 0) throw drawsRunning !== 0 ? reentrantError() : disposedError();
  return store;
}

/** dispose(): frees the store (twice is fine); refused from inside a randomInt draw. Returns null for the field. */
export function disposeStore(store: OffsetStore | null): null {
  if (drawsRunning !== 0) throw reentrantError();
  store?.destroy();
  return null;
}

/**
 * Why a dynamic allocation found nothing: the range is full (ERR_FULL, which callers count as a
 * dynamic error, as Kubernetes does), or uniform rejection gave up with addresses still free
 * (ERR_DRAWS_EXHAUSTED, not counted: like a broken randomInt, not an allocation Kubernetes refuses).
 */
export function dynamicFailure(store: OffsetStore, size: number): AllocatorError {
  return store.used() < size ? drawsExhaustedError() : rangeFullError();
}

export function readCount(count: unknown): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  }
  return count;
}

const bandStats = (size: bigint, used: number): BandStats => ({ size, used, free: size - BigInt(used) });

/** stats(): the whole range and each band, and the counters (JSON-safe: bigints print as strings). */
export function statsOf(
  store: OffsetStore, size: bigint, band: bigint,
  allocations: { static: number; dynamic: number }, errors: { static: number; dynamic: number },
): AllocatorStats {
  const used = store.used();
  const usedStatic = store.usedStatic();
  return withJSON({
    ...bandStats(size, used),
    static: bandStats(band, usedStatic),
    dynamic: bandStats(size - band, used - usedStatic),
    allocations,
    errors,
  });
}
