// The header every allocator block starts with, whichever representation follows it (dense/ or
// sparse/). Everything above the representation — band order, strategies, draws, counts, the
// result slot — reads only this prefix, so it is written once (allocate.ts).
//
// Offsets are u64 throughout the shared code; the dense representation narrows them to u32.

// Representations (H_KIND).
export const KIND_DENSE: u32 = 0;
export const KIND_SPARSE: u32 = 1;

// Strategies (H_STRATEGY). The TypeScript side reads these through the kernel's exports.
export const STRATEGY_RANDOM_SCAN: u32 = 0; // Kubernetes: random start, first free at or after it
export const STRATEGY_SEQUENTIAL: u32 = 1; // lowest free first (Kubernetes' contiguous strategy)
export const STRATEGY_UNIFORM: u32 = 2; // exactly uniform among the band's free offsets

// Draw models (H_DRAW_MODEL): the legacy bitmap allocator checks for a full range before drawing;
// the 1.33+ IPAddress allocator draws its start(s) first and finds out by scanning, and draws a
// raw 64-bit start for an upper band of 2^63 - 1 offsets or more.
export const DRAW_BITMAP: u32 = 0;
export const DRAW_IPADDRESS: u32 = 1;

// Flags (H_FLAGS).
export const FLAG_EXTERNAL_DRAWS: u32 = 1; // draws come from the caller's randomInt (random.ts)

// Field offsets (bytes).
export const H_KIND: usize = 0;           // u32
export const H_STRATEGY: usize = 4;       // u32
export const H_DRAW_MODEL: usize = 8;     // u32
export const H_FLAGS: usize = 12;         // u32
export const H_SIZE: usize = 16;          // u64 usable offsets
export const H_BAND: usize = 24;          // u32 static band size (bandOffset)
export const H_USED: usize = 28;          // u32 allocated offsets
export const H_USED_STATIC: usize = 32;   // u32 allocated offsets below the band
export const H_PROGRESS: usize = 36;      // u32 steps a batch or trace has applied (undo after a throwing draw)
export const H_RNG: usize = 40;           // u64 SplitMix64 state
export const H_RESULT: usize = 48;        // u64 result slot: the offset a take just took, or a trace's failure detail
export const H_THRESHOLD_UPPER: usize = 56; // u32 rejection threshold for 32-bit draws over the upper band
export const H_THRESHOLD_LOWER: usize = 60; // u32 same for the static band
export const COMMON_BYTES: usize = 64;

@inline export function kindOf(h: usize): u32 { return load<u32>(h + H_KIND); }
@inline export function strategyOf(h: usize): u32 { return load<u32>(h + H_STRATEGY); }
@inline export function drawModelOf(h: usize): u32 { return load<u32>(h + H_DRAW_MODEL); }
@inline export function externalDraws(h: usize): bool { return (load<u32>(h + H_FLAGS) & FLAG_EXTERNAL_DRAWS) != 0; }
@inline export function sizeOf(h: usize): u64 { return load<u64>(h + H_SIZE); }
@inline export function bandOf(h: usize): u32 { return load<u32>(h + H_BAND); }
@inline export function usedOf(h: usize): u32 { return load<u32>(h + H_USED); }
@inline export function usedStaticOf(h: usize): u32 { return load<u32>(h + H_USED_STATIC); }
@inline export function setResult(h: usize, k: u64): void { store<u64>(h + H_RESULT, k); }

@inline export function upperSizeOf(h: usize): u64 { return sizeOf(h) - <u64>bandOf(h); }
@inline export function upperFreeOf(h: usize): u64 { return upperSizeOf(h) - <u64>(usedOf(h) - usedStaticOf(h)); }
@inline export function lowerFreeOf(h: usize): u32 { return bandOf(h) - usedStaticOf(h); }

// Keeps the shared counts exact on every change; both representations call it.
@inline export function countChange(h: usize, k: u64, delta: i32): void {
  // Debug kernel only (the release build sets noAssert): a count never wraps below zero.
  assert(delta > 0 || load<u32>(h + H_USED) > 0, 'used count would go below zero');
  assert(delta > 0 || k >= <u64>bandOf(h) || load<u32>(h + H_USED_STATIC) > 0, 'static count would go below zero');
  store<u32>(h + H_USED, load<u32>(h + H_USED) + delta);
  if (k < <u64>bandOf(h)) store<u32>(h + H_USED_STATIC, load<u32>(h + H_USED_STATIC) + delta);
}

export function initCommon(h: usize, kind: u32, size: u64, band: u32, strategy: u32, drawModel: u32, flags: u32, seed: u64): void {
  store<u32>(h + H_KIND, kind);
  store<u32>(h + H_STRATEGY, strategy);
  store<u32>(h + H_DRAW_MODEL, drawModel);
  store<u32>(h + H_FLAGS, flags);
  store<u64>(h + H_SIZE, size);
  store<u32>(h + H_BAND, band);
  store<u64>(h + H_RNG, seed);
  const upper = size - <u64>band;
  store<u32>(h + H_THRESHOLD_UPPER, upper < (<u64>1 << 32) ? threshold32(<u32>upper) : 0);
  store<u32>(h + H_THRESHOLD_LOWER, threshold32(band));
}

// (2^32 mod n): outputs whose low half falls below it are redrawn (random.ts).
export function threshold32(n: u32): u32 {
  return n == 0 ? 0 : (0 - n) % n;
}
