// Choices the API server leaves to Go's randomised map iteration — which family of a dual-stack
// Service is allocated first, which ServiceCIDR a dynamic allocation tries first — drawn from a
// seeded SplitMix64 stream of their own, so a seed reproduces them and the per-range draws (the
// ones `randomInt` replays) are left exactly as upstream consumes them.

const MASK64 = (1n << 64n) - 1n;

export interface OrderSource {
  /** A uniform index in [0, n); n <= 1 consumes nothing. */
  pick(n: number): number;
}

export function createOrderSource(seed: bigint): OrderSource {
  let state = BigInt.asUintN(64, seed ^ 0x6a09e667f3bcc908n);
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
  return {
    pick(n: number): number {
      if (n <= 1) return 0;
      const bound = BigInt(n);
      const threshold = (1n << 64n) % bound;
      for (;;) {
        const x = next();
        if (x >= threshold) return Number(x % bound);
      }
    },
  };
}

/** The items in a random order (Fisher–Yates over the stream); one or no item draws nothing. */
export function shuffled<T>(items: readonly T[], order: OrderSource): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = order.pick(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
