// Issue 4: IPv6 /64 … /103 and IPv4 /0 … /7 on the sparse representation, same semantics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocatorError, ClusterIPAllocator, describeRange } from '../src/index.js';
import { SparseReferenceAllocator, modelBandOffset } from './reference-model.js';
import { addressAt, allocationState, expectAllocatorError } from './helpers.js';

describe('sparse ranges against the reference model', () => {
  const cases = [
    { cidr: 'fd00:10:96::/64', network: 'fd00:10:96::', prefix: 64 },
    { cidr: 'fd00:10:96::/96', network: 'fd00:10:96::', prefix: 96 },
  ];
  it.each(cases)('$cidr, with draws from a tiny set of starts so runs and wrap-around happen', ({ cidr, network, prefix }) => {
    const cidrSize = 1n << BigInt(128 - prefix);
    const usable = cidrSize - 1n;
    const band = BigInt(modelBandOffset(cidrSize));
    const ipOf = (k: bigint) => addressAt(network, 6, k + 1n);
    type Op = { kind: 'next' } | { kind: 'allocate' | 'release' | 'has'; pick: number; near: number } | { kind: 'many'; count: number } | { kind: 'snapshot' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.constant({ kind: 'next' as const }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('allocate' as const, 'release' as const, 'has' as const), pick: fc.nat(), near: fc.integer({ min: -2, max: 2 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.integer({ min: 0, max: 30 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
    );
    // Starts near both ends of the upper band, and the static band's edges, so scans wrap.
    const starts = [0n, 1n, usable - band - 1n, usable - band - 2n, 5n];
    fc.assert(
      fc.property(fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }), fc.array(op, { minLength: 1, maxLength: 80 }), (picks, ops) => {
        const source = () => {
          let i = 0;
          const calls: bigint[] = [];
          return { calls, randomInt: (n: bigint) => { calls.push(n); return starts[picks[i++ % picks.length]] % n; } };
        };
        const realSource = source();
        const modelSource = source();
        let real = new ClusterIPAllocator(cidr, { randomInt: realSource.randomInt });
        const model = new SparseReferenceAllocator(usable, band, modelSource.randomInt);
        const outcome = (fn: () => unknown) => {
          try {
            return { value: fn() };
          } catch (error) {
            if (error instanceof AllocatorError) return { error: error.code };
            throw error;
          }
        };
        // Candidates: allocated addresses and their neighbours, band edges, range ends.
        const candidate = (pick: number, near: number) => {
          const pool = [...model.offsets(), 0n, band - 1n, band, usable - 1n, usable];
          return pool[pick % pool.length] + BigInt(near);
        };
        for (const o of ops) {
          let got: unknown;
          let want: unknown;
          if (o.kind === 'next') {
            got = outcome(() => real.allocateNext());
            const k = model.next();
            want = typeof k === 'bigint' ? { value: ipOf(k) } : { error: k };
          } else if (o.kind === 'many') {
            got = outcome(() => real.allocateMany(o.count));
            want = { value: Array.from({ length: o.count }, () => ipOf(model.next() as bigint)) };
          } else if (o.kind === 'snapshot') {
            const next = ClusterIPAllocator.fromSnapshot(real.snapshot(), { randomInt: realSource.randomInt });
            real.dispose();
            real = next;
            got = want = null;
          } else {
            const k = candidate(o.pick, o.near);
            const text = ipOf(k);
            if (o.kind === 'allocate') {
              got = outcome(() => real.allocate(text));
              const error = model.allocateOffset(k);
              want = error ? { error } : { value: text };
            } else if (o.kind === 'release') {
              got = outcome(() => real.release(text));
              want = { value: k >= 0n && k < usable ? model.release(k) : false };
            } else {
              got = outcome(() => real.has(text));
              want = { value: model.has(k) };
            }
          }
          expect(got, JSON.stringify(o)).toEqual(want);
          expect(real.used).toBe(model.taken.size);
        }
        expect([...real]).toEqual(model.offsets().map(ipOf));
        expect(realSource.calls).toEqual(modelSource.calls);
        real.dispose();
      }),
      { numRuns: 60 },
    );
  });
});

describe('a /64 at scale', () => {
  it('1,000,000 dynamic allocations are unique and cost at most 32 bytes each', () => {
    const a = new ClusterIPAllocator('fd00:10:96::/64', { seed: 64 });
    const before = a.memoryBytes;
    const ips = a.allocateMany(1_000_000);
    expect(new Set(ips).size).toBe(1_000_000);
    expect(a.used).toBe(1_000_000);
    const perAddress = (a.memoryBytes - before) / 1_000_000;
    expect(perAddress).toBeLessThanOrEqual(32);
    expect(ips.every((ip) => a.has(ip))).toBe(true);
    a.dispose();
  });

  it('describes and serves the whole /64 with the same band rules', () => {
    const info = describeRange('fd00:10:96::/64');
    expect(info).toMatchObject({ bandOffset: 256, staticStart: 'fd00:10:96::1', staticEnd: 'fd00:10:96::100', rangeEnd: 'fd00:10:96:0:ffff:ffff:ffff:ffff' });
    const a = new ClusterIPAllocator('fd00:10:96::/64', { strategy: 'sequential' });
    expect(a.allocateNext()).toBe('fd00:10:96::101');
    expect(a.allocate('fd00:10:96:0:ffff:ffff:ffff:ffff')).toBe('fd00:10:96:0:ffff:ffff:ffff:ffff');
    expectAllocatorError(() => a.allocate('fd00:10:96:1::'), 'ERR_NOT_IN_RANGE');
    expectAllocatorError(() => a.allocate('fd00:10:96::'), 'ERR_NOT_IN_RANGE');
    expect(a.stats()).toMatchObject({ size: 18446744073709551615n, used: 2, static: { size: 256n, used: 0 }, dynamic: { used: 2 } });
  });

  it('a nearly full static band still works: dynamic allocation falls back to it only when the upper band is full', () => {
    const a = new ClusterIPAllocator('fd00::/64', { seed: 1 });
    for (let k = 1; k <= 255; k++) a.allocate(`fd00::${k.toString(16)}`);
    expect(a.stats().static.free).toBe(1n);
    const ip = a.allocateNext();
    expect(a.offsetOf === undefined).toBe(false);
    expect(ip).not.toBe('fd00::100'); // the upper band is nowhere near full
    expect(a.has('fd00::100')).toBe(false);
  });

  it('seeded runs repeat, and uniform/sequential strategies work', () => {
    const run = (strategy: 'random-scan' | 'uniform') => new ClusterIPAllocator('fd00::/64', { seed: 5, strategy }).allocateMany(20);
    expect(run('random-scan')).toEqual(run('random-scan'));
    expect(run('uniform')).toEqual(run('uniform'));
    expect(new Set(run('uniform')).size).toBe(20);
  });
});

describe('IPv4 ranges above 2^24 addresses', () => {
  it.each([['10.0.0.0/7', 33554430n], ['0.0.0.0/0', 4294967294n]])('%s works, numeric API included', (cidr, size) => {
    const a = new ClusterIPAllocator(cidr, { seed: 9 });
    expect(a.free).toBe(size);
    const out = new Uint32Array(1000);
    a.allocateManyOffsets(out);
    expect(new Set(out).size).toBe(1000);
    expect([...out].every((k) => k >= 256 && a.hasOffset(k))).toBe(true);
    expect(a.offsetOf(a.ipAt(out[0]))).toBe(out[0]);
    expect(a.releaseOffset(out[0])).toBe(true);
    expectAllocatorError(() => a.allocateOffset(Number(size)), 'ERR_NOT_IN_RANGE');
    expect(a.allocate(a.range.rangeEnd)).toBe(a.range.rangeEnd);
  });
});

describe('numeric API on ranges over 2^32 addresses', () => {
  it('throws ERR_OFFSETS_TOO_LARGE and changes nothing', () => {
    const a = new ClusterIPAllocator('fd00::/64', { seed: 1 });
    a.allocateNext();
    for (const call of [() => a.allocateNextOffset(), () => a.allocateOffset(1), () => a.releaseOffset(1), () => a.hasOffset(1), () => a.allocateManyOffsets(new Uint32Array(1)), () => a.ipAt(1), () => a.offsetOf('fd00::1')]) {
      expectAllocatorError(call, 'ERR_OFFSETS_TOO_LARGE');
    }
    expect(a.used).toBe(1);
  });
});

describe('sparse snapshots (run encoding)', () => {
  it('encodes ascending runs as documented', () => {
    const a = new ClusterIPAllocator('fd00::/64');
    for (const ip of ['fd00::1', 'fd00::2', 'fd00::3', 'fd00::12d']) a.allocate(ip);
    // offsets 0,1,2 and 300: runs (0, 3) and (300, 1); gap 297 = varint a9 02.
    expect(Array.from(a.snapshot().data)).toEqual([0x43, 0x49, 0x50, 0x52, 0x01, 0x02, 0x00, 0x02, 0xa9, 0x02, 0x00]);
    expect(Array.from(new ClusterIPAllocator('fd00::/64').snapshot().data)).toEqual([0x43, 0x49, 0x50, 0x52, 0x01, 0x00]);
  });

  it('round-trips exactly, including the top address', () => {
    const a = new ClusterIPAllocator('fd00::/64', { seed: 2 });
    a.allocateMany(5000);
    a.allocate('fd00::ffff:ffff:ffff:ffff');
    const b = ClusterIPAllocator.fromSnapshot(a.snapshot());
    expect(allocationState(b)).toEqual(allocationState(a));
  });

  it.each([
    ['bad magic', [0x43, 0x49, 0x50, 0x51, 0x01, 0x00]],
    ['unknown version', [0x43, 0x49, 0x50, 0x52, 0x02, 0x00]],
    ['truncated', [0x43, 0x49, 0x50, 0x52, 0x01, 0x01, 0x00]],
    ['trailing bytes', [0x43, 0x49, 0x50, 0x52, 0x01, 0x00, 0x00]],
    ['beyond the range', [0x43, 0x49, 0x50, 0x52, 0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]],
    ['an eleven-byte varint', [0x43, 0x49, 0x50, 0x52, 0x01, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00]],
    ['more allocations than can be held', [0x43, 0x49, 0x50, 0x52, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('rejects %s with ERR_INVALID_SNAPSHOT and changes nothing', (_label, bytes) => {
    const a = new ClusterIPAllocator('fd00::/64', { seed: 3 });
    a.allocateMany(10);
    const before = allocationState(a);
    expectAllocatorError(() => a.restore({ range: 'fd00::/64', data: Uint8Array.from(bytes) }), 'ERR_INVALID_SNAPSHOT');
    expect(allocationState(a)).toEqual(before);
  });

  it('legacy mode keeps the 65,535 cap and the bitmap snapshot bytes', () => {
    const a = new ClusterIPAllocator('fd00::/64', { legacy: true });
    a.allocate('fd00::9');
    expect(a.free).toBe(65534n);
    expect(Array.from(a.snapshot().data)).toEqual([0x01, 0x00]);
  });
});
