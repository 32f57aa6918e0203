// The fresh-process section of `npm run bench`: batch paths against single calls, sparse snapshot
// and restore against a refill, and IPv6 text against IPv4 text — each measured in new Node
// processes (bench/fresh-process-worker.mjs), because a short simulation or a CLI run pays for
// what a warmed-up in-process bench hides (interpreted code, first-touch memory).
//
// Goals (issue 25):
// - batch ≥ 1.5× single calls, in a fresh process: a dense /12 fill (allocateManyOffsets against
//   allocateNextOffset) and node ports 1-65535 (allocateMany against allocateNext, each way
//   keeping the ports it returns);
// - sparse snapshot and restore of 10^6 addresses in a /64 each ≥ 3× faster than the fill that
//   made them (allocateMany, as the issue measured it);
// - IPv6 string churn ≤ 3× IPv4 string churn on the same workload: both holding 32,767 addresses.
//   Judged on the /112 (the same dense store as the /16, so only the text differs) and on the /64
//   (the sparse store's hash probes added); a /64 holding 10^6 is printed beside them.
// Ratios are medians over rounds; each batch round runs its two processes back to back, in
// alternating order. The quick run (CI) uses smaller sizes, fewer rounds and judges nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const worker = join(import.meta.dirname, 'fresh-process-worker.mjs');

function measure<T>(scenario: string, quick: boolean): T {
  const text = execFileSync(process.execPath, [worker, scenario, quick ? '1' : '0'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(text.trim().split('\n').pop()!) as T;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export interface FreshProcessRow { name: string; measured: number; goal: string; met: boolean | undefined; detail: string }

export function runFreshProcessBench(quick: boolean, log: (s: string) => void = () => {}): { rows: FreshProcessRow[]; text: string } {
  const rounds = quick ? 3 : 11;
  const rows: FreshProcessRow[] = [];
  const judge = (met: boolean) => (quick ? undefined : met);

  // Batch against single calls: speed-up = single ns ÷ batch ns, per pair of processes.
  const pairs = [
    { name: `batch ÷ single, dense ${quick ? '/16' : '/12'} fill`, batch: 'ip-batch', single: 'ip-single', key: 'nsPerAddress' },
    { name: 'batch ÷ single, node ports 1-65535', batch: 'port-batch', single: 'port-single', key: 'nsPerPort' },
  ] as const;
  for (const pair of pairs) {
    const batch: number[] = [];
    const single: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [pair.batch, pair.single] : [pair.single, pair.batch];
      for (const scenario of order) {
        const ns = measure<Record<string, number>>(scenario, quick)[pair.key];
        (scenario === pair.batch ? batch : single).push(ns);
      }
      log('.');
    }
    const speedUp = median(single.map((s, i) => s / batch[i]));
    rows.push({ name: pair.name, measured: speedUp, goal: '≥ 1.5×', met: judge(speedUp >= 1.5), detail: `${median(batch).toFixed(1)} ns vs ${median(single).toFixed(1)} ns each` });
  }

  // Sparse snapshot and restore against the fill.
  const sparse = Array.from({ length: quick ? 1 : 5 }, () => {
    log('.');
    return measure<{ n: number; fillMs: number; snapshotMs: number; restoreMs: number; bytes: number }>('sparse', quick);
  });
  const n = sparse[0].n.toLocaleString('en-US');
  const restore = median(sparse.map((s) => s.fillMs / s.restoreMs));
  const snapshot = median(sparse.map((s) => s.fillMs / s.snapshotMs));
  const ms = (values: number[]) => `${median(values).toFixed(0)} ms`;
  rows.push({ name: `sparse restore of ${n} addresses (/64): fill ÷ restore`, measured: restore, goal: '≥ 3×', met: judge(restore >= 3), detail: `${ms(sparse.map((s) => s.restoreMs))} vs fill ${ms(sparse.map((s) => s.fillMs))}` });
  rows.push({ name: `sparse snapshot of ${n} addresses (/64): fill ÷ snapshot`, measured: snapshot, goal: '≥ 3×', met: judge(snapshot >= 3), detail: `${ms(sparse.map((s) => s.snapshotMs))} (${median(sparse.map((s) => s.bytes)).toLocaleString('en-US')} bytes)` });

  // IPv6 text against IPv4 text: the worker pairs the sides within its own rounds.
  const text = measure<{ nsPerOp: Record<string, number>; ratio: Record<string, number> }>('text', quick);
  log('.');
  const ns = (key: string) => `${text.nsPerOp[key].toFixed(0)} ns`;
  rows.push({ name: 'string churn, IPv6 /112 ÷ IPv4 /16, each holding 32,767', measured: text.ratio.v6dense, goal: '≤ 3×', met: judge(text.ratio.v6dense <= 3), detail: `${ns('v6dense')} vs ${ns('v4')} per op` });
  rows.push({ name: 'string churn, IPv6 /64 ÷ IPv4 /16, each holding 32,767', measured: text.ratio.v6sparse, goal: '≤ 3×', met: judge(text.ratio.v6sparse <= 3), detail: `${ns('v6sparse')} vs ${ns('v4')} per op` });
  if (text.ratio.v6large !== undefined) {
    rows.push({ name: 'string churn, IPv6 /64 holding 1,000,000 ÷ IPv4 /16 holding 32,767', measured: text.ratio.v6large, goal: '', met: undefined, detail: `${ns('v6large')} per op (the sparse store's hash probes grow with what it holds)` });
  }

  const lines = [
    `Fresh processes (${quick ? 'quick run: smaller sizes, few rounds; not judged' : `median of ${rounds} paired rounds`})`,
    '',
    '| measure | measured | goal | met | detail |',
    '|---|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.measured.toFixed(2)}× | ${r.goal} | ${r.met === undefined ? (r.goal ? 'not judged' : '') : r.met ? 'yes' : 'NO'} | ${r.detail} |`),
  ];
  return { rows, text: lines.join('\n') };
}
