// Dynamic allocation in band order: the upper (dynamic) band first, then the static band. The
// strategy only decides where inside a band the address comes from.
import {
  sizeOf, bandOf, usedOf, usedStaticOf, strategyOf, levelPtr, H_THRESHOLD_UPPER, H_THRESHOLD_LOWER, H_DRAW_MODEL,
  STRATEGY_RANDOM_SCAN_ID, STRATEGY_SEQUENTIAL_ID, DRAW_MODEL_IPADDRESS,
} from './layout';
import { setBit, setKnownFreeBit, findFreeInBand } from './bitmap';
import { randomBelow32, threshold32 } from './random';
import { selectFree } from './select';

// random-scan: Kubernetes (random start, first free at or after it); sequential: lowest free first
// (Kubernetes' contiguous strategy); uniform: exactly uniform among the band's free offsets.
const STRATEGY_RANDOM_SCAN = STRATEGY_RANDOM_SCAN_ID;
const STRATEGY_SEQUENTIAL = STRATEGY_SEQUENTIAL_ID;

@inline function upperFree(b: usize): u32 { return sizeOf(b) - bandOf(b) - (usedOf(b) - usedStaticOf(b)); }
@inline function lowerFree(b: usize): u32 { return bandOf(b) - usedStaticOf(b); }

// Takes the first free offset of the upper band at or after bandOffset + start (wrapping inside
// the band). Returns it, or -1 when the upper band is full. start must be < size - bandOffset.
export function takeUpperFrom(b: usize, start: u32): i32 {
  if (upperFree(b) == 0) return -1;
  const band = bandOf(b);
  const size = sizeOf(b);
  const p = band + start;
  // Fast path: a free offset in the start's own word, at or after the start. Padding bits are 1,
  // so a hit is always < size.
  const addr = levelPtr(b, 0) + (<usize>(p >>> 6) << 3);
  const word = load<u64>(addr);
  const free = ~word & (~(<u64>0) << (<u64>p & 63));
  if (free != 0) {
    const k = (p & ~63) + <u32>ctz(free);
    setKnownFreeBit(b, k, addr, word);
    return <i32>k;
  }
  const found = findFreeInBand(b, band, size, p);
  setBit(b, <u32>found);
  return found;
}

// Same for the static band [0, bandOffset). start must be < bandOffset.
export function takeLowerFrom(b: usize, start: u32): i32 {
  if (lowerFree(b) == 0) return -1;
  const found = findFreeInBand(b, 0, bandOf(b), start);
  setBit(b, <u32>found);
  return found;
}

// Takes the free offset of rank `rank` among the upper band's free offsets, or -1 if it is full.
export function takeUpperRank(b: usize, rank: u32): i32 {
  if (upperFree(b) == 0) return -1;
  // Free offsets below the upper band are exactly the static band's free ones.
  const found = selectFree(b, lowerFree(b) + rank);
  setBit(b, found);
  return <i32>found;
}

export function takeLowerRank(b: usize, rank: u32): i32 {
  if (lowerFree(b) == 0) return -1;
  const found = selectFree(b, rank);
  setBit(b, found);
  return <i32>found;
}

// One dynamic allocation with the allocator's own strategy and PRNG; -1 when the range is full.
// random-scan pays its upper-band draw even when that band is full. On a full range the bitmap
// draw model draws nothing (the legacy allocator checks its count first); the IPAddress model
// draws the upper start, and the static-band start when there is a band, before giving up.
// 'uniform' draws over the free offsets of the band it takes from.
export function takeNext(b: usize): i32 {
  const size = sizeOf(b);
  const band = bandOf(b);
  const strategy = strategyOf(b);
  if (usedOf(b) >= size) {
    if (strategy == STRATEGY_RANDOM_SCAN && load<u32>(b + H_DRAW_MODEL) == DRAW_MODEL_IPADDRESS) {
      randomBelow32(b, size - band, load<u32>(b + H_THRESHOLD_UPPER));
      if (band > 0) randomBelow32(b, band, load<u32>(b + H_THRESHOLD_LOWER));
    }
    return -1;
  }
  if (strategy == STRATEGY_RANDOM_SCAN) {
    const upper = takeUpperFrom(b, randomBelow32(b, size - band, load<u32>(b + H_THRESHOLD_UPPER)));
    if (upper >= 0) return upper;
    return takeLowerFrom(b, randomBelow32(b, band, load<u32>(b + H_THRESHOLD_LOWER)));
  }
  if (strategy == STRATEGY_SEQUENTIAL) {
    const upper = takeUpperFrom(b, 0);
    return upper >= 0 ? upper : takeLowerFrom(b, 0);
  }
  const freeUpper = upperFree(b);
  if (freeUpper > 0) return takeUpperRank(b, randomBelow32(b, freeUpper, threshold32(freeUpper)));
  const freeLower = lowerFree(b);
  return takeLowerRank(b, randomBelow32(b, freeLower, threshold32(freeLower)));
}

// count dynamic allocations written to out (u32 each). The caller has checked that at least
// count offsets are free, so this never stops part way.
export function takeMany(b: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(out + (<usize>i << 2), <u32>takeNext(b));
  }
}
