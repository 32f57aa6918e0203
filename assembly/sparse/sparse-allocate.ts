// Dynamic allocation for sparse ranges: the same band order and strategies as allocate.ts, with
// 64-bit offsets. Results go to the S_RESULT register; functions return 1 (taken) or 0 (full).
import {
  S_RESULT, S_DRAW_MODEL, sparseSize, sparseBand, sparseUsedOf, sparseUsedStaticOf, sparseSet, sparseTest,
  sparseFindFreeInBand,
} from './sparse-map';
import { nextU64, randomBelow32, randomBelow64, threshold32 } from '../random';
import { STRATEGY_SEQUENTIAL_ID, STRATEGY_UNIFORM_ID, DRAW_MODEL_IPADDRESS } from '../layout';

// Go's math.MaxInt64: the IPAddress allocator draws a raw 64-bit start for upper bands this large.
const MAX_INT64: u64 = 0x7FFFFFFFFFFFFFFF;

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
  if (n >= MAX_INT64 && load<u32>(s + S_DRAW_MODEL) == DRAW_MODEL_IPADDRESS) return upstreamWideStart(s, nextU64(s));
  return n < (<u64>1 << 32) ? <u64>randomBelow32(s, <u32>n, threshold32(<u32>n)) : randomBelow64(s, n);
}

// The IPAddress allocator's start for an upper band of 2^63 - 1 addresses or more (a /64): a raw
// 64-bit draw, pulled back by the band size when adding it would overflow, and an iterator that
// wraps a start past the last address to the band's first one.
export function upstreamWideStart(s: usize, draw: u64): u64 {
  const band = <u64>sparseBand(s);
  let x = draw;
  if (~(<u64>0) - x < band) x -= band;
  return x >= upperSize(s) ? 0 : x;
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
  const strategy = strategyOf(s);
  if (<u64>sparseUsedOf(s) >= sparseSize(s)) {
    // Same draw consumption on a full range as the dense kernel (allocate.ts takeNext).
    if (strategy != STRATEGY_UNIFORM_ID && strategy != STRATEGY_SEQUENTIAL_ID && load<u32>(s + S_DRAW_MODEL) == DRAW_MODEL_IPADDRESS) {
      drawUpper(s);
      if (sparseBand(s) > 0) drawLower(s);
    }
    return 0;
  }
  if (strategy == STRATEGY_UNIFORM_ID) return takeUniform(s);
  if (strategy == STRATEGY_SEQUENTIAL_ID) {
    return sparseTakeUpperFrom(s, 0) != 0 ? 1 : sparseTakeLowerFrom(s, 0);
  }
  if (sparseTakeUpperFrom(s, drawUpper(s)) != 0) return 1;
  return sparseTakeLowerFrom(s, drawLower(s));
}
