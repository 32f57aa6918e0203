// The kernel's run codec (assembly/sparse/run-codec.ts) against the reference: the JavaScript
// encoder and decoder it replaced (kept here, test/reference-run-codec.ts). Random offset sets
// encode to the same bytes; random and mutated byte strings are accepted or refused alike, and
// when accepted restore exactly the reference's runs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocatorError, ClusterIPAllocator } from '../src/index.js';
import { referenceDecodeRuns, referenceEncodeRuns } from './reference-run-codec.js';

const RANGE = 'fd00::/64';
const SIZE = (1n << 64n) - 1n;
const MAX = 1 << 24;

// Offsets clustered into short runs, anywhere in the /64 (the top address included).
const offsets = fc.array(fc.tuple(fc.bigInt({ min: 0n, max: SIZE - 1n }), fc.integer({ min: 1, max: 5 })), { maxLength: 40 }).map((runs) => {
  const set = new Set<bigint>();
  for (const [start, length] of runs) for (let k = 0n; k < BigInt(length) && start + k < SIZE; k++) set.add(start + k);
  return BigUint64Array.from([...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

function ipOf(offset: bigint): string {
  const value = offset + 1n; // offset k is network + 1 + k
  const groups: string[] = [];
  for (let i = 3; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `fd00::${groups.join(':')}`;
}

describe('the kernel run codec agrees with the reference', () => {
  it('encodes every offset set to the reference bytes, and restores them', () => {
    fc.assert(fc.property(offsets, (sorted) => {
      const a = new ClusterIPAllocator(RANGE);
      for (const k of sorted) a.allocate(ipOf(k));
      const data = a.snapshot().data;
      expect(Array.from(data)).toEqual(Array.from(referenceEncodeRuns(sorted)));
      const b = ClusterIPAllocator.fromSnapshot({ range: RANGE, data });
      expect(b.used).toBe(sorted.length);
      for (const k of sorted) expect(b.has(ipOf(k))).toBe(true);
      a.dispose();
      b.dispose();
    }), { numRuns: 200 });
  });

  it('accepts and refuses byte strings as the reference decoder does', () => {
    const valid = offsets.map((sorted) => referenceEncodeRuns(sorted));
    const mutated = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, value]) => {
      const copy = bytes.slice();
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    });
    const truncated = fc.tuple(valid, fc.nat()).map(([bytes, cut]) => bytes.slice(0, bytes.length === 0 ? 0 : cut % bytes.length));
    const prefixed = fc.uint8Array({ maxLength: 30 }).map((tail) => Uint8Array.from([0x43, 0x49, 0x50, 0x52, 1, ...tail]));
    fc.assert(fc.property(fc.oneof(valid, mutated, truncated, prefixed), (data) => {
      let expected: Array<{ start: bigint; length: bigint }> | string;
      try {
        expected = referenceDecodeRuns(data, SIZE, MAX);
      } catch (error) {
        expected = (error as Error).message;
      }
      const a = new ClusterIPAllocator(RANGE);
      a.allocate('fd00::7');
      try {
        a.restore({ range: RANGE, data });
        expect(typeof expected).not.toBe('string');
        const total = (expected as Array<{ length: bigint }>).reduce((n, r) => n + r.length, 0n);
        expect(BigInt(a.used)).toBe(total);
        for (const run of expected as Array<{ start: bigint }>) expect(a.has(ipOf(run.start))).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(AllocatorError);
        expect((error as AllocatorError).message).toBe(expected);
        expect(a.used).toBe(1);
      } finally {
        a.dispose();
      }
    }), { numRuns: 500 });
  });
});
