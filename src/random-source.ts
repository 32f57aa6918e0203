// Where dynamic allocation gets its random starts: the kernel's seeded SplitMix64 (the default,
// seeded from crypto.getRandomValues when no seed is given) or a caller's `randomInt`.

/**
 * A caller's source of random draws: given n, a bigint in [0, n). The allocator asks it for each
 * dynamic allocation's random start, as Kubernetes asks math/rand.
 */
export type RandomInt = (n: bigint) => bigint;

export interface RandomSource {
  readonly seedLow: number;
  readonly seedHigh: number;
  readonly randomInt: RandomInt | undefined;
}

export function readRandomSource(seed: unknown, randomInt: unknown): RandomSource {
  if (seed !== undefined && randomInt !== undefined) {
    throw new TypeError('pass either options.seed or options.randomInt, not both');
  }
  if (randomInt !== undefined) {
    if (typeof randomInt !== 'function') throw new TypeError('options.randomInt must be a function');
    return { seedLow: 0, seedHigh: 0, randomInt: randomInt as RandomInt };
  }
  let seed64: bigint;
  if (seed === undefined) {
    seed64 = freshSeed();
  } else if (typeof seed === 'bigint') {
    seed64 = BigInt.asUintN(64, seed);
  } else if (typeof seed === 'number' && Number.isSafeInteger(seed)) {
    seed64 = BigInt.asUintN(64, BigInt(seed));
  } else {
    throw new TypeError('options.seed must be a safe integer or a bigint');
  }
  return { seedLow: Number(seed64 & 0xffffffffn), seedHigh: Number(seed64 >> 32n), randomInt: undefined };
}

function freshSeed(): bigint {
  const words = new Uint32Array(2);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (crypto?.getRandomValues) {
    crypto.getRandomValues(words);
  } else {
    words[0] = Math.floor(Math.random() * 2 ** 32);
    words[1] = Math.floor(Math.random() * 2 ** 32);
  }
  return (BigInt(words[1]) << 32n) | BigInt(words[0]);
}
