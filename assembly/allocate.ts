// Dynamic allocation in band order: the upper (dynamic) band first, then the static band. The
// strategy only decides where inside a band the address comes from.
import {
  sizeOf, bandOf, usedOf, usedStaticOf, strategyOf, H_THRESHOLD_UPPER, H_THRESHOLD_LOWER,
} from './layout';
import { setBit, findFreeInBand } from './bitmap';
import { randomBelow } from './random';
import { selectFree } from './select';

export const STRATEGY_RANDOM_SCAN: u32 = 0; // Kubernetes: random start, first free at or after it
export const STRATEGY_SEQUENTIAL: u32 = 1;  // lowest free first (Kubernetes' contiguous strategy)
export const STRATEGY_UNIFORM: u32 = 2;     // exactly uniform among the band's free offsets

@inline function upperFree(b: usize): u32 { return sizeOf(b) - bandOf(b) - (usedOf(b) - usedStaticOf(b)); }
@inline function lowerFree(b: usize): u32 { return bandOf(b) - usedStaticOf(b); }

// Takes the first free offset of the upper band at or after bandOffset + start (wrapping inside
// the band). Returns it, or -1 when the upper band is full. start must be < size - bandOffset.
export function takeUpperFrom(b: usize, start: u32): i32 {
  if (upperFree(b) == 0) return -1;
  const band = bandOf(b);
  const found = findFreeInBand(b, band, sizeOf(b), band + start);
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
// Like Kubernetes, a full range draws nothing, and random-scan pays its upper-band draw even when
// that band is full. 'uniform' draws over the free offsets of the band it takes from.
export function takeNext(b: usize): i32 {
  const size = sizeOf(b);
  if (usedOf(b) >= size) return -1;
  const band = bandOf(b);
  const strategy = strategyOf(b);
  if (strategy == STRATEGY_RANDOM_SCAN) {
    const upper = takeUpperFrom(b, <u32>randomBelow(b, <u64>(size - band), load<u64>(b + H_THRESHOLD_UPPER)));
    if (upper >= 0) return upper;
    return takeLowerFrom(b, <u32>randomBelow(b, <u64>band, load<u64>(b + H_THRESHOLD_LOWER)));
  }
  if (strategy == STRATEGY_SEQUENTIAL) {
    const upper = takeUpperFrom(b, 0);
    return upper >= 0 ? upper : takeLowerFrom(b, 0);
  }
  const freeUpper = upperFree(b);
  if (freeUpper > 0) return takeUpperRank(b, <u32>randomBelow(b, <u64>freeUpper, rejectionThresholdOf(freeUpper)));
  return takeLowerRank(b, <u32>randomBelow(b, <u64>lowerFree(b), rejectionThresholdOf(lowerFree(b))));
}

@inline function rejectionThresholdOf(n: u32): u64 { return (0 - <u64>n) % <u64>n; }

// count dynamic allocations written to out (u32 each). The caller has checked that at least
// count offsets are free, so this never stops part way.
export function takeMany(b: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(out + (<usize>i << 2), <u32>takeNext(b));
  }
}
