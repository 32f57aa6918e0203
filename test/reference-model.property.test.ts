// Random operation sequences against the reference model: identical results, identical errors,
// identical randomInt calls and identical snapshot bytes, on every range size class.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { ReferenceAllocator, modelBandOffset, type ModelStrategy } from './reference-model.js';
import { addressAt, expectKernelInvariants, outcome } from './helpers.js';

interface RangeCase { cidr: string; network: string; family: 4 | 6; prefix: number; runs: number; strategy: ModelStrategy }

const defaultStrategyRanges: RangeCase[] = [
  { cidr: '10.96.0.0/30', network: '10.96.0.0', family: 4, prefix: 30, runs: 150, strategy: 'random-scan' },
  { cidr: '10.96.0.0/27', network: '10.96.0.0', family: 4, prefix: 27, runs: 150, strategy: 'random-scan' },
  { cidr: '10.96.0.0/24', network: '10.96.0.0', family: 4, prefix: 24, runs: 120, strategy: 'random-scan' },
  { cidr: '10.96.0.0/20', network: '10.96.0.0', family: 4, prefix: 20, runs: 50, strategy: 'random-scan' },
  { cidr: 'fd00:10:96::/116', network: 'fd00:10:96::', family: 6, prefix: 116, runs: 50, strategy: 'random-scan' },
];
// The other strategies on a small and a two-block range (the /19 spans two 4096-bit count blocks).
const otherStrategyRanges: RangeCase[] = (['sequential', 'uniform'] as const).flatMap((strategy) => [
  { cidr: '10.96.0.0/27', network: '10.96.0.0', family: 4 as const, prefix: 27, runs: 100, strategy },
  { cidr: '10.96.0.0/19', network: '10.96.0.0', family: 4 as const, prefix: 19, runs: 12, strategy },
]);
const ranges = [...defaultStrategyRanges, ...otherStrategyRanges];

type Target = { from: 'any'; delta: number } | { from: 'taken'; index: number } | { from: 'other-family' };
type Op =
  | { kind: 'allocate' | 'release' | 'has'; target: Target; upper: boolean }
  | { kind: 'next' }
  | { kind: 'many'; count: number }
  | { kind: 'fill'; leave: number }
  | { kind: 'snapshot-restore' };

function opArbitrary(size: number): fc.Arbitrary<Op> {
  const target: fc.Arbitrary<Target> = fc.oneof(
    fc.record({ from: fc.constant('any' as const), delta: fc.integer({ min: -3, max: size + 2 }) }),
    fc.record({ from: fc.constant('taken' as const), index: fc.nat() }),
    fc.constant({ from: 'other-family' as const }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('allocate' as const, 'release' as const, 'has' as const), target, upper: fc.boolean() }) },
    { weight: 4, arbitrary: fc.constant({ kind: 'next' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.integer({ min: 0, max: 40 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fill' as const), leave: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'snapshot-restore' as const }) },
  );
}

function loggedSource(draws: number[]) {
  let cursor = 0;
  const calls: bigint[] = [];
  return {
    calls,
    randomInt: (n: bigint) => {
      calls.push(n);
      return BigInt(draws[cursor++ % draws.length]) % n;
    },
  };
}

describe.each(ranges)('matches the reference model on $cidr ($strategy)', (range) => {
  const bits = range.family === 4 ? 32 : 128;
  const cidrSize = 1n << BigInt(bits - range.prefix);
  const usable = Number(range.family === 4 ? cidrSize - 2n : cidrSize - 1n);
  const band = modelBandOffset(cidrSize);
  const ipOf = (k: number) => addressAt(range.network, range.family, BigInt(k) + 1n);
  const otherFamily = range.family === 4 ? 'fd00::1' : '10.96.0.1';

  it('for random operation sequences', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 4 })),
        fc.array(opArbitrary(usable), { minLength: 1, maxLength: 60 }),
        (draws, ops) => {
          const realSource = loggedSource(draws);
          const modelSource = loggedSource(draws);
          const options = { randomInt: realSource.randomInt, strategy: range.strategy };
          let real = new ClusterIPAllocator(range.cidr, options);
          const model = new ReferenceAllocator(usable, band, modelSource.randomInt, range.strategy);
          const textOf = (t: Target, upper: boolean): { text: string; k: number } => {
            let k: number;
            if (t.from === 'other-family') return { text: otherFamily, k: -1 };
            if (t.from === 'taken') {
              const taken = model.offsets();
              k = taken.length === 0 ? 0 : taken[t.index % taken.length];
            } else {
              k = t.delta;
            }
            const text = ipOf(k);
            return { text: upper ? text.toUpperCase() : text, k };
          };
          const modelMany = (count: number) => {
            if (count > usable - model.used) return { error: 'ERR_FULL' };
            return { value: Array.from({ length: count }, () => ipOf(model.next() as number)) };
          };

          for (const op of ops) {
            let got: unknown;
            let want: unknown;
            switch (op.kind) {
              case 'allocate': {
                const { text, k } = textOf(op.target, op.upper);
                got = outcome(() => real.allocate(text));
                const err = model.allocateOffset(range.family === 4 || op.target.from !== 'other-family' ? k : -1);
                want = err ? { error: err } : { value: ipOf(k) };
                break;
              }
              case 'release': {
                const { text, k } = textOf(op.target, op.upper);
                got = outcome(() => real.release(text));
                want = { value: model.release(k) };
                break;
              }
              case 'has': {
                const { text, k } = textOf(op.target, op.upper);
                got = outcome(() => real.has(text));
                want = { value: model.has(k) };
                break;
              }
              case 'next': {
                got = outcome(() => real.allocateNext());
                const k = model.next();
                want = typeof k === 'number' ? { value: ipOf(k) } : { error: k };
                break;
              }
              case 'many': {
                got = outcome(() => real.allocateMany(op.count));
                want = modelMany(op.count);
                break;
              }
              case 'fill': {
                const count = Math.max(0, usable - model.used - op.leave);
                got = outcome(() => real.allocateMany(count));
                want = modelMany(count);
                break;
              }
              case 'snapshot-restore': {
                const snap = real.snapshot();
                expect(Array.from(snap.data)).toEqual(Array.from(model.snapshotBytes()));
                const next = ClusterIPAllocator.fromSnapshot(snap, options);
                real.dispose();
                real = next;
                got = want = null;
                break;
              }
            }
            expect(got, JSON.stringify(op)).toEqual(want);
            expect(real.used).toBe(model.used);
            expectKernelInvariants(real);
          }
          expect([...real]).toEqual(model.offsets().map(ipOf));
          expect(Array.from(real.snapshot().data)).toEqual(Array.from(model.snapshotBytes()));
          expect(realSource.calls).toEqual(modelSource.calls);
          real.dispose();
        },
      ),
      { numRuns: range.runs },
    );
  });
});
