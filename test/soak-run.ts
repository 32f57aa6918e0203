// The long reference-model run: mixed operations on seeded allocators (the kernel's own generator,
// so the hot paths run), each answer compared with the reference model drawing from the BigInt
// SplitMix64 reimplementation. Episodes cover dense and sparse stores, every strategy, and
// interleave snapshot/restore, fromSnapshot and dispose. Used by test/soak.test.ts (short) and
// scripts/soak.ts (`npm run soak`, 10,000,000 operations by default).
import { ClusterIPAllocator, type Strategy } from '../src/index.js';
import { forceStoreKind, type StoreKind } from '../src/offset-store.js';
import { ReferenceAllocator, modelBandOffset } from './reference-model.js';
import { outcome, splitMix64RandomInt } from './helpers.js';

export interface SoakReport { operations: number; episodes: number; failures: number; firstFailure?: string }

const RANGES = [
  { cidr: '10.96.0.0/28', cidrSize: 16n, usable: 14 },
  { cidr: '10.96.0.0/27', cidrSize: 32n, usable: 30 },
  { cidr: '10.96.0.0/24', cidrSize: 256n, usable: 254 },
  { cidr: '10.96.0.0/22', cidrSize: 1024n, usable: 1022 },
  { cidr: 'fd00:10:96::/120', cidrSize: 256n, usable: 255 },
];
const STRATEGIES: Strategy[] = ['random-scan', 'sequential', 'uniform'];
const KINDS: StoreKind[] = ['dense', 'sparse'];

// A small xorshift for choosing operations (independent of the allocators' generators).
function chooser(seed: number) {
  let x = (seed >>> 0) || 1;
  return (n: number) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs `operations` mixed operations in episodes of `perEpisode`; stops at the first disagreement. */
export function runSoak(operations: number, seed = 1, perEpisode = 20_000, onEpisode?: (done: number) => void): SoakReport {
  const pick = chooser(seed);
  let done = 0;
  let episodes = 0;
  while (done < operations) {
    const range = RANGES[pick(RANGES.length)];
    const strategy = STRATEGIES[pick(STRATEGIES.length)];
    const kind = KINDS[pick(KINDS.length)];
    const allocatorSeed = BigInt(seed) * 1_000_003n + BigInt(episodes);
    const count = Math.min(perEpisode, operations - done);
    const failure = runEpisode(range, strategy, kind, allocatorSeed, count, pick);
    done += count;
    episodes++;
    onEpisode?.(done);
    if (failure) return { operations: done, episodes, failures: 1, firstFailure: `${range.cidr} ${strategy} ${kind} seed ${allocatorSeed}: ${failure}` };
  }
  return { operations: done, episodes, failures: 0 };
}

function runEpisode(
  range: (typeof RANGES)[number], strategy: Strategy, kind: StoreKind, seed: bigint, count: number, pick: (n: number) => number,
): string | undefined {
  const { cidr, usable } = range;
  let model = new ReferenceAllocator(usable, modelBandOffset(range.cidrSize), splitMix64RandomInt(seed), strategy);
  forceStoreKind(kind);
  let real: ClusterIPAllocator;
  try {
    real = new ClusterIPAllocator(cidr, { seed, strategy });
  } finally {
    forceStoreKind(undefined);
  }
  const taken: number[] = [];
  const fail = (what: string, got: unknown, want: unknown) => `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  try {
    for (let i = 0; i < count; i++) {
      const roll = pick(100);
      if (roll < 35) {
        const got = outcome(() => real.allocateNextOffset());
        const k = model.next();
        const want = typeof k === 'number' ? { value: k } : { error: k };
        if (got.value !== want.value || got.error !== want.error) return fail(`op ${i} allocateNextOffset`, got, want);
        if (typeof k === 'number') taken.push(k);
      } else if (roll < 50) {
        const k = pick(usable + 2) - 1;
        const got = outcome(() => real.allocateOffset(k));
        const err = model.allocateOffset(k);
        if ((got.error ?? null) !== err) return fail(`op ${i} allocateOffset(${k})`, got.error, err);
        if (err === null) taken.push(k);
      } else if (roll < 70) {
        const k = taken.length > 0 && pick(2) === 0 ? taken.splice(pick(taken.length), 1)[0] : pick(usable);
        const got = real.releaseOffset(k);
        const want = model.release(k);
        if (got !== want) return fail(`op ${i} releaseOffset(${k})`, got, want);
      } else if (roll < 80) {
        const k = pick(usable);
        if (real.has(real.ipAt(k)) !== model.has(k)) return fail(`op ${i} has(ipAt(${k}))`, !model.has(k), model.has(k));
      } else if (roll < 90) {
        const got = outcome(() => real.allocateNext());
        const k = model.next();
        const want = typeof k === 'number' ? { value: real.ipAt(k) } : { error: k };
        if (got.value !== want.value || got.error !== want.error) return fail(`op ${i} allocateNext`, got, want);
        if (typeof k === 'number') taken.push(k);
      } else if (roll < 97) {
        const n = pick(12);
        const out = new Uint32Array(n);
        const got = outcome(() => real.allocateManyOffsets(out));
        const want = n > usable - model.used ? { error: 'ERR_FULL' } : { value: Array.from({ length: n }, () => model.next() as number) };
        const gotOffsets = got.error === undefined ? Array.from(out) : undefined;
        if (got.error !== want.error || JSON.stringify(gotOffsets) !== JSON.stringify(want.value)) return fail(`op ${i} allocateManyOffsets(${n})`, got.error ?? gotOffsets, want);
        if (want.value) taken.push(...want.value);
      } else if (roll < 99) {
        const snapshot = real.snapshot();
        if (!sameBytes(snapshot.data, model.snapshotBytes())) return fail(`op ${i} snapshot bytes`, Array.from(snapshot.data), Array.from(model.snapshotBytes()));
        real.restore(snapshot);
      } else {
        // Dispose and continue on a fresh allocator restored from the snapshot; its generator
        // starts over, so the model's does too.
        const snapshot = real.snapshot();
        real.dispose();
        forceStoreKind(kind);
        try {
          real = ClusterIPAllocator.fromSnapshot(snapshot, { seed: seed + BigInt(i), strategy });
        } finally {
          forceStoreKind(undefined);
        }
        const fresh = new ReferenceAllocator(usable, model.band, splitMix64RandomInt(seed + BigInt(i)), strategy);
        for (const k of model.offsets()) fresh.allocateOffset(k);
        model = fresh;
      }
      if (real.used !== model.used) return fail(`op ${i} used`, real.used, model.used);
    }
    const offsets = [...real].map((ip) => real.offsetOf(ip));
    if (JSON.stringify(offsets) !== JSON.stringify(model.offsets())) return fail('final offsets', offsets, model.offsets());
    return undefined;
  } finally {
    real.dispose();
  }
}
