// The implementations the suite compares, behind one small interface. Offsets are the common
// currency (offset k = network + 1 + k); string workloads go through each one's own text path.
import { ClusterIPAllocator, describeRange } from '../dist/index.js';
import { KubernetesPortAllocator } from './baselines/kubernetes-port.js';
import { WordScannerAllocator } from './baselines/word-scanner.js';
import { ipv4ToNumber, seededRandom } from './baselines/seeded-random.js';

export interface Instance {
  /** Allocates `count` dynamically, the contender's fastest way; returns the offsets. */
  fill(count: number): ArrayLike<number>;
  /** One dynamic allocation followed by its release; returns the offset. */
  churn(): number;
  /** allocate + has + release of one IPv4 address given as text; throws if any step is wrong. */
  staticCycle(ip: string): void;
  allocateOffset(offset: number): void;
  used(): number;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  dispose(): void;
}

export interface Contender {
  readonly key: string;
  readonly label: string;
  create(cidr: string, seed: number): Instance;
}

function clusterip(key: string, label: string, mode: 'string' | 'numeric' | 'batch'): Contender {
  return {
    key,
    label,
    create(cidr, seed) {
      const a = new ClusterIPAllocator(cidr, { seed });
      return {
        fill(count) {
          if (mode === 'batch') {
            const out = new Uint32Array(count);
            a.allocateManyOffsets(out);
            return out;
          }
          const out = new Uint32Array(count);
          if (mode === 'numeric') {
            for (let i = 0; i < count; i++) out[i] = a.allocateNextOffset();
          } else {
            const ips = new Array<string>(count);
            for (let i = 0; i < count; i++) ips[i] = a.allocateNext();
            for (let i = 0; i < count; i++) out[i] = a.offsetOf(ips[i]);
          }
          return out;
        },
        churn() {
          if (mode === 'string') {
            const ip = a.allocateNext();
            a.release(ip);
            return a.offsetOf(ip);
          }
          const k = a.allocateNextOffset();
          a.releaseOffset(k);
          return k;
        },
        staticCycle(ip) {
          if (mode === 'string') {
            a.allocate(ip);
            if (!a.has(ip) || !a.release(ip)) throw new Error(`clusterip lost ${ip}`);
            return;
          }
          const k = a.offsetOf(ip);
          a.allocateOffset(k);
          if (!a.hasOffset(k) || !a.releaseOffset(k)) throw new Error(`clusterip lost ${ip}`);
        },
        allocateOffset: (k) => a.allocateOffset(k),
        used: () => a.used,
        snapshot: () => a.snapshot().data,
        restore: (data) => a.restore({ range: a.cidr, data }),
        dispose: () => a.dispose(),
      };
    },
  };
}

interface BaselineCore {
  allocateNext(): number;
  allocate(offset: number): boolean;
  has(offset: number): boolean;
  release(offset: number): boolean;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  count: number;
}

function baseline(key: string, label: string, make: (max: number, band: number, random: () => number) => BaselineCore): Contender {
  return {
    key,
    label,
    create(cidr, seed) {
      const range = describeRange(cidr);
      const first = ipv4ToNumber(range.rangeStart);
      const core = make(Number(range.size), range.bandOffset, seededRandom(seed));
      const offsetOf = (ip: string) => {
        const value = ipv4ToNumber(ip);
        if (value < 0) throw new Error(`bad IP ${ip}`);
        return value - first;
      };
      return {
        fill(count) {
          const out = new Uint32Array(count);
          for (let i = 0; i < count; i++) out[i] = core.allocateNext();
          return out;
        },
        churn() {
          const k = core.allocateNext();
          core.release(k);
          return k;
        },
        staticCycle(ip) {
          const k = offsetOf(ip);
          if (!core.allocate(k) || !core.has(k) || !core.release(k)) throw new Error(`${label} lost ${ip}`);
        },
        allocateOffset: (k) => {
          if (!core.allocate(k)) throw new Error(`${label}: offset ${k} taken`);
        },
        used: () => core.count,
        snapshot: () => core.snapshot(),
        restore: (data) => core.restore(data),
        dispose: () => {},
      };
    },
  };
}

export const contenders: Contender[] = [
  clusterip('string', 'clusterip string', 'string'),
  clusterip('numeric', 'clusterip numeric', 'numeric'),
  clusterip('batch', 'clusterip batch', 'batch'),
  baseline('kubernetes', 'Kubernetes port (TS)', (max, band, random) => new KubernetesPortAllocator(max, band, random)),
  baseline('scanner', 'word scanner (JS)', (max, band, random) => new WordScannerAllocator(max, band, random)),
];
