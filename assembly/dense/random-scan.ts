// random-scan on a dense range with the built-in generator: the simulations' hot path, both as a
// batch (takeMany) and as single calls (takeNext). Same draws and offsets as the general code in
// allocate.ts — the replay test holds them to the recorded ones — but written for the common case:
// the generator state and counts in locals, the start's own level-0 word handled inline, and
// everything rare (a full start word, a full upper band) out of line so the hot code keeps its
// registers.
import {
  H_RESULT, H_RNG, H_USED, H_USED_STATIC, H_THRESHOLD_LOWER, H_THRESHOLD_UPPER, bandOf, sizeOf, usedOf, usedStaticOf,
} from '../header';
import { lemireStep, splitMixOutput } from '../random';
import { denseFindFree, denseSetKnown } from './bitmap';
import { level0Of } from './layout';

const GOLDEN: u64 = 0x9E3779B97F4A7C15;
const ALL_ONES: u64 = ~(<u64>0);

// Takes the first free offset at or after p in the upper band [band, size), which has one.
@inline function takeUpperFrom(h: usize, level0: usize, band: u32, p: u32): u32 {
  const addr = level0 + (<usize>(p >>> 6) << 3);
  const word = load<u64>(addr);
  const free = ~word & (ALL_ONES << (<u64>p & 63));
  if (free == 0) return takeFirstFreeWrapping(h, p, <u32>sizeOf(h), band);
  // Padding bits are 1, so a hit in the start's word is always below size.
  const k = (p & ~63) + <u32>ctz(free);
  denseSetKnown(h, k, addr, word);
  return k;
}

// Takes the first free offset at or after `from` below `end`, else the first at or after `wrapTo`
// (the caller knows [wrapTo, end) has one). NONE is above every end, so "none at all" and "past
// the band" are one test.
function takeFirstFreeWrapping(h: usize, from: u32, end: u32, wrapTo: u32): u32 {
  let k = denseFindFree(h, from);
  if (k >= end) k = denseFindFree(h, wrapTo);
  const at = level0Of(h) + (<usize>(k >>> 6) << 3);
  denseSetKnown(h, k, at, load<u64>(at));
  return k;
}

// The upper band is full: the static band's draw and scan (the generator state in the header),
// first free at or after the drawn start, wrapping to 0 (the band has one). Counts are the caller's.
function takeInStaticBand(h: usize, band: u32, threshold: u32): u32 {
  let state = load<u64>(h + H_RNG);
  let n: u64;
  do {
    state += GOLDEN;
    n = lemireStep(splitMixOutput(state), band);
  } while (<u32>n < threshold);
  store<u64>(h + H_RNG, state);
  return takeFirstFreeWrapping(h, <u32>(n >>> 32), band, 0);
}

// count allocations to out (u32 each); the caller checked that count offsets are free.
export function denseBatchRandomScan(h: usize, count: u32, out: usize): void {
  const size = <u32>sizeOf(h);
  const band = bandOf(h);
  const upper = size - band;
  const thresholdUpper = load<u32>(h + H_THRESHOLD_UPPER);
  const thresholdLower = load<u32>(h + H_THRESHOLD_LOWER);
  const level0 = level0Of(h);
  let state = load<u64>(h + H_RNG);
  let used = usedOf(h);
  let usedStatic = usedStaticOf(h);
  for (let i: u32 = 0; i < count; i++) {
    // The upper-band draw is paid even when that band is full, as Kubernetes does.
    let m: u64;
    do {
      state += GOLDEN;
      m = lemireStep(splitMixOutput(state), upper);
    } while (<u32>m < thresholdUpper);
    let k: u32;
    if (used - usedStatic < upper) {
      k = takeUpperFrom(h, level0, band, band + <u32>(m >>> 32));
    } else {
      store<u64>(h + H_RNG, state);
      k = takeInStaticBand(h, band, thresholdLower);
      state = load<u64>(h + H_RNG);
      usedStatic++;
    }
    used++;
    store<u32>(out + (<usize>i << 2), k);
  }
  store<u64>(h + H_RNG, state);
  store<u32>(h + H_USED, used);
  store<u32>(h + H_USED_STATIC, usedStatic);
}

// One allocation into the result slot; the caller checked that the range is not full. The batch
// loop's body for a count of one, without the loop's set-up: this is what single calls pay.
export function denseTakeNextRandomScan(h: usize): void {
  const band = bandOf(h);
  const upper = <u32>sizeOf(h) - band;
  const threshold = load<u32>(h + H_THRESHOLD_UPPER);
  let state = load<u64>(h + H_RNG);
  let m: u64;
  do {
    state += GOLDEN;
    m = lemireStep(splitMixOutput(state), upper);
  } while (<u32>m < threshold);
  store<u64>(h + H_RNG, state);
  const used = usedOf(h);
  let k: u32;
  if (used - usedStaticOf(h) < upper) {
    k = takeUpperFrom(h, level0Of(h), band, band + <u32>(m >>> 32));
  } else {
    k = takeInStaticBand(h, band, load<u32>(h + H_THRESHOLD_LOWER));
    store<u32>(h + H_USED_STATIC, usedStaticOf(h) + 1);
  }
  store<u32>(h + H_USED, used + 1);
  store<u64>(h + H_RESULT, <u64>k);
}
