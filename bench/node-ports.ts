// The node port rows: a fill of the default range 30000-32767 and churn at 90 % full, for
// NodePortAllocator (single calls and allocateMany) against the TypeScript port of Kubernetes'
// bitmap allocator with the node port band (86). Free of Node APIs, like suite.ts.
import { Bench } from 'tinybench';
import { NodePortAllocator, describePortRange } from '../dist/index.js';
import { KubernetesPortAllocator } from './baselines/kubernetes-port.js';
import { seededRandom } from './baselines/seeded-random.js';

const RANGE = '30000-32767';
const CHURN_OPS = 1000;

interface PortContender {
  key: string;
  label: string;
  /** Fills the whole range from empty; returns the ports. */
  fill(): ArrayLike<number>;
  /** One dynamic allocation and its release; returns the port. */
  churn(): number;
  prefill(ports: ArrayLike<number>): void;
  reset(): void;
}

function clusteripContender(batch: boolean): PortContender {
  let a = new NodePortAllocator(RANGE, { seed: 1 });
  const size = describePortRange(RANGE).size;
  return {
    key: batch ? 'batch' : 'single',
    label: batch ? 'clusterip NodePortAllocator allocateMany' : 'clusterip NodePortAllocator',
    fill: () => (batch ? a.allocateMany(size) : Array.from({ length: size }, () => a.allocateNext())),
    churn: () => {
      const port = a.allocateNext();
      a.release(port);
      return port;
    },
    prefill: (ports) => { for (let i = 0; i < ports.length; i++) a.allocate(ports[i]); },
    reset: () => { a.dispose(); a = new NodePortAllocator(RANGE, { seed: 1 }); },
  };
}

function kubernetesContender(): PortContender {
  const info = describePortRange(RANGE);
  const make = () => new KubernetesPortAllocator(info.size, info.bandOffset, seededRandom(1));
  let k = make();
  return {
    key: 'kubernetes',
    label: 'Kubernetes port (TS)',
    fill: () => Array.from({ length: info.size }, () => info.rangeStart + k.allocateNext()),
    churn: () => {
      const offset = k.allocateNext();
      k.release(offset);
      return info.rangeStart + offset;
    },
    prefill: (ports) => { for (let i = 0; i < ports.length; i++) k.allocate(ports[i] - info.rangeStart); },
    reset: () => { k = make(); },
  };
}

function checkFill(ports: ArrayLike<number>, label: string): void {
  const info = describePortRange(RANGE);
  const seen = new Set<number>();
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if (p < info.rangeStart || p > info.rangeEnd || seen.has(p)) throw new Error(`${label}: port ${p} out of range or handed out twice`);
    seen.add(p);
  }
  if (seen.size !== info.size) throw new Error(`${label}: filled ${seen.size} of ${info.size} ports`);
}

export interface PortRow { workload: string; unit: string; rates: Record<string, number> }

export async function runNodePortBench(quick: boolean): Promise<{ rows: PortRow[]; text: string }> {
  const contenders = [clusteripContender(false), clusteripContender(true), kubernetesContender()];
  // Same 90 % state for every contender: the ports a seeded dynamic fill hands out first.
  const source = new NodePortAllocator(RANGE, { seed: 7 });
  const held = source.allocateMany(Math.floor(describePortRange(RANGE).size * 0.9));
  source.dispose();
  for (const c of contenders) {
    checkFill(c.fill(), c.label);
    c.reset();
    c.prefill(held);
    const heldSet = new Set(held);
    for (let i = 0; i < 100; i++) if (heldSet.has(c.churn())) throw new Error(`${c.label}: churn handed out a held port`);
    c.reset();
  }
  const rows: PortRow[] = [];
  const options = { time: quick ? 30 : 600, iterations: quick ? 3 : 10, warmupTime: quick ? 0 : 100, warmupIterations: quick ? 1 : 5 };
  const fillBench = new Bench(options);
  for (const c of contenders) fillBench.add(c.key, () => { c.fill(); }, { beforeEach: () => c.reset() });
  await fillBench.run();
  rows.push({ workload: `fill ${RANGE} (node ports)`, unit: 'ports/s', rates: rates(fillBench, contenders, describePortRange(RANGE).size) });
  const churnBench = new Bench(options);
  for (const c of contenders) {
    c.reset();
    c.prefill(held);
    if (c.key === 'batch') continue; // churn is single calls
    churnBench.add(c.key, () => { for (let i = 0; i < CHURN_OPS; i++) c.churn(); });
  }
  await churnBench.run();
  rows.push({ workload: `churn (allocate one, release one) on ${RANGE} at 90%`, unit: 'ops/s', rates: rates(churnBench, contenders, CHURN_OPS) });
  for (const c of contenders) c.reset();
  const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
  const best = (r: PortRow) => Math.max(r.rates.single ?? 0, r.rates.batch ?? 0);
  const text = [
    '| node port workload | unit | NodePortAllocator | allocateMany | Kubernetes port (TS) | best clusterip ÷ Kubernetes |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.workload} | ${r.unit} | ${fmt(r.rates.single)} | ${fmt(r.rates.batch)} | ${fmt(r.rates.kubernetes)} | ${(best(r) / r.rates.kubernetes).toFixed(1)}× |`),
  ].join('\n');
  return { rows, text };
}

function rates(bench: Bench, contenders: PortContender[], perCall: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of contenders) {
    const result = bench.getTask(c.key)?.result as { throughput?: { mean: number } } | undefined;
    if (result?.throughput) out[c.key] = result.throughput.mean * perCall;
  }
  return out;
}
