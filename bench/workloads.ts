// The workloads, each with a correctness check that every contender must pass before it is timed.
import type { Contender, Instance } from './contenders.js';
import { ClusterIPAllocator, describeRange } from '../dist/index.js';

export interface Timed {
  /** Prepares a fresh state before each timed call (not timed). */
  beforeEach?: () => void;
  run: () => void;
  /** Operations (or addresses) per timed call: calls are batched so the timer's own cost vanishes. */
  perCall: number;
  dispose: () => void;
}

/** Operations per timed call for the single-operation workloads. */
const OPS_PER_CALL = 1000;
/** The quick run's calls do a tenth of the work (a Kubernetes-port churn call at 99.9 % takes 0.3 s). */
const QUICK_OPS_PER_CALL = 100;

export interface Workload {
  readonly key: string;
  readonly title: string;
  /** Contenders this workload applies to (batch only makes sense for fills). */
  readonly applies: (c: Contender) => boolean;
  /** Throws if the contender computes anything wrong. */
  validate(c: Contender): void;
  prepare(c: Contender): Timed;
}

function usableOf(cidr: string): number {
  return Number(describeRange(cidr).size);
}

function assertUniqueInRange(offsets: ArrayLike<number>, size: number, what: string): void {
  const seen = new Uint8Array(size);
  for (let i = 0; i < offsets.length; i++) {
    const k = offsets[i];
    if (!(k >= 0 && k < size) || seen[k]) throw new Error(`${what}: offset ${k} out of range or handed out twice`);
    seen[k] = 1;
  }
}

export type Prefill = 'dynamic' | 'scattered';

// The offsets a range holds at `fraction` full, identical for every contender so they are timed on
// equal states. 'dynamic': reached by Kubernetes' own dynamic allocation (random start, first free
// after it), which leaves the long allocated runs a real nearly-full range has. 'scattered':
// uniformly random offsets, the easiest state for a scanning allocator.
const prefillCache = new Map<string, Uint32Array>();
function prefillOffsets(cidr: string, fraction: number, seed: number, how: Prefill): Uint32Array {
  const key = `${cidr} ${fraction} ${seed} ${how}`;
  let offsets = prefillCache.get(key);
  if (!offsets) {
    const size = usableOf(cidr);
    offsets = new Uint32Array(Math.floor(size * fraction));
    if (how === 'dynamic') {
      const source = new ClusterIPAllocator(cidr, { seed });
      source.allocateManyOffsets(offsets);
      source.dispose();
    } else {
      const seen = new Uint8Array(size);
      let state = seed;
      for (let n = 0; n < offsets.length; ) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const k = state % size;
        if (!seen[k]) {
          seen[k] = 1;
          offsets[n++] = k;
        }
      }
    }
    prefillCache.set(key, offsets);
  }
  return offsets;
}

function prefill(instance: Instance, cidr: string, fraction: number, seed: number, how: Prefill = 'dynamic'): Set<number> {
  const offsets = prefillOffsets(cidr, fraction, seed, how);
  for (let i = 0; i < offsets.length; i++) instance.allocateOffset(offsets[i]);
  return new Set(offsets);
}

export function fillWorkload(cidr: string): Workload {
  const size = usableOf(cidr);
  return {
    key: `fill ${cidr}`,
    title: `fill ${cidr} from empty to full (${size.toLocaleString('en-US')} addresses)`,
    applies: (c) => c.key !== 'string' || size <= 65534,
    validate(c) {
      const instance = c.create(cidr, 1);
      const offsets = instance.fill(size);
      assertUniqueInRange(offsets, size, `${c.label} ${this.key}`);
      if (instance.used() !== size) throw new Error(`${c.label} ${this.key}: used ${instance.used()} != ${size}`);
      instance.dispose();
    },
    prepare(c) {
      // Small ranges are filled several times per call (fresh instances made beforehand).
      const copies = Math.max(1, Math.floor(65536 / size));
      let instances: Instance[] = [];
      let seed = 1;
      const release = () => {
        for (const instance of instances) instance.dispose();
        instances = [];
      };
      return {
        beforeEach: () => {
          release();
          for (let i = 0; i < copies; i++) instances.push(c.create(cidr, seed++));
        },
        run: () => {
          for (const instance of instances) instance.fill(size);
        },
        perCall: size * copies,
        dispose: release,
      };
    },
  };
}

