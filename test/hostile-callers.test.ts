// The four reproductions from the adversarial pass (issue 15), as regression tests, plus the
// neighbouring cases of each: crafted snapshots, disposal from caller code, re-entrant randomInt,
// randomInt that never names a free address. Each asserts the typed error and an unchanged state.
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator, NodePortAllocator, TraceOp } from '../src/index.js';
import { allocationState, expectAllocatorError } from './helpers.js';

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((b) => parseInt(b, 16)));

describe('1. crafted run-encoded snapshots are refused in bounded time, before anything changes', () => {
  it('a /64 snapshot claiming one run of 3,000,000,000 addresses: ERR_INVALID_SNAPSHOT, the three real IPs kept', () => {
    const a = new ClusterIPAllocator('fd00:10:96::/64', { seed: 1 });
    a.allocate('fd00:10:96::5');
    a.allocateNext();
    a.allocateNext();
    const before = allocationState(a);
    const data = hex('43495052' + '01' + '01' + '00' + 'ffbbc1960b');
    const error = expectAllocatorError(() => a.restore({ range: 'fd00:10:96::/64', data }), 'ERR_INVALID_SNAPSHOT');
    expect(error.message).toContain('more than 16777216 allocations');
    expect(allocationState(a)).toEqual(before);
    expectAllocatorError(() => ClusterIPAllocator.fromSnapshot({ range: 'fd00:10:96::/64', data }), 'ERR_INVALID_SNAPSHOT');
  });

  it('maxAllocations sets the limit both ways', () => {
    const run = (count: number) => hex('43495052' + '01' + '01' + '00' + (count - 1).toString(16).padStart(2, '0'));
    const small = new ClusterIPAllocator('fd00::/64', { maxAllocations: 8 });
    small.allocate('fd00::1');
    const before = allocationState(small);
    expectAllocatorError(() => small.restore({ range: 'fd00::/64', data: run(9) }), 'ERR_INVALID_SNAPSHOT');
    expect(allocationState(small)).toEqual(before);
    small.restore({ range: 'fd00::/64', data: run(8) });
    expect(small.used).toBe(8);
    expect(small.has('fd00::1')).toBe(true);
    expect(small.has('fd00::9')).toBe(false);
    expect(() => new ClusterIPAllocator('fd00::/64', { maxAllocations: -1 })).toThrow(RangeError);
    expect(() => new ClusterIPAllocator('fd00::/64', { maxAllocations: 2 ** 32 })).toThrow(RangeError);
  });

  it('a restore that succeeds keeps the generator where it was (the new state is built aside, then swapped in)', () => {
    const restored = new ClusterIPAllocator('fd00::/64', { seed: 9 });
    const fresh = new ClusterIPAllocator('fd00::/64', { seed: 9 });
    const snapshot = fresh.snapshot();
    restored.allocateNext();
    fresh.allocateNext();
    restored.restore(snapshot);
    fresh.restore(snapshot);
    expect(restored.allocateMany(5)).toEqual(fresh.allocateMany(5));
    expect(restored.used).toBe(5);
  });
});

describe('2. caller code that disposes the allocator never makes the kernel write into another allocator', () => {
  it('releaseMany(iterable) whose iterable disposes the allocator and a second one takes its memory', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    const ips = a.allocateMany(10);
    let b: ClusterIPAllocator | undefined;
    function* disposing() {
      yield ips[0];
      a.dispose();
      b = new ClusterIPAllocator('10.96.0.0/24', { seed: 2 });
      b.allocateMany(7);
      yield ips[1];
    }
    expectAllocatorError(() => a.releaseMany(disposing()), 'ERR_DISPOSED');
    expect(b!.used).toBe(7);
    expect([...b!]).toHaveLength(7);
  });

  it('restore(snapshot) whose getter disposes the allocator', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    const data = a.snapshot().data;
    let b: ClusterIPAllocator | undefined;
    const snapshot = {
      range: '10.96.0.0/24',
      get data() {
        a.dispose();
        b = new ClusterIPAllocator('10.96.0.0/24', { seed: 2 });
        b.allocateMany(3);
        return data;
      },
    };
    expectAllocatorError(() => a.restore(snapshot), 'ERR_DISPOSED');
    expect(b!.used).toBe(3);
  });
});

describe('3. re-entrant randomInt: ERR_REENTRANT, nothing changed', () => {
  for (const strategy of ['uniform', 'random-scan', 'sequential'] as const) {
    it(`strategy ${strategy}: a randomInt that calls the same allocator`, () => {
      let self: ClusterIPAllocator | undefined;
      let inner: unknown;
      const a = new ClusterIPAllocator('10.96.0.0/24', {
        strategy,
        randomInt: (n) => {
          try {
            self!.allocateNext();
          } catch (error) {
            inner = error;
          }
          return n - 1n;
        },
      });
      self = a;
      a.allocateOffset(17);
      // The inner call is refused; the outer one, whose randomInt swallowed that, completes.
      const ip = a.allocateNext();
      if (strategy !== 'sequential') expect((inner as { code?: string }).code).toBe('ERR_REENTRANT');
      expect(a.has(ip)).toBe(true);
      expect(a.used).toBe(2);
      expect([...a]).toHaveLength(2);
    });
  }

  it('an uncaught re-entry fails the outer call with ERR_REENTRANT and leaves the state as it was', () => {
    let self: ClusterIPAllocator | undefined;
    const a = new ClusterIPAllocator('10.96.0.0/24', { strategy: 'uniform', randomInt: (n) => (self!.allocate('10.96.0.9'), n - 1n) });
    self = a;
    a.allocate('10.96.0.200');
    const before = allocationState(a);
    expectAllocatorError(() => a.allocateNext(), 'ERR_REENTRANT');
    expectAllocatorError(() => a.allocateMany(3), 'ERR_REENTRANT');
    expectAllocatorError(() => a.runTrace(new Uint32Array([TraceOp.ALLOCATE_NEXT, 0])), 'ERR_REENTRANT');
    expect(allocationState(a)).toEqual(before);
  });

  it('disposing from randomInt, or entering another allocator, is refused too', () => {
    const other = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    let self: ClusterIPAllocator | undefined;
    const seen: string[] = [];
    const a = new ClusterIPAllocator('10.96.0.0/24', {
      randomInt: (n) => {
        for (const call of [() => self!.dispose(), () => other.allocateNext(), () => other.used, () => self!.allocateNextOffset()]) {
          try {
            call();
            seen.push('ok');
          } catch (error) {
            seen.push((error as { code: string }).code);
          }
        }
        return 0n;
      },
    });
    self = a;
    const ip = a.allocateNext();
    expect(seen).toEqual(['ERR_REENTRANT', 'ERR_REENTRANT', 'ERR_REENTRANT', 'ERR_REENTRANT']);
    expect(a.has(ip)).toBe(true);
    expect(other.used).toBe(0);
    a.dispose();
  });
});

