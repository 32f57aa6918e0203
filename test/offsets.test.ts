import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { allocationState, expectAllocatorError } from './helpers.js';

describe('numeric offset API', () => {
  it('offset k is network + 1 + k, both ways', () => {
    const a = new ClusterIPAllocator('10.96.0.0/16');
    expect(a.ipAt(0)).toBe('10.96.0.1');
    expect(a.ipAt(255)).toBe('10.96.1.0');
    expect(a.ipAt(65533)).toBe('10.96.255.254');
    expect(a.offsetOf('10.96.1.0')).toBe(255);
    const b = new ClusterIPAllocator('fd00:10:96::/104');
    expect(b.ipAt(0)).toBe('fd00:10:96::1');
    expect(b.ipAt(0xffff)).toBe('fd00:10:96::1:0');
    expect(b.ipAt(16777214)).toBe('fd00:10:96::ff:ffff');
    expect(b.offsetOf('fd00:10:96::1:0')).toBe(0xffff);
  });

  it('allocate/has/release by offset mirror the string API', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    a.allocateOffset(9);
    expect(a.has('10.96.0.10')).toBe(true);
    expect(a.hasOffset(9)).toBe(true);
    expectAllocatorError(() => a.allocateOffset(9), 'ERR_ALLOCATED');
    expect(a.releaseOffset(9)).toBe(true);
    expect(a.releaseOffset(9)).toBe(false);
    expect(a.stats().allocations.static).toBe(1);
    expect(a.stats().errors.static).toBe(1);
  });

  it('allocateNextOffset and allocateManyOffsets agree with the string API for the same seed', () => {
    const byOffset = new ClusterIPAllocator('10.96.0.0/20', { seed: 8 });
    const byString = new ClusterIPAllocator('10.96.0.0/20', { seed: 8 });
    const out = new Uint32Array(100);
    byOffset.allocateManyOffsets(out);
    const next = byOffset.allocateNextOffset();
    expect([...out, next].map((k) => byOffset.ipAt(k))).toEqual([...byString.allocateMany(100), byString.allocateNext()]);
  });

  it('allocateManyOffsets crosses the batch chunk size', () => {
    const a = new ClusterIPAllocator('10.96.0.0/14', { seed: 1 });
    const out = new Uint32Array(200_000);
    a.allocateManyOffsets(out);
    expect(new Set(out).size).toBe(200_000);
    expect(a.used).toBe(200_000);
    expect(out.every((k) => a.hasOffset(k))).toBe(true);
  });

  it.each([-1, 254, 1e9, 1.5, NaN, Infinity, '3'])('offset %s is not in range for a /24', (k) => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    a.allocateOffset(3);
    const before = allocationState(a);
    for (const call of [() => a.allocateOffset(k as number), () => a.releaseOffset(k as number), () => a.hasOffset(k as number), () => a.ipAt(k as number)]) {
      expect(expectAllocatorError(call, 'ERR_NOT_IN_RANGE').message).toContain('[0, 254) for 10.96.0.0/24');
    }
    expect(allocationState(a)).toEqual(before);
  });

  it('offsetOf an IP outside the range -> ERR_NOT_IN_RANGE', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    expectAllocatorError(() => a.offsetOf('10.96.0.255'), 'ERR_NOT_IN_RANGE');
    expectAllocatorError(() => a.offsetOf('fd00::1'), 'ERR_NOT_IN_RANGE');
  });

  it('allocateManyOffsets wants a Uint32Array', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    expect(() => a.allocateManyOffsets([0, 0] as never)).toThrow(TypeError);
    expect(a.used).toBe(0);
  });
});
