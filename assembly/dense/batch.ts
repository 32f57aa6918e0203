// The batch fill of a dense range with random-scan and the built-in generator — the simulations'
// hot loop. Same draws and same offsets as that many takeNext calls, but the generator state and
// the counts live in locals for the whole batch and are written back once.
import {
  H_RNG, H_USED, H_USED_STATIC, H_THRESHOLD_LOWER, H_THRESHOLD_UPPER, bandOf, sizeOf, usedOf, usedStaticOf,
} from '../header';
import { lemireStep, splitMixOutput } from '../random';
import { denseFindFree, denseSetKnown, NONE } from './bitmap';
import { level0Of } from './layout';

const GOLDEN: u64 = 0x9E3779B97F4A7C15;
const ALL_ONES: u64 = ~(<u64>0);

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
    let m: u64;
    do {
      state += GOLDEN;
      m = lemireStep(splitMixOutput(state), upper);
    } while (<u32>m < thresholdUpper);
    let k: u32;
    if (used - usedStatic < upper) {
      const p = band + <u32>(m >>> 32);
      const addr = level0 + (<usize>(p >>> 6) << 3);
      const word = load<u64>(addr);
      const free = ~word & (ALL_ONES << (<u64>p & 63));
      if (free != 0) {
        // Padding bits are 1, so a hit in the start's word is always below size.
        k = (p & ~63) + <u32>ctz(free);
        denseSetKnown(h, k, addr, word);
      } else {
        k = denseFindFree(h, p);
        if (k == NONE) k = denseFindFree(h, band); // the band is not full: wraps to below p
        const at = level0 + (<usize>(k >>> 6) << 3);
        denseSetKnown(h, k, at, load<u64>(at));
      }
    } else {
      let n: u64;
      do {
        state += GOLDEN;
        n = lemireStep(splitMixOutput(state), band);
      } while (<u32>n < thresholdLower);
      k = denseFindFree(h, <u32>(n >>> 32));
      if (k >= band) k = denseFindFree(h, 0);
      const at = level0 + (<usize>(k >>> 6) << 3);
      denseSetKnown(h, k, at, load<u64>(at));
      usedStatic++;
    }
    used++;
    store<u32>(out + (<usize>i << 2), k);
  }
  store<u64>(h + H_RNG, state);
  store<u32>(h + H_USED, used);
  store<u32>(h + H_USED_STATIC, usedStatic);
}
