// The kernel's exports. Every argument and result is an i32 (or u32) so that the JS side never
// converts BigInts on the hot path. Handles are pointers to blocks laid out as in layout.ts.
import {
  blockBytes, layoutLevels, sizeOf, usedOf, usedStaticOf, levelPtr,
  H_SIZE, H_BAND, H_STRATEGY, H_RNG, H_THRESHOLD_UPPER, H_THRESHOLD_LOWER, H_DRAW_MODEL,
} from './layout';
import { threshold32 } from './random';
import { testBit, setBit, clearBit, rebuildSummaries } from './bitmap';
import {
  takeNext as takeNextImpl, takeUpperFrom as takeUpperImpl, takeLowerFrom as takeLowerImpl,
  takeUpperRank as takeUpperRankImpl, takeLowerRank as takeLowerRankImpl, takeMany as takeManyImpl,
} from './allocate';
import { exportBigEndian, importBigEndian } from './snapshot';
import {
  SPARSE_HEADER_BYTES, S_SIZE, S_BAND, S_STRATEGY, S_RNG, S_RESULT, S_USED, S_USED_STATIC, S_DRAW_MODEL, sparseInit, sparseFreeTables,
  sparseTest, sparseSet, sparseClear, sparseUsedOf, sparseUsedStaticOf, sparseBytes,
} from './sparse/sparse-map';
import {
  sparseTakeNext as sparseTakeNextImpl, sparseTakeUpperFrom as sparseTakeUpperImpl,
  sparseTakeLowerFrom as sparseTakeLowerImpl, sparseTakeLowerRank as sparseTakeLowerRankImpl,
  upstreamWideStart,
} from './sparse/sparse-allocate';
import { exportSortedOffsets } from './sparse/sorted-export';

// ---- lifecycle ----

export function create(size: u32, band: u32, strategy: u32, seedLow: u32, seedHigh: u32, drawModel: u32): usize {
  const bytes = blockBytes(size);
  const b = heap.alloc(bytes);
  memory.fill(b, 0, bytes);
  store<u32>(b + H_SIZE, size);
  store<u32>(b + H_BAND, band);
  store<u32>(b + H_STRATEGY, strategy);
  store<u32>(b + H_DRAW_MODEL, drawModel);
  store<u64>(b + H_RNG, (<u64>seedHigh << 32) | <u64>seedLow);
  store<u32>(b + H_THRESHOLD_UPPER, threshold32(size - band));
  store<u32>(b + H_THRESHOLD_LOWER, threshold32(band));
  layoutLevels(b, size);
  rebuildSummaries(b);
  return b;
}

export function destroy(b: usize): void {
  heap.free(b);
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

// Bytes of kernel memory one allocator holds (header, every level, counts).
export function footprint(b: usize): u32 { return <u32>blockBytes(sizeOf(b)); }

export function used(b: usize): u32 { return usedOf(b); }
export function usedStatic(b: usize): u32 { return usedStaticOf(b); }
export function has(b: usize, k: u32): bool { return testBit(b, k); }

// ---- single operations ----

export function take(b: usize, k: u32): bool { return setBit(b, k); }
export function release(b: usize, k: u32): bool { return clearBit(b, k); }
export function takeNext(b: usize): i32 { return takeNextImpl(b); }
export function takeUpperFrom(b: usize, start: u32): i32 { return takeUpperImpl(b, start); }
export function takeLowerFrom(b: usize, start: u32): i32 { return takeLowerImpl(b, start); }
export function takeUpperRank(b: usize, rank: u32): i32 { return takeUpperRankImpl(b, rank); }
export function takeLowerRank(b: usize, rank: u32): i32 { return takeLowerRankImpl(b, rank); }
export function freeUpper(b: usize): u32 { return sizeOf(b) - load<u32>(b + H_BAND) - (usedOf(b) - usedStaticOf(b)); }
export function freeLower(b: usize): u32 { return load<u32>(b + H_BAND) - usedStaticOf(b); }

// ---- batches (through the scratch block) ----

export function takeMany(b: usize, count: u32, out: usize): void { takeManyImpl(b, count, out); }

// Releases the u32 offsets at [input, input + 4*count); returns how many were allocated.
export function releaseMany(b: usize, input: usize, count: u32): u32 {
  let released: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (clearBit(b, load<u32>(input + (<usize>i << 2)))) released++;
  }
  return released;
}

