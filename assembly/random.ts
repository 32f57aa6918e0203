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

// Outputs below this value are redrawn so that every residue mod n is hit equally often.
export function rejectionThreshold(n: u64): u64 {
  return n == 0 ? 0 : (0 - n) % n;
}

// Uniform integer in [0, n), n > 0, given threshold = rejectionThreshold(n) (cached per band,
// since a division costs more than the rest of the draw).
export function randomBelow(b: usize, n: u64, threshold: u64): u64 {
  while (true) {
    const x = nextU64(b);
    if (x >= threshold) return x % n;
  }
}