describe('4. uniform rejection is bounded', () => {
  it('a randomInt that always returns 0n: ERR_DRAWS_EXHAUSTED after 64 × ⌈band / free⌉ + 64 = 192 draws, nothing changed', () => {
    let calls = 0;
    const a = new ClusterIPAllocator('fd00:10:96::/64', { strategy: 'uniform', randomInt: () => (calls++, 0n) });
    const first = a.allocateNext();
    const before = allocationState(a);
    calls = 0;
    expectAllocatorError(() => a.allocateNext(), 'ERR_DRAWS_EXHAUSTED');
    expect(calls).toBe(192);
    expectAllocatorError(() => a.allocateMany(3), 'ERR_DRAWS_EXHAUSTED');
    expect(allocationState(a)).toEqual(before);
    expect(a.stats().errors.dynamic).toBe(0);
    expect(a.has(first)).toBe(true);
  });

  it('allocateMany undoes what it took before rejection gave up; runTrace names the step', () => {
    // Each script names two free offsets, then repeats the first for ever.
    let answers = [5n, 6n];
    let stuck = 5n;
    const a = new ClusterIPAllocator('10.0.0.0/7', { strategy: 'uniform', randomInt: () => answers.shift() ?? stuck });
    const before = allocationState(a);
    expectAllocatorError(() => a.allocateMany(3), 'ERR_DRAWS_EXHAUSTED');
    expect(allocationState(a)).toEqual(before);
    answers = [7n, 8n];
    stuck = 7n;
    const error = expectAllocatorError(
      () => a.runTrace(new Uint32Array([TraceOp.ALLOCATE_NEXT, 0, TraceOp.ALLOCATE_NEXT, 0, TraceOp.ALLOCATE_NEXT, 0])),
      'ERR_DRAWS_EXHAUSTED',
    );
    expect(error.message).toMatch(/^trace step 2: /);
    expect(allocationState(a)).toEqual(before);
  });

  it('a seeded uniform range keeps allocating (the bound is far above what a fair generator needs)', () => {
    const a = new ClusterIPAllocator('10.0.0.0/7', { strategy: 'uniform', seed: 3 });
    expect(new Set(a.allocateMany(20000)).size).toBe(20000);
  });
});

describe('5. the node port allocator shares the same guards', () => {
  const portState = (a: NodePortAllocator) => ({ ports: [...a], data: Array.from(a.snapshot().data) });

  it('a randomInt that enters the allocator gets ERR_REENTRANT; the outer call fails and nothing changed', () => {
    let inner: unknown;
    const a: NodePortAllocator = new NodePortAllocator('30000-30127', {
      randomInt: (n) => {
        try {
          a.allocate(30000);
        } catch (error) {
          inner = error;
        }
        return a.has(30001) ? 0n : n - 1n; // uncaught: re-enters again, throws ERR_REENTRANT
      },
    });
    a.allocate(30005);
    const before = portState(a);
    expectAllocatorError(() => a.allocateNext(), 'ERR_REENTRANT');
    expect((inner as { code?: string }).code).toBe('ERR_REENTRANT');
    expect(portState(a)).toEqual(before);
    a.dispose();
  });

  it('releaseMany whose iterable disposes the allocator: ERR_DISPOSED, no kernel write through the freed block', () => {
    const a = new NodePortAllocator('30000-30127', { seed: 1 });
    a.allocate(30010);
    let other: NodePortAllocator | undefined;
    function* ports() {
      yield 30010;
      a.dispose();
      other = new NodePortAllocator('30000-30127', { seed: 2 });
      other.allocate(30010);
    }
    expectAllocatorError(() => a.releaseMany(ports()), 'ERR_DISPOSED');
    expect(other!.has(30010)).toBe(true);
    other!.dispose();
  });

  it('a snapshot of another range, or with bits past the range, changes nothing', () => {
    const a = new NodePortAllocator('30000-30009', { seed: 3 });
    a.allocateMany(4);
    const before = portState(a);
    expectAllocatorError(() => a.restore({ range: '30000-30010', data: new Uint8Array([1]) }), 'ERR_MISMATCHED_NETWORK');
    expectAllocatorError(() => a.restore({ range: '30000-30009', data: new Uint8Array([0x04, 0x00]) }), 'ERR_INVALID_SNAPSHOT');
    expectAllocatorError(() => a.restore({ range: 'thirty', data: new Uint8Array() }), 'ERR_INVALID_SNAPSHOT');
    expect(portState(a)).toEqual(before);
    a.dispose();
  });
});