export function churnWorkload(cidr: string, fraction: number, how: Prefill = 'dynamic', opsPerCall = OPS_PER_CALL): Workload {
  const size = usableOf(cidr);
  return {
    key: `churn ${cidr} ${fraction * 100}%${how === 'scattered' ? ' scattered' : ''}`,
    title: `churn (allocate one, release one) on ${cidr} at ${fraction * 100}% full${how === 'scattered' ? ', free addresses scattered uniformly' : ''}`,
    applies: (c) => c.key !== 'batch',
    validate(c) {
      const instance = c.create(cidr, 2);
      const taken = prefill(instance, cidr, fraction, 7, how);
      for (let i = 0; i < opsPerCall * 2; i++) {
        const k = instance.churn();
        if (!(k >= 0 && k < size) || taken.has(k)) throw new Error(`${c.label} ${this.key}: handed out taken offset ${k}`);
      }
      if (instance.used() !== taken.size) throw new Error(`${c.label} ${this.key}: used drifted`);
      instance.dispose();
    },
    prepare(c) {
      const instance = c.create(cidr, 3);
      prefill(instance, cidr, fraction, 7, how);
      return {
        run: () => {
          for (let i = 0; i < opsPerCall; i++) instance.churn();
        },
        perCall: opsPerCall,
        dispose: () => instance.dispose(),
      };
    },
  };
}

export function staticWorkload(cidr: string, opsPerCall = OPS_PER_CALL): Workload {
  const size = usableOf(cidr);
  const first = describeRange(cidr).rangeStart.split('.').map(Number);
  const ipAt = (k: number) => {
    const value = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) + k;
    return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
  };
  return {
    key: `static ${cidr}`,
    title: `static allocate + has + release by string on ${cidr} at 50% full`,
    applies: (c) => c.key !== 'batch',
    validate(c) {
      const instance = c.create(cidr, 4);
      const taken = prefill(instance, cidr, 0.5, 11);
      for (let k = 0; k < 3000; k++) if (!taken.has(k)) instance.staticCycle(ipAt(k));
      if (instance.used() !== taken.size) throw new Error(`${c.label} ${this.key}: used drifted`);
      instance.dispose();
    },
    prepare(c) {
      const instance = c.create(cidr, 4);
      const taken = prefill(instance, cidr, 0.5, 11);
      const free: string[] = [];
      for (let k = 0; free.length < 4096; k++) if (!taken.has(k)) free.push(ipAt(k));
      let i = 0;
      return {
        run: () => {
          for (let n = 0; n < opsPerCall; n++) instance.staticCycle(free[i++ & 4095]);
        },
        perCall: opsPerCall,
        dispose: () => instance.dispose(),
      };
    },
  };
}

export function snapshotWorkload(cidr: string): Workload {
  const size = usableOf(cidr);
  return {
    key: `snapshot ${cidr}`,
    title: `snapshot then restore of ${cidr} at 50% full`,
    applies: (c) => c.key === 'numeric' || c.key === 'kubernetes' || c.key === 'scanner',
    validate(c) {
      // Every contender must produce the same RangeAllocation bytes for the same state.
      const reference = c.create(cidr, 5);
      prefill(reference, cidr, 0.5, 13);
      const bytes = reference.snapshot();
      const other = c.create(cidr, 6);
      other.restore(bytes);
      const again = other.snapshot();
      if (other.used() !== reference.used() || again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
        throw new Error(`${c.label} ${this.key}: restore does not round-trip`);
      }
      const expected = expectedSnapshot(size, prefillOffsets(cidr, 0.5, 13, 'dynamic'));
      if (bytes.length !== expected.length || bytes.some((b, i) => b !== expected[i])) {
        throw new Error(`${c.label} ${this.key}: snapshot bytes differ from the RangeAllocation encoding`);
      }
      reference.dispose();
      other.dispose();
    },
    prepare(c) {
      const instance = c.create(cidr, 5);
      prefill(instance, cidr, 0.5, 13);
      return { run: () => { instance.restore(instance.snapshot()); }, perCall: 1, dispose: () => instance.dispose() };
    },
  };
}

