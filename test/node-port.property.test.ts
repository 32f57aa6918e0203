// NodePortAllocator against the reference model (test/reference-model.ts) with the node port band
// written down here from kubernetes-semantics §10: identical ports, errors, randomInt calls and
// snapshot bytes, and every failed call leaves the allocator exactly as it was.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodePortAllocator } from '../src/index.js';
import { STORE } from '../src/internal.js';
import { kernelDebug } from '../src/kernel.js';
import { ReferenceAllocator, type ModelStrategy } from './reference-model.js';
import { outcome, scriptedRandomInt } from './helpers.js';

/** 1/32 of the range, at least 16, at most 128; none for 16 ports or fewer. */
function modelPortBand(size: number): number {
  if (size <= 16) return 0;
  const thirtySecond = (size - (size % 32)) / 32;
  return thirtySecond < 16 ? 16 : thirtySecond > 128 ? 128 : thirtySecond;
}

interface PortCase { range: string; base: number; size: number; strategy: ModelStrategy; runs: number }
const cases: PortCase[] = [
  { range: '30000-30010', base: 30000, size: 11, strategy: 'random-scan', runs: 120 },
  { range: '30000-30127', base: 30000, size: 128, strategy: 'random-scan', runs: 120 },
  { range: '0-599', base: 0, size: 600, strategy: 'random-scan', runs: 60 },
  { range: '30000-32767', base: 30000, size: 2768, strategy: 'random-scan', runs: 40 },
  { range: '30000-30127', base: 30000, size: 128, strategy: 'sequential', runs: 60 },
  { range: '30000-30127', base: 30000, size: 128, strategy: 'uniform', runs: 60 },
];

type Op =
  | { kind: 'allocate' | 'release' | 'has'; delta: number }
  | { kind: 'allocate-taken'; index: number }
  | { kind: 'not-an-integer'; value: number }
  | { kind: 'next' }
  | { kind: 'many'; count: number }
  | { kind: 'fill'; leave: number }
  | { kind: 'snapshot-restore' };

function opArbitrary(size: number): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('allocate' as const, 'release' as const, 'has' as const), delta: fc.integer({ min: -3, max: size + 2 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('allocate-taken' as const), index: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('not-an-integer' as const), value: fc.constantFrom(0.5, Number.NaN, Infinity, -0.25) }) },
    { weight: 4, arbitrary: fc.constant({ kind: 'next' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.integer({ min: 0, max: 40 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fill' as const), leave: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'snapshot-restore' as const }) },
  );
}

const observable = (a: NodePortAllocator) => JSON.stringify({ ports: [...a], stats: a.stats(), data: Array.from(a.snapshot().data) }, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe.each(cases)('NodePortAllocator matches the reference model on $range ($strategy)', (tc) => {
  it('for random operation sequences', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 4 })),
        fc.array(opArbitrary(tc.size), { minLength: 1, maxLength: 60 }),
        (draws, ops) => {
          const realSource = scriptedRandomInt(draws);
          const modelSource = scriptedRandomInt(draws);
          const options = { randomInt: realSource.randomInt, strategy: tc.strategy };
          let real = new NodePortAllocator(tc.range, options);
          const model = new ReferenceAllocator(tc.size, modelPortBand(tc.size), modelSource.randomInt, tc.strategy);
          expect(real.range.bandOffset).toBe(modelPortBand(tc.size));
          const portOf = (k: number) => tc.base + k;
          const modelMany = (count: number) => (count > tc.size - model.used
            ? { error: 'ERR_FULL' }
            : { value: Array.from({ length: count }, () => portOf(model.next() as number)) });
          for (const op of ops) {
            const before = observable(real);
            let got: { value?: unknown; error?: string };
            let want: { value?: unknown; error?: string };
            switch (op.kind) {
              case 'allocate': case 'allocate-taken': {
                const taken = model.offsets();
                const k = op.kind === 'allocate' ? op.delta : (taken.length === 0 ? 0 : taken[(op as { index: number }).index % taken.length]);
                got = outcome(() => real.allocate(portOf(k)));
                const error = model.allocateOffset(k);
                want = error ? { error } : { value: portOf(k) };
                break;
              }
              case 'release':
                got = outcome(() => real.release(portOf(op.delta)));
                want = { value: model.release(op.delta) };
                break;
              case 'has':
                got = outcome(() => real.has(portOf(op.delta)));
                want = { value: model.has(op.delta) };
                break;
              case 'not-an-integer':
                got = outcome(() => real.allocate(tc.base + op.value));
                want = { error: 'ERR_INVALID_PORT' };
                break;
              case 'next': {
                got = outcome(() => real.allocateNext());
                const k = model.next();
                want = typeof k === 'number' ? { value: portOf(k) } : { error: k };
                break;
              }
              case 'many':
                got = outcome(() => real.allocateMany(op.count));
                want = modelMany(op.count);
                break;
              case 'fill': {
                const count = Math.max(0, tc.size - model.used - op.leave);
                got = outcome(() => real.allocateMany(count));
                want = modelMany(count);
                break;
              }
              case 'snapshot-restore': {
                const snap = real.snapshot();
                expect(Array.from(snap.data)).toEqual(Array.from(model.snapshotBytes()));
                const next = NodePortAllocator.fromSnapshot(snap, options);
                real.dispose();
                real = next;
                got = { value: [...real] };
                want = { value: model.offsets().map(portOf) };
                break;
              }
            }
            expect(got).toEqual(want);
            if (got.error !== undefined) {
              // A failed call changed nothing but its error counter.
              const after = JSON.parse(observable(real));
              const prior = JSON.parse(before);
              expect({ ...after, stats: { ...after.stats, errors: prior.stats.errors } }).toEqual(prior);
            }
            if (kernelDebug) expect(real[STORE]()!.checkInvariants()).toBe(0);
            expect(real.used).toBe(model.used);
          }
          expect(realSource.calls).toEqual(modelSource.calls);
          expect(Array.from(real.snapshot().data)).toEqual(Array.from(model.snapshotBytes()));
          real.dispose();
        },
      ),
      { numRuns: tc.runs },
    );
  });
});
