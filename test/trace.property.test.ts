// Random traces against the single calls on a twin allocator: the same outputs, the same state,
// counters and generator afterwards; a trace that fails leaves everything as it was and fails with
// the error the failing single call throws. The kernel's invariants are checked after every trace.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocatorError, ClusterIPAllocator, TraceOp } from '../src/index.js';
import { allocationState, expectKernelInvariants } from './helpers.js';

type Step = [op: number, argument: number];

/** What the single calls do for one trace, or the failing step's index and error. */
function replayWithSingleCalls(allocator: ClusterIPAllocator, steps: readonly Step[]): { out: number[] } | { failedAt: number; error: unknown } {
  const out: number[] = [];
  const allocated: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const [op, argument] = steps[i];
    try {
      if (op === TraceOp.ALLOCATE_NEXT) {
        const offset = allocator.allocateNextOffset();
        allocated.push(offset);
        out.push(offset);
      } else if (op === TraceOp.ALLOCATE) {
        allocator.allocateOffset(argument);
        allocated.push(argument);
        out.push(argument);
      } else if (op === TraceOp.RELEASE) {
        out.push(allocator.releaseOffset(argument) ? 1 : 0);
      } else if (op === TraceOp.RELEASE_RECENT) {
        if (argument >= allocated.length) return { failedAt: i, error: new RangeError(`no allocation ${argument} back on this trace's stack`) };
        const [offset] = allocated.splice(allocated.length - 1 - argument, 1);
        allocator.releaseOffset(offset);
        out.push(offset);
      } else {
        return { failedAt: i, error: new RangeError(`unknown operation ${op}`) };
      }
    } catch (error) {
      return { failedAt: i, error };
    }
  }
  return { out };
}

function stepArbitrary(size: number): fc.Arbitrary<Step> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<Step>([TraceOp.ALLOCATE_NEXT, 0]) },
    { weight: 2, arbitrary: fc.tuple(fc.constant(TraceOp.ALLOCATE), fc.integer({ min: 0, max: size + 1 })) },
    { weight: 3, arbitrary: fc.tuple(fc.constant(TraceOp.RELEASE), fc.integer({ min: 0, max: size + 1 })) },
    { weight: 3, arbitrary: fc.tuple(fc.constant(TraceOp.RELEASE_RECENT), fc.integer({ min: 0, max: 6 })) },
    { weight: 1, arbitrary: fc.tuple(fc.constant(7), fc.nat(3)) }, // an unknown operation
  );
}

const ranges = [
  { cidr: '10.96.0.0/28', size: 14, strategy: 'random-scan' as const },
  { cidr: '10.96.0.0/24', size: 254, strategy: 'random-scan' as const },
  { cidr: '10.96.0.0/24', size: 254, strategy: 'sequential' as const },
  { cidr: '10.96.0.0/24', size: 254, strategy: 'uniform' as const },
  { cidr: 'fd00::/118', size: 1023, strategy: 'random-scan' as const },
];

describe.each(ranges)('runTrace against single calls on $cidr ($strategy)', ({ cidr, size, strategy }) => {
  it('gives the same outputs, state, counters and generator; failures change nothing', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 0, max: size }),
        fc.array(fc.array(stepArbitrary(size), { maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        (seed, prefill, traces) => {
          const twin = () => {
            const allocator = new ClusterIPAllocator(cidr, { seed, strategy });
            for (let i = 0; i < prefill; i++) allocator.allocateNextOffset();
            return allocator;
          };
          const viaTrace = twin();
          let viaCalls = twin();
          const succeeded: Step[][] = [];
          for (const steps of traces) {
            const before = allocationState(viaTrace);
            const statsBefore = viaTrace.stats();
            const expected = replayWithSingleCalls(viaCalls, steps);
            let actual: { out: number[] } | { error: unknown };
            try {
              actual = { out: Array.from(viaTrace.runTrace(Uint32Array.from(steps.flat()))) };
            } catch (error) {
              actual = { error };
            }
            if ('out' in expected) {
              expect(actual).toEqual(expected);
              succeeded.push(steps);
            } else {
              expect('error' in actual).toBe(true);
              const thrown = (actual as { error: Error }).error;
              const single = expected.error as Error;
              expect(thrown.constructor).toBe(single.constructor);
              if (single instanceof AllocatorError) expect((thrown as AllocatorError).code).toBe(single.code);
              expect(thrown.message).toBe(`trace step ${expected.failedAt}: ${single.message}`);
              expect(allocationState(viaTrace)).toEqual(before);
              expect(viaTrace.stats()).toEqual(statsBefore);
              // The single calls before the failing one did happen; rebuild the twin from the
              // traces that succeeded, which is where the all-or-nothing trace must still be.
              viaCalls.dispose();
              viaCalls = twin();
              for (const done of succeeded) replayWithSingleCalls(viaCalls, done);
            }
            expect(allocationState(viaTrace)).toEqual(allocationState(viaCalls));
            expect(viaTrace.stats()).toEqual(viaCalls.stats());
            expectKernelInvariants(viaTrace);
          }
          // The generators are in step: a failed trace rewound its draws.
          if (viaTrace.free > 0n) expect(viaTrace.allocateNextOffset()).toBe(viaCalls.allocateNextOffset());
          viaTrace.dispose();
          viaCalls.dispose();
        },
      ),
      { numRuns: 120 },
    );
  });
});
