// The built-in PRNG: SplitMix64 (Steele, Lea, Flood 2014), chosen because its state is one u64,
// it is fully specified by integer arithmetic (identical on every wasm engine) and it is easy to
// reimplement in any language to reproduce a seeded run. The README documents it.
import { H_RNG } from './layout';

export function nextU64(b: usize): u64 {
  const state = load<u64>(b + H_RNG) + 0x9E3779B97F4A7C15;
  store<u64>(b + H_RNG, state);
  let z = state;
  z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >>> 27)) * 0x94D049BB133111EB;
  return z ^ (z >>> 31);
}

// Draws in [0, n) for 0 < n < 2^32 use Lemire's multiply-shift (no division on the hot path):
// x = high 32 bits of the output, m = x * n; m's low half below (2^32 mod n) is redrawn, so every
// result is equally likely; the result is m's high half. The threshold is cached per band.
export function threshold32(n: u32): u32 {
  return n == 0 ? 0 : (0 - n) % n;
}

export function randomBelow32(b: usize, n: u32, threshold: u32): u32 {
  while (true) {
    const m = (nextU64(b) >>> 32) * <u64>n;
    if (<u32>m >= threshold) return <u32>(m >>> 32);
  }
}

// Draws over n >= 2^32 (huge IPv6 ranges): outputs below 2^64 mod n are redrawn, then x mod n.
export function randomBelow64(b: usize, n: u64): u64 {
  const threshold = (0 - n) % n;
  while (true) {
    const x = nextU64(b);
    if (x >= threshold) return x % n;
  }
}
