// The kernel's exports: one ABI for both representations. A handle is a pointer to a block that
// starts with the common header (header.ts). Offsets cross as (low u32, high u32) halves; every
// result is a u32 or i32 (never a bool or an i64), so the JavaScript side never converts BigInts
// on the hot path. Operations that take an offset put it in the result slot (handle + RESULT_SLOT)
// and return 1, or return 0 when there was none — except takeNext, the single-call hot path,
// which returns the offset's low 31 bits (or −1 when there was none), so that ranges of up to
// 2^31 offsets need not read the slot at all. Bulk outputs are u32 per offset for dense blocks
// and u64 for sparse ones. scripts/build-kernel.mjs generates the TypeScript typings from these.
import {
  H_FLAGS, H_PROGRESS, H_RESULT, H_RNG, KIND_DENSE, bandOf, drawModelOf, kindOf, initCommon, sizeOf, strategyOf, usedOf,
  usedStaticOf,
} from './header';
import { denseBlockBytes, layoutLevels } from './dense/layout';
import { denseExport, rebuildSummaries } from './dense/bitmap';
import { exportBigEndian, importBigEndian } from './dense/snapshot';
import { SPARSE_HEADER_BYTES, sparseBytes, sparseFreeTables, sparseInit, sparseReset } from './sparse/sparse-map';
import { exportSortedOffsets, sparseBitmapRead, sparseBitmapWrite } from './sparse/sorted-export';
import { runsBytesBound as runsBytesBoundImpl, runsDecode as runsDecodeImpl, runsEncode as runsEncodeImpl } from './sparse/run-codec';
import { storeClear, storeSet, storeTest } from './store';
import { takeNext as takeNextImpl, takeMany as takeManyImpl } from './allocate';
import { runTrace as runTraceImpl, traceUndo as traceUndoImpl } from './trace';

export {
  KIND_DENSE, KIND_SPARSE, STRATEGY_RANDOM_SCAN, STRATEGY_SEQUENTIAL, STRATEGY_UNIFORM, DRAW_BITMAP, DRAW_IPADDRESS,
  FLAG_EXTERNAL_DRAWS,
} from './header';
export {
  RUNS_OK, RUNS_TRUNCATED, RUNS_OVER_64_BITS, RUNS_VARINT_TOO_LONG, RUNS_BEYOND_SIZE, RUNS_TOO_MANY, RUNS_TRAILING, RUNS_BAD_MAGIC,
  RUNS_BAD_VERSION,
} from './sparse/run-codec';
export {
  TRACE_ALLOCATE_NEXT, TRACE_ALLOCATE, TRACE_RELEASE, TRACE_RELEASE_RECENT, TRACE_FAIL_FULL, TRACE_FAIL_ALLOCATED,
  TRACE_FAIL_NOT_IN_RANGE, TRACE_FAIL_NO_RECENT, TRACE_FAIL_BAD_OP, TRACE_FAIL_DRAWS,
} from './trace';

/** Byte offset of the u64 result slot in every block. */
export const RESULT_SLOT: u32 = <u32>H_RESULT;

@inline function u64Of(low: u32, high: u32): u64 { return (<u64>high << 32) | <u64>low; }

// ---- lifecycle ----

export function create(kind: u32, sizeLow: u32, sizeHigh: u32, band: u32, strategy: u32, drawModel: u32, flags: u32, seedLow: u32, seedHigh: u32): usize {
  const size = u64Of(sizeLow, sizeHigh);
  const bytes = kind == KIND_DENSE ? denseBlockBytes(<u32>size) : SPARSE_HEADER_BYTES;
  const h = heap.alloc(bytes);
  memory.fill(h, 0, bytes);
  initCommon(h, kind, size, band, strategy, drawModel, flags, u64Of(seedLow, seedHigh));
  if (kind == KIND_DENSE) {
    layoutLevels(h, <u32>size);
    rebuildSummaries(h);
  } else {
    sparseInit(h);
  }
  return h;
}

// An empty block configured like h, its generator where h's is: a restore builds the new state
// here and the caller swaps it in only when it is complete.
export function createLike(h: usize): usize {
  const size = sizeOf(h);
  const rng = load<u64>(h + H_RNG);
  return create(
    kindOf(h), <u32>size, <u32>(size >> 32), bandOf(h), strategyOf(h), drawModelOf(h), load<u32>(h + H_FLAGS),
    <u32>rng, <u32>(rng >> 32),
  );
}

export function destroy(h: usize): void {
  if (kindOf(h) != KIND_DENSE) sparseFreeTables(h);
  heap.free(h);
}

// One scratch block shared by every allocator for batch input and output; it only grows.
let scratchPtr: usize = 0;
let scratchBytes: usize = 0;

export function scratch(bytes: usize): usize {
  if (bytes > scratchBytes) {
    if (scratchPtr != 0) heap.free(scratchPtr);
    scratchPtr = heap.alloc(bytes);
    scratchBytes = bytes;
  }
  return scratchPtr;
}

