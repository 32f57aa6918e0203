// The Service-level section of `npm run bench`: what a simulation pays per Service in ServiceIPAM
// (1.36, a /12, or /8 + /64 dual-stack), judged as ratios against baselines measured in the same
// process (bench/services-worker.mjs runs each scenario in a fresh Node process, --expose-gc):
// - create ≤ 1.0× a structuredClone of the same Service (≤ 1.5× dual-stack). A create stores the
//   Service, so the baseline keeps its clones too (the least a store can do); the ratio against
//   clones dropped at once is printed beside it;
// - update (a label change) and delete ≤ 1.0× create;
// - repair() reporting ≤ 0.3× a structuredClone per Service;
// - 10^6 creates in one process cost ≤ 1.2× per Service what 10^5 do;
// - ≤ 500 B of heap per stored Service beyond the caller's own objects.
// The quick run (CI) uses 20,000 Services and judges nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const worker = join(import.meta.dirname, 'services-worker.mjs');

interface WorkerResult { scenario: string; n: number; median: Record<string, number> }

function measure(scenario: string, n: number, rounds: number): WorkerResult {
  const text = execFileSync(process.execPath, ['--expose-gc', worker, scenario, String(n), String(rounds)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(text.trim().split('\n').pop()!) as WorkerResult;
}

export interface ServiceBenchRow { name: string; measured: number; goal: string; met: boolean | undefined; detail: string }

export function runServiceBench(quick: boolean, log: (s: string) => void = () => {}): { rows: ServiceBenchRow[]; text: string } {
  const n = quick ? 20_000 : 100_000;
  const rounds = quick ? 1 : 5;
  const us = (x: number) => `${x.toFixed(2)} µs`;
  const rows: ServiceBenchRow[] = [];
  const judge = (value: number, limit: number) => (quick ? undefined : value <= limit);

  const create = measure('create', n, rounds);
  log('.');
  rows.push({ name: `create ÷ structuredClone kept (single-stack, ${n.toLocaleString('en-US')} Services)`, measured: create.median.ratio, goal: '≤ 1.0×', met: judge(create.median.ratio, 1.0), detail: `${us(create.median.create)} vs ${us(create.median.clone)} (${create.median.ratioDropped.toFixed(2)}× a clone dropped, ${us(create.median.cloneDropped)})` });
  const dual = measure('create-dual', n, rounds);
  log('.');
  rows.push({ name: 'create ÷ structuredClone kept (dual-stack)', measured: dual.median.ratio, goal: '≤ 1.5×', met: judge(dual.median.ratio, 1.5), detail: `${us(dual.median.create)} vs ${us(dual.median.clone)} (${dual.median.ratioDropped.toFixed(2)}× a clone dropped)` });
  for (const scenario of ['update', 'delete'] as const) {
    const r = measure(scenario, n, rounds);
    log('.');
    rows.push({ name: `${scenario} ÷ create`, measured: r.median.ratio, goal: '≤ 1.0×', met: judge(r.median.ratio, 1.0), detail: `${us(r.median[scenario])} vs ${us(r.median.create)}` });
  }
  const repair = measure('repair', n, rounds);
  log('.');
  rows.push({ name: 'repair() report ÷ structuredClone, per Service', measured: repair.median.ratio, goal: '≤ 0.3×', met: judge(repair.median.ratio, 0.3), detail: `${us(repair.median.repair)} vs ${us(repair.median.clone)}` });
  const small = measure('scale', n, 1);
  const large = measure('scale', n * 10, 1);
  log('.');
  const growth = large.median.create / small.median.create;
  rows.push({ name: `per-Service create cost, ${(n * 10).toLocaleString('en-US')} ÷ ${n.toLocaleString('en-US')} Services`, measured: growth, goal: '≤ 1.2×', met: judge(growth, 1.2), detail: `${us(large.median.create)} vs ${us(small.median.create)}` });
  const heap = measure('heap', n, 1);
  log('.');
  rows.push({ name: 'heap per stored Service beyond the caller\'s objects', measured: heap.median.bytes, goal: '≤ 500 B', met: judge(heap.median.bytes, 500), detail: `${Math.round(heap.median.bytes)} B` });

  const lines = [
    `ServiceIPAM per Service (1.36, ${quick ? 'quick run: 20,000 Services, one round; not judged' : `${n.toLocaleString('en-US')} Services, median of ${rounds} paired rounds`}; CPU time of every thread)`,
    '',
    '| goal | measured | goal | met | per Service |',
    '|---|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.name.startsWith('heap') ? `${Math.round(r.measured)} B` : `${r.measured.toFixed(2)}×`} | ${r.goal} | ${r.met === undefined ? 'not judged' : r.met ? 'yes' : 'NO'} | ${r.detail} |`),
  ];
  return { rows, text: lines.join('\n') };
}
