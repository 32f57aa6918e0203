// Dynamic allocation in band order: the upper (dynamic) band first, then the static band,
// each scanned upward from a start offset with one wrap, exactly as Kubernetes does.
import { sizeOf, bandOf, usedOf, usedStaticOf, strategyOf } from './layout';
import { setBit, findFreeInBand } from './bitmap';
import { randomBelow } from './random';

export const STRATEGY_RANDOM_SCAN: u32 = 0;
export const STRATEGY_SEQUENTIAL: u32 = 1;

// Takes the first free offset of the upper band at or after bandOffset + start (wrapping inside
// the band). Returns it, or -1 when the upper band is full. start must be < size - bandOffset.
export function takeUpperFrom(b: usize, start: u32): i32 {
  const size = sizeOf(b);
  const band = bandOf(b);
  if (usedOf(b) - usedStaticOf(b) >= size - band) return -1;
  const found = findFreeInBand(b, band, size, band + start);
  if (found >= 0) setBit(b, <u32>found);
  return found;
}

// Same for the static band [0, bandOffset). start must be < bandOffset.
export function takeLowerFrom(b: usize, start: u32): i32 {
  const band = bandOf(b);
  if (usedStaticOf(b) >= band) return -1;
  const found = findFreeInBand(b, 0, band, start);
  if (found >= 0) setBit(b, <u32>found);
  return found;
}

// One dynamic allocation with the allocator's own strategy and PRNG; -1 when the range is full.
// Like Kubernetes, a full range draws nothing, and a full upper band still costs its draw.
export function takeNext(b: usize): i32 {
  const size = sizeOf(b);
  if (usedOf(b) >= size) return -1;
  const band = bandOf(b);
  const sequential = strategyOf(b) == STRATEGY_SEQUENTIAL;
  const upperStart = sequential ? 0 : <u32>randomBelow(b, <u64>(size - band));
  const upper = takeUpperFrom(b, upperStart);
  if (upper >= 0) return upper;
  const lowerStart = sequential ? 0 : <u32>randomBelow(b, <u64>band);
  return takeLowerFrom(b, lowerStart);
}

// count dynamic allocations written to out (u32 each). The caller has checked that at least
// count offsets are free, so this never stops part way.
export function takeMany(b: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(out + (<usize>i << 2), <u32>takeNext(b));
  }
}
