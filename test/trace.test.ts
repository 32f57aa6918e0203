// runTrace: a typed array of operations in one call, with the single calls' semantics and all or
// nothing. The property test (trace.property.test.ts) compares random traces with single calls.
import { describe, expect, it } from 'vitest';
import { AllocatorError, ClusterIPAllocator, TraceOp } from '../src/index.js';
import { allocationState, expectAllocatorError } from './helpers.js';

const trace = (...steps: Array<[number, number]>) => Uint32Array.from(steps.flat());

describe('runTrace', () => {
  it('gives what the single calls give, step by step, and counts the same', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 5 });
    const b = new ClusterIPAllocator('10.96.0.0/24', { seed: 5 });
    const out = a.runTrace(trace(
      [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE, 3], [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.RELEASE_RECENT, 1],
      [TraceOp.RELEASE, 3], [TraceOp.RELEASE, 3], [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.RELEASE_RECENT, 0],
    ));
    const first = b.allocateNextOffset();
    b.allocateOffset(3);
    const second = b.allocateNextOffset();
    expect(b.releaseOffset(3)).toBe(true); // RELEASE_RECENT 1: the allocation before the newest (3)
    const expected = [first, 3, second, 3, 0, 0];
    expect(b.releaseOffset(3)).toBe(false);
    const third = b.allocateNextOffset();
    expect(b.releaseOffset(third)).toBe(true);
    expect(Array.from(out)).toEqual([...expected.slice(0, 4), 0, 0, third, third]);
    expect(allocationState(a)).toEqual(allocationState(b));
    expect(a.stats()).toEqual(b.stats());
    expect(a.allocateNextOffset()).toBe(b.allocateNextOffset()); // same generator state
  });

  it('writes into a given out array and accepts Int32Array operations', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    const out = new Uint32Array(4).fill(7);
    expect(a.runTrace(Int32Array.from([TraceOp.ALLOCATE, 9, TraceOp.RELEASE, 9]), out)).toBe(out);
    expect(Array.from(out)).toEqual([9, 1, 7, 7]);
  });

  it.each([
    ['a full range', '10.96.0.0/30', [[TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE_NEXT, 0]], 'ERR_FULL', 'trace step 1: range is full'],
    ['a taken offset', '10.96.0.0/24', [[TraceOp.ALLOCATE, 5], [TraceOp.ALLOCATE, 5]], 'ERR_ALLOCATED', 'trace step 1: provided IP is already allocated'],
    ['an offset out of range', '10.96.0.0/24', [[TraceOp.ALLOCATE_NEXT, 0], [TraceOp.RELEASE, 254]], 'ERR_NOT_IN_RANGE', 'trace step 1: the provided offset (254) is not in the valid range.'],
  ] as const)('fails on %s with the single call\'s error, naming the step, and changes nothing', (_label, cidr, steps, code, text) => {
    const a = new ClusterIPAllocator(cidr, { seed: 2 });
    a.allocateOffset(0);
    const before = allocationState(a);
    const stats = a.stats();
    const twin = new ClusterIPAllocator(cidr, { seed: 2 });
    twin.allocateOffset(0);
    const error = expectAllocatorError(() => a.runTrace(trace(...(steps as unknown as Array<[number, number]>))), code);
    expect(error.message.startsWith(text)).toBe(true);
    expect(allocationState(a)).toEqual(before);
    expect(a.stats()).toEqual(stats);
    if (a.free > 0n) expect(a.allocateNextOffset()).toBe(twin.allocateNextOffset()); // generator restored
  });

  it('RELEASE_RECENT past the trace\'s own allocations and unknown operations are RangeErrors, nothing changed', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 3 });
    const before = allocationState(a);
    expect(() => a.runTrace(trace([TraceOp.ALLOCATE_NEXT, 0], [TraceOp.RELEASE_RECENT, 1]))).toThrow(new RangeError('trace step 1: no allocation 1 back on this trace\'s stack'));
    expect(() => a.runTrace(trace([TraceOp.ALLOCATE_NEXT, 0], [9, 0]))).toThrow(new RangeError('trace step 1: unknown operation 9'));
    expect(allocationState(a)).toEqual(before);
  });

  it('refuses malformed arguments before running anything', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    expect(() => a.runTrace([0, 0] as never)).toThrow(TypeError);
    expect(() => a.runTrace(new Uint32Array(3))).toThrow(TypeError);
    expect(() => a.runTrace(new Uint32Array(4), new Uint32Array(1))).toThrow(TypeError);
    expect(a.used).toBe(0);
    expectAllocatorError(() => new ClusterIPAllocator('fd00::/64').runTrace(new Uint32Array(2)), 'ERR_OFFSETS_TOO_LARGE');
    a.dispose();
    expectAllocatorError(() => a.runTrace(new Uint32Array(2)), 'ERR_DISPOSED');
  });

  it('a randomInt that throws part way leaves nothing behind', () => {
    let calls = 0;
    const a = new ClusterIPAllocator('10.96.0.0/24', {
      randomInt: (n) => {
        if (++calls === 4) throw new Error('source failed');
        return 5n % n;
      },
    });
    a.allocateOffset(100);
    const before = allocationState(a);
    expect(() => a.runTrace(trace([TraceOp.ALLOCATE_NEXT, 0], [TraceOp.RELEASE, 100], [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE_NEXT, 0]))).toThrow('source failed');
    expect(allocationState(a)).toEqual(before);
  });

  it('works on a sparse range whose offsets fit 32 bits', () => {
    const a = new ClusterIPAllocator('10.0.0.0/7', { seed: 4 });
    const out = a.runTrace(trace([TraceOp.ALLOCATE_NEXT, 0], [TraceOp.ALLOCATE, 12345678], [TraceOp.RELEASE_RECENT, 0]));
    expect(out[1]).toBe(12345678);
    expect(out[2]).toBe(12345678);
    expect(a.hasOffset(out[0])).toBe(true);
    expect(a.used).toBe(1);
    expect(a).toBeInstanceOf(ClusterIPAllocator);
    expect(AllocatorError).toBeDefined();
  });
});
