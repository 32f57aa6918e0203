// Dynamic allocation, the one place band order and strategies live: the upper (dynamic) band
// first, then the static band; the strategy only decides where inside a band the offset comes
// from. Written against store.ts, so it serves both representations and both draw sources.
import {
  H_PROGRESS, H_RESULT, H_THRESHOLD_LOWER, H_THRESHOLD_UPPER, KIND_DENSE, STRATEGY_RANDOM_SCAN, STRATEGY_SEQUENTIAL,
  DRAW_IPADDRESS, bandOf, drawModelOf, externalDraws, kindOf, lowerFreeOf, sizeOf, strategyOf, threshold32,
  upperFreeOf, upperSizeOf, usedOf,
} from './header';
import { randomBelow, randomBelow32, randomU64 } from './random';
import { storeSet, storeTakeInBand, storeTakeRank, storeTest } from './store';
import { denseBatchRandomScan, denseTakeNextRandomScan } from './dense/random-scan';

// Ranges up to this size are dense unless a test forces the sparse representation.
const DENSE_LIMIT: u64 = 1 << 24;

// Go's math.MaxInt64: the IPAddress allocator draws a raw 64-bit start for upper bands this large.
const MAX_INT64: u64 = 0x7FFFFFFFFFFFFFFF;

// The upper-band start for random-scan, drawn as the configured Kubernetes allocator draws it.
function drawUpperStart(h: usize): u64 {
  const n = upperSizeOf(h);
  if (n >= MAX_INT64 && drawModelOf(h) == DRAW_IPADDRESS) return wideStart(h, randomU64(h));
  if (n < (<u64>1 << 32)) return <u64>randomBelow32(h, <u32>n, load<u32>(h + H_THRESHOLD_UPPER));
  return randomBelow(h, n);
}

// The IPAddress allocator's start from a raw 64-bit draw: pulled back by the band size when adding
// the band would overflow, and a start past the last offset wraps to the band's first one.
function wideStart(h: usize, draw: u64): u64 {
  const band = <u64>bandOf(h);
  let x = draw;
  if (~(<u64>0) - x < band) x -= band;
  return x >= upperSizeOf(h) ? 0 : x;
}

@inline function drawLowerStart(h: usize): u32 {
  return randomBelow32(h, bandOf(h), load<u32>(h + H_THRESHOLD_LOWER));
}

// One dynamic allocation into the result slot; false when the range is full. random-scan pays
// its upper-band draw even when that band is full. On a full range the bitmap draw model draws
// nothing (the legacy allocator checks its count first); the IPAddress model draws the upper
// start, and the static-band start when there is a band, before giving up.
export function takeNext(h: usize): bool {
  // The hot case — dense, random-scan, built-in generator — has its own lean path (dense/random-scan.ts).
  if (kindOf(h) == KIND_DENSE && strategyOf(h) == STRATEGY_RANDOM_SCAN && !externalDraws(h) && <u64>usedOf(h) < sizeOf(h)) {
    denseTakeNextRandomScan(h);
    return true;
  }
  return takeNextGeneral(h);
}

function takeNextGeneral(h: usize): bool {
  const size = sizeOf(h);
  const band = <u64>bandOf(h);
  const strategy = strategyOf(h);
  if (<u64>usedOf(h) >= size) {
    if (strategy == STRATEGY_RANDOM_SCAN && drawModelOf(h) == DRAW_IPADDRESS) {
      drawUpperStart(h);
      if (band > 0) drawLowerStart(h);
    }
    return false;
  }
  if (strategy == STRATEGY_RANDOM_SCAN) {
    const start = drawUpperStart(h);
    if (upperFreeOf(h) != 0) return storeTakeInBand(h, band, size, band + start);
    return storeTakeInBand(h, 0, band, <u64>drawLowerStart(h));
  }
  if (strategy == STRATEGY_SEQUENTIAL) {
    if (upperFreeOf(h) != 0) return storeTakeInBand(h, band, size, band);
    return storeTakeInBand(h, 0, band, 0);
  }
  return takeUniform(h);
}

// Exactly uniform among the free offsets of the band in use. Ranges of dense size (whichever
// representation holds them) draw a rank over the band's free count and select it; larger upper
// bands (never close to full: each allocation costs memory) redraw over the whole band until the
// draw names a free offset. The static band is always ranked.
function takeUniform(h: usize): bool {
  const band = <u64>bandOf(h);
  const upperFree = upperFreeOf(h);
  if (upperFree != 0) {
    if (sizeOf(h) <= DENSE_LIMIT) {
      const free = <u32>upperFree;
      return storeTakeRank(h, lowerFreeOf(h) + randomBelow32(h, free, threshold32(free)), sizeOf(h));
    }
    const n = upperSizeOf(h);
    const limit = uniformDrawLimit(n, upperFree);
    for (let draws: u32 = 0; draws < limit; draws++) {
      const k = band + randomBelow(h, n);
      if (!storeTest(h, k)) {
        storeSet(h, k);
        store<u64>(h + H_RESULT, k);
        return true;
      }
    }
    // A caller's randomInt may legally keep naming allocated offsets (always 0n, say): give up
    // with nothing changed. The caller tells this from "full" by the used count.
    return false;
  }
  const free = lowerFreeOf(h);
  return storeTakeRank(h, randomBelow32(h, free, threshold32(free)), band);
}

// Redraws allowed before uniform rejection gives up: 64 times the expected number of draws (band
// size over free offsets), at least 64, at most 2^20. A fair generator fails to find a free offset
// within that with probability about e^-64.
export function uniformDrawLimit(bandSize: u64, free: u64): u32 {
  const expected = (bandSize - 1) / free + 1;
  if (expected >= (<u64>1 << 14)) return 1 << 20;
  return <u32>(expected * 64 + 64);
}

// count dynamic allocations written to out (u32 each for dense, u64 for sparse). The caller has
// checked that count offsets are free, so this stops part way only when uniform rejection gives up
// (returns how many were written) or an external draw throws (H_PROGRESS then says how many were
// written). Either way the caller undoes the written ones.
export function takeMany(h: usize, count: u32, out: usize): u32 {
  if (kindOf(h) == KIND_DENSE && strategyOf(h) == STRATEGY_RANDOM_SCAN && !externalDraws(h)) {
    denseBatchRandomScan(h, count, out);
    return count;
  }
  const wide = kindOf(h) != KIND_DENSE;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(h + H_PROGRESS, i);
    if (!takeNext(h)) return i;
    const k = load<u64>(h + H_RESULT);
    if (wide) store<u64>(out + (<usize>i << 3), k);
    else store<u32>(out + (<usize>i << 2), <u32>k);
  }
  store<u32>(h + H_PROGRESS, count);
  return count;
}