// Writes up to max allocated offsets >= from, ascending, to out; returns how many.
export function exportOffsets(b: usize, from: u32, out: usize, max: u32): u32 {
  const size = sizeOf(b);
  if (from >= size || max == 0) return 0;
  const level0 = levelPtr(b, 0);
  const lastWord = (size - 1) >>> 6;
  let written: u32 = 0;
  let wordIndex = from >>> 6;
  let word = load<u64>(level0 + (<usize>wordIndex << 3)) & (~(<u64>0) << (<u64>from & 63));
  while (true) {
    if (wordIndex == lastWord && (size & 63) != 0) word &= (<u64>1 << <u64>(size & 63)) - 1;
    while (word != 0) {
      store<u32>(out + (<usize>written << 2), (wordIndex << 6) + <u32>ctz(word));
      written++;
      if (written == max) return written;
      word &= word - 1;
    }
    if (wordIndex == lastWord) return written;
    wordIndex++;
    word = load<u64>(level0 + (<usize>wordIndex << 3));
  }
}

// ---- snapshots ----

export function snapshotBytesNeeded(b: usize): u32 { return (sizeOf(b) + 7) >>> 3; }
export function snapshotWrite(b: usize, out: usize): u32 { return exportBigEndian(b, out); }
export function snapshotRead(b: usize, data: usize, length: u32): i32 { return importBigEndian(b, data, length); }

// ---- sparse ranges (assembly/sparse/): 64-bit offsets cross as (low u32, high u32) pairs and
// come back through the result register at sparseResultPtr(s) ----

@inline function u64Of(low: u32, high: u32): u64 { return (<u64>high << 32) | <u64>low; }

export function sparseCreate(sizeLow: u32, sizeHigh: u32, band: u32, strategy: u32, seedLow: u32, seedHigh: u32, drawModel: u32): usize {
  const s = heap.alloc(SPARSE_HEADER_BYTES);
  memory.fill(s, 0, SPARSE_HEADER_BYTES);
  store<u64>(s + S_SIZE, u64Of(sizeLow, sizeHigh));
  store<u32>(s + S_BAND, band);
  store<u32>(s + S_STRATEGY, strategy);
  store<u32>(s + S_DRAW_MODEL, drawModel);
  store<u64>(s + S_RNG, u64Of(seedLow, seedHigh));
  sparseInit(s);
  return s;
}

export function sparseDestroy(s: usize): void {
  sparseFreeTables(s);
  heap.free(s);
}

export function sparseResultPtr(s: usize): usize { return s + S_RESULT; }
export function sparseUsed(s: usize): u32 { return sparseUsedOf(s); }
export function sparseUsedStatic(s: usize): u32 { return sparseUsedStaticOf(s); }
export function sparseFootprint(s: usize): u32 { return <u32>sparseBytes(s); }
export function sparseHas(s: usize, low: u32, high: u32): bool { return sparseTest(s, u64Of(low, high)); }
export function sparseTake(s: usize, low: u32, high: u32): bool { return sparseSet(s, u64Of(low, high)); }
export function sparseRelease(s: usize, low: u32, high: u32): bool { return sparseClear(s, u64Of(low, high)); }
export function sparseTakeNext(s: usize): i32 { return sparseTakeNextImpl(s); }
export function sparseTakeUpperFrom(s: usize, low: u32, high: u32): i32 { return sparseTakeUpperImpl(s, u64Of(low, high)); }
export function sparseTakeLowerFrom(s: usize, start: u32): i32 { return sparseTakeLowerImpl(s, start); }
export function sparseTakeLowerRank(s: usize, rank: u32): i32 { return sparseTakeLowerRankImpl(s, rank); }
// Maps a caller's raw 64-bit draw to an upper-band start as the IPAddress allocator does (result register).
export function sparseWideStart(s: usize, low: u32, high: u32): void { store<u64>(s + S_RESULT, upstreamWideStart(s, u64Of(low, high))); }

// count dynamic allocations written to out as u64 pairs; the caller checked there is room.
export function sparseTakeMany(s: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    sparseTakeNextImpl(s);
    store<u64>(out + (<usize>i << 3), load<u64>(s + S_RESULT));
  }
}

// Marks count consecutive offsets from start allocated (restore of one run), no JS call per offset.
export function sparseTakeRun(s: usize, startLow: u32, startHigh: u32, count: u32): void {
  const start = u64Of(startLow, startHigh);
  for (let i: u32 = 0; i < count; i++) sparseSet(s, start + <u64>i);
}

// Writes every allocated offset, ascending, as u64s to out (room for sparseUsed(s)); returns the count.
export function sparseSortedOffsets(s: usize, out: usize): u32 { return exportSortedOffsets(s, out); }

// Forgets every allocation (restore rebuilds from scratch after validating its input).
export function sparseReset(s: usize): void {
  sparseFreeTables(s);
  sparseInit(s);
  store<u32>(s + S_USED, 0);
  store<u32>(s + S_USED_STATIC, 0);
}
