// Dynamic allocation for sparse ranges: the same band order and strategies as allocate.ts, with
// 64-bit offsets. Results go to the S_RESULT register; functions return 1 (taken) or 0 (full).
import {
  S_RESULT, sparseSize, sparseBand, sparseUsedOf, sparseUsedStaticOf, sparseSet, sparseTest,
  sparseFindFreeInBand,
} from './sparse-map';
import { randomBelow32, randomBelow64, threshold32 } from '../random';
import { STRATEGY_SEQUENTIAL_ID, STRATEGY_UNIFORM_ID } from '../layout';

@inline function strategyOf(s: usize): u32 { return load<u32>(s + 12); }
@inline function upperSize(s: usize): u64 { return sparseSize(s) - <u64>sparseBand(s); }
@inline function upperFull(s: usize): bool {
  return <u64>(sparseUsedOf(s) - sparseUsedStaticOf(s)) >= upperSize(s);
}
@inline function lowerFull(s: usize): bool { return sparseUsedStaticOf(s) >= sparseBand(s); }

@inline function taken(s: usize, k: u64): i32 {
  // Scans return the band's end when it is full; the counts said it is not, but never set past it.
  if (k >= sparseSize(s)) return 0;
  sparseSet(s, k);
  store<u64>(s + S_RESULT, k);
  return 1;
}

export function drawUpper(s: usize): u64 {
  const n = upperSize(s);
  return n < (<u64>1 << 32) ? <u64>randomBelow32(s, <u32>n, threshold32(<u32>n)) : randomBelow64(s, n);
}

export function drawLower(s: usize): u32 {
  const band = sparseBand(s);
  return randomBelow32(s, band, threshold32(band));
}

export function sparseTakeUpperFrom(s: usize, start: u64): i32 {
  if (upperFull(s)) return 0;
  const band = <u64>sparseBand(s);
  return taken(s, sparseFindFreeInBand(s, band, sparseSize(s), band + start));
}

export function sparseTakeLowerFrom(s: usize, start: u32): i32 {
  if (lowerFull(s)) return 0;
  return taken(s, sparseFindFreeInBand(s, 0, <u64>sparseBand(s), <u64>start));
}

// Uniform over a band by rejection: draws over the whole band until one names a free offset, which
// is exactly uniform among the free ones. Sparse upper bands are never close to full (each
// allocation costs memory), so the expected number of draws is ~1; the static band (<= 256
// offsets) is scanned by rank instead, since it can be nearly full.
function takeUniform(s: usize): i32 {
  if (!upperFull(s)) {
    const band = <u64>sparseBand(s);
    while (true) {
      const k = band + drawUpper(s);
      if (!sparseTest(s, k)) return taken(s, k);
    }
  }
  const free = sparseBand(s) - sparseUsedStaticOf(s);
  return sparseTakeLowerRank(s, randomBelow32(s, free, threshold32(free)));
}

// Takes the static band's free offset of the given rank (rank < its free count); 0 when full.
export function sparseTakeLowerRank(s: usize, rank: u32): i32 {
  if (lowerFull(s)) return 0;
  const band = sparseBand(s);
  for (let k: u32 = 0; k < band; k++) {
    if (sparseTest(s, <u64>k)) continue;
    if (rank == 0) return taken(s, <u64>k);
    rank--;
  }
  return 0;
}

export function sparseTakeNext(s: usize): i32 {
  if (<u64>sparseUsedOf(s) >= sparseSize(s)) return 0;
  const strategy = strategyOf(s);
  if (strategy == STRATEGY_UNIFORM_ID) return takeUniform(s);
  if (strategy == STRATEGY_SEQUENTIAL_ID) {
    return sparseTakeUpperFrom(s, 0) != 0 ? 1 : sparseTakeLowerFrom(s, 0);
  }
  if (sparseTakeUpperFrom(s, drawUpper(s)) != 0) return 1;
  return sparseTakeLowerFrom(s, drawLower(s));
}