// ---- queries ----

/** Bytes of kernel memory one allocator holds. */
export function footprint(h: usize): u32 {
  return <u32>(kindOf(h) == KIND_DENSE ? denseBlockBytes(<u32>sizeOf(h)) : sparseBytes(h));
}
export function used(h: usize): u32 { return usedOf(h); }
export function usedStatic(h: usize): u32 { return usedStaticOf(h); }
export function progress(h: usize): u32 { return load<u32>(h + H_PROGRESS); }
export function has(h: usize, low: u32, high: u32): u32 { return storeTest(h, u64Of(low, high)) ? 1 : 0; }

// ---- single operations ----

export function take(h: usize, low: u32, high: u32): u32 { return storeSet(h, u64Of(low, high)) ? 1 : 0; }
export function release(h: usize, low: u32, high: u32): u32 { return storeClear(h, u64Of(low, high)) ? 1 : 0; }
export function takeNext(h: usize): i32 {
  return takeNextImpl(h) ? <i32>(load<u32>(h + H_RESULT) & 0x7FFFFFFF) : -1;
}

// ---- bulk ----

export function takeMany(h: usize, count: u32, out: usize): u32 { return takeManyImpl(h, count, out); }

// Releases count offsets from input (u32 each for dense, u64 for sparse); returns how many were allocated.
export function releaseMany(h: usize, input: usize, count: u32): u32 {
  const wide = kindOf(h) != KIND_DENSE;
  let released: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const k = wide ? load<u64>(input + (<usize>i << 3)) : <u64>load<u32>(input + (<usize>i << 2));
    if (storeClear(h, k)) released++;
  }
  return released;
}

// Writes up to max allocated offsets >= from, ascending, to out; returns how many. Sparse blocks
// sort all their offsets per call, so callers ask for them all at once.
export function exportOffsets(h: usize, fromLow: u32, fromHigh: u32, out: usize, max: u32): u32 {
  if (kindOf(h) == KIND_DENSE) return denseExport(h, fromLow, out, max);
  const from = u64Of(fromLow, fromHigh);
  const n = usedOf(h);
  if (n == 0 || max == 0) return 0;
  const all = heap.alloc(<usize>n << 3);
  exportSortedOffsets(h, all);
  let first: u32 = 0;
  while (first < n && load<u64>(all + (<usize>first << 3)) < from) first++;
  const count = n - first < max ? n - first : max;
  memory.copy(out, all + (<usize>first << 3), <usize>count << 3);
  heap.free(all);
  return count;
}

// Marks count consecutive offsets from start allocated (restoring one run), no JS call per offset.
export function takeRun(h: usize, startLow: u32, startHigh: u32, count: u32): void {
  const start = u64Of(startLow, startHigh);
  for (let i: u32 = 0; i < count; i++) storeSet(h, start + <u64>i);
}

// ---- run-encoded snapshots (ranges over 2^24 offsets; sparse/run-codec.ts) ----

export function runsBytesBound(h: usize): u32 { return runsBytesBoundImpl(h); }
// Writes h's allocations run-encoded to out (room for runsBytesBound(h)); returns the length.
export function runsEncode(h: usize, out: usize): u32 { return runsEncodeImpl(h, out); }
// Marks the runs in [data, data + length) allocated in the empty block h: RUNS_OK or why not.
export function runsDecode(h: usize, data: usize, length: u32, maxTotal: u32): i32 { return runsDecodeImpl(h, data, length, maxTotal); }

// Forgets every allocation.
export function reset(h: usize): void {
  if (kindOf(h) == KIND_DENSE) {
    importBigEndian(h, 0, 0);
  } else {
    sparseReset(h);
  }
}

// ---- the RangeAllocation bitmap (ranges of at most 2^24 offsets, either representation) ----

export function snapshotBytesNeeded(h: usize): u32 { return <u32>((sizeOf(h) + 7) >>> 3); }
export function snapshotWrite(h: usize, out: usize): u32 {
  return kindOf(h) == KIND_DENSE ? exportBigEndian(h, out) : sparseBitmapWrite(h, out, snapshotBytesNeeded(h));
}
// 0 on success; 1 (nothing changed) when the data has a bit at or beyond the size.
export function snapshotRead(h: usize, data: usize, length: u32): u32 {
  return <u32>(kindOf(h) == KIND_DENSE ? importBigEndian(h, data, length) : sparseBitmapRead(h, data, length));
}

// ---- operation traces (trace.ts) ----

export function runTrace(h: usize, ops: usize, count: u32, out: usize, work: usize): i32 {
  return runTraceImpl(h, ops, count, out, work);
}
export function traceUndo(h: usize, work: usize): void {
  traceUndoImpl(h, work, load<u32>(h + H_PROGRESS));
  store<u32>(h + H_PROGRESS, 0);
}