// The encoding computed independently: a binary digit string (bit k at position size-1-k) read
// as one BigInt, then written as minimal big-endian hex.
function expectedSnapshot(size: number, offsets: Uint32Array): Uint8Array {
  const digits = new Uint8Array(size).fill(48);
  for (const k of offsets) digits[size - 1 - k] = 49;
  const value = BigInt('0b' + new TextDecoder('latin1').decode(digits));
  const hex = value === 0n ? '' : value.toString(16);
  const even = hex.length % 2 ? `0${hex}` : hex;
  return Uint8Array.from({ length: even.length / 2 }, (_, i) => parseInt(even.slice(2 * i, 2 * i + 2), 16));
}

// Issue 4's /64: only clusterip can hold it (the baselines' arrays would need 2^64 entries), and
// its offsets do not fit numbers, so the string API (one call at a time, and allocateMany) is timed.
export function largeIPv6Workload(kind: 'fill' | 'churn', count = 1_000_000, opsPerCall = OPS_PER_CALL): Workload {
  const cidr = 'fd00:10:96::/64';
  const make = (seed: number) => new ClusterIPAllocator(cidr, { seed });
  return {
    key: `${kind} ${cidr}`,
    title: kind === 'fill' ? `allocate ${count.toLocaleString('en-US')} in ${cidr}` : `churn on ${cidr} holding ${count.toLocaleString('en-US')}`,
    applies: (c) => c.key === 'string' || (kind === 'fill' && c.key === 'batch'),
    validate() {
      const a = make(1);
      const ips = a.allocateMany(count);
      if (new Set(ips).size !== count || a.used !== count) throw new Error(`${cidr}: duplicate or lost allocations`);
      for (let i = 0; i < 1000; i++) {
        const ip = a.allocateNext();
        if (!a.release(ip) || a.used !== count) throw new Error(`${cidr}: churn drifted`);
      }
      a.dispose();
    },
    prepare(c) {
      if (kind === 'fill') {
        let a: ClusterIPAllocator | undefined;
        let seed = 1;
        return {
          beforeEach: () => {
            a?.dispose();
            a = make(seed++);
          },
          run: () => {
            if (c.key === 'batch') a!.allocateMany(count);
            else for (let i = 0; i < count; i++) a!.allocateNext();
          },
          perCall: count,
          dispose: () => a?.dispose(),
        };
      }
      const a = make(2);
      a.allocateMany(count);
      return {
        run: () => {
          for (let i = 0; i < opsPerCall; i++) a.release(a.allocateNext());
        },
        perCall: opsPerCall,
        dispose: () => a.dispose(),
      };
    },
  };
}

/**
 * Every workload; `quick` (CI's run, which asserts no timings) swaps the /12 for a /15, holds
 * 100,000 IPv6 addresses instead of 1,000,000 and does a tenth of the work per timed call.
 */
export function allWorkloads(quick = false): Workload[] {
  const big = quick ? QUICK_LARGE_RANGE : '10.96.0.0/12';
  const ipv6Count = quick ? 100_000 : 1_000_000;
  const ops = quick ? QUICK_OPS_PER_CALL : OPS_PER_CALL;
  return [
    ...['10.96.0.0/24', '10.96.0.0/20', '10.96.0.0/16', big].map(fillWorkload),
    ...['10.96.0.0/16', big].flatMap((cidr) => [0.5, 0.9, 0.99, 0.999].map((f) => churnWorkload(cidr, f, 'dynamic', ops))),
    churnWorkload(big, 0.999, 'scattered', ops),
    staticWorkload('10.96.0.0/16', ops),
    snapshotWorkload(big),
    largeIPv6Workload('fill', ipv6Count, ops),
    largeIPv6Workload('churn', ipv6Count, ops),
  ];
}

/** The large IPv4 range of the quick run. */
export const QUICK_LARGE_RANGE = '10.96.0.0/15';
