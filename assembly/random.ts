// Draws. Built in: SplitMix64 (Steele, Lea, Flood 2014), chosen because its state is one u64, it
// is fully specified by integer arithmetic (identical on every wasm engine) and easy to
// reimplement anywhere to reproduce a seeded run; the README documents it. External: the caller's
// randomInt(n), imported from JavaScript, for allocators created with FLAG_EXTERNAL_DRAWS — so the
// band and strategy logic that consumes draws exists once, here in the kernel, for both sources.
import { H_RNG, externalDraws, threshold32 } from './header';

// randomInt(n) for 0 < n < 2^64; validated on the JavaScript side (throws on a broken contract).
@external("clusterip", "drawBelow")
declare function externalDrawBelow(n: u64): u64;
// randomInt(2^64): Go's rand.Uint64(), which the IPAddress allocator uses for a /64's upper band.
@external("clusterip", "drawU64")
declare function externalDrawU64(): u64;

const GOLDEN: u64 = 0x9E3779B97F4A7C15;

@inline export function splitMixOutput(state: u64): u64 {
  let z = state;
  z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >>> 27)) * 0x94D049BB133111EB;
  return z ^ (z >>> 31);
}

export function nextU64(h: usize): u64 {
  const state = load<u64>(h + H_RNG) + GOLDEN;
  store<u64>(h + H_RNG, state);
  return splitMixOutput(state);
}

// Draws in [0, n) for 0 < n < 2^32 use Lemire's multiply-shift (no division on the hot path):
// x = high 32 bits of the output, m = x * n; m's low half below (2^32 mod n) is redrawn, so every
// result is equally likely; the result is m's high half.
@inline export function lemireStep(output: u64, n: u32): u64 {
  return (output >>> 32) * <u64>n;
}

export function randomBelow32(h: usize, n: u32, threshold: u32): u32 {
  if (externalDraws(h)) return <u32>externalDrawBelow(<u64>n);
  while (true) {
    const m = lemireStep(nextU64(h), n);
    if (<u32>m >= threshold) return <u32>(m >>> 32);
  }
}

// Any n in [1, 2^64): 32-bit draws as above; larger ones redraw outputs below 2^64 mod n.
export function randomBelow(h: usize, n: u64): u64 {
  if (n < (<u64>1 << 32)) return <u64>randomBelow32(h, <u32>n, threshold32(<u32>n));
  if (externalDraws(h)) return externalDrawBelow(n);
  const threshold = (0 - n) % n;
  while (true) {
    const x = nextU64(h);
    if (x >= threshold) return x % n;
  }
}

// A raw 64-bit draw.
export function randomU64(h: usize): u64 {
  return externalDraws(h) ? externalDrawU64() : nextU64(h);
}
