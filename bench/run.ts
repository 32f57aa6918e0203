// `npm run bench` (add `-- --quick` for a few-second run). Prints a markdown table and writes
// bench/results.json. Every number is from this process, so ratios compare like with like.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { ClusterIPAllocator } from '../dist/index.js';
import { KubernetesPortAllocator } from './baselines/kubernetes-port.js';

const quick = process.argv.includes('--quick');
const bench = new Bench({ time: quick ? 150 : 1000, warmupTime: quick ? 50 : 200 });

interface Workload { name: string; clusterip: () => void; numeric: () => void; kubernetes: () => void }

// Churn keeps the fill level constant: each iteration allocates one address and releases it.
function churnAt(cidr: string, fill: number): Workload {
  const strings = new ClusterIPAllocator(cidr, { seed: 1 });
  const numbers = new ClusterIPAllocator(cidr, { seed: 1 });
  const size = Number(strings.free);
  const target = Math.floor(size * fill);
  strings.allocateMany(target);
  numbers.allocateManyOffsets(new Uint32Array(target));
  const port = new KubernetesPortAllocator(size, strings.range.bandOffset);
  for (let i = 0; i < target; i++) port.allocateNext();
  return {
    name: `allocateNext on ${cidr} at ${fill * 100}% full`,
    clusterip: () => { strings.release(strings.allocateNext()); },
    numeric: () => { numbers.releaseOffset(numbers.allocateNextOffset()); },
    kubernetes: () => { port.release(port.allocateNext()); },
  };
}

const workloads = [churnAt('10.96.0.0/16', 0.5), churnAt('10.96.0.0/16', 0.99)];
for (const w of workloads) {
  bench.add(`${w.name} | clusterip string`, w.clusterip);
  bench.add(`${w.name} | clusterip numeric`, w.numeric);
  bench.add(`${w.name} | kubernetes port`, w.kubernetes);
}

await bench.run();

const opsPerSecond = (name: string) => {
  const task = bench.getTask(name);
  const result = task?.result as { throughput?: { mean: number } } | undefined;
  return result?.throughput?.mean ?? NaN;
};

const rows = workloads.map((w) => {
  const s = opsPerSecond(`${w.name} | clusterip string`);
  const n = opsPerSecond(`${w.name} | clusterip numeric`);
  const k = opsPerSecond(`${w.name} | kubernetes port`);
  return { workload: w.name, clusteripString: s, clusteripNumeric: n, kubernetesPort: k, stringVsPort: s / k, numericVsPort: n / k };
});

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
console.log(`\nclusterip benchmark — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}${quick ? ' (quick)' : ''}\n`);
console.log('| workload | clusterip string ops/s | clusterip numeric ops/s | Kubernetes port ops/s | string ÷ port | numeric ÷ port |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.workload} | ${fmt(r.clusteripString)} | ${fmt(r.clusteripNumeric)} | ${fmt(r.kubernetesPort)} | ${fmt(r.stringVsPort)}× | ${fmt(r.numericVsPort)}× |`);
}
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ node: process.version, quick, rows }, null, 2) + '\n');
