// `npm run bench:etcd` (`-- --quick` for CI): Service IP allocation shared through a real etcd
// (Debian's etcd-server on 127.0.0.1), measured in writer processes (bench/etcd-worker.mjs):
// 1. Services/s with 1, 2 and 4 writers, transactions, lost races and bytes written per Service:
//    the Kubernetes layout (SharedServiceIPAM, one key per object) against the one-value store
//    --store used before (the whole state in one key), in the same run;
// 2. bytes written per Service as the store grows (goal: independent of how many Services exist);
// 3. `clusterip allocate` of 20,000 Services with --store against the same run with --state
//    (goal: at most 3× the time), paired runs in fresh processes.
// Prints markdown tables; the quick run uses smaller counts and judges nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../test/etcd/etcd-server.js';

const quick = process.argv.includes('--quick');
const worker = join(import.meta.dirname, 'etcd-worker.mjs');
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const etcd = await startEtcd();
const log = (s: string) => process.stderr.write(s);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface WorkerResult { ms: number; transactions: number; conflicts: number; bytes: number; marks: Array<{ done: number; bytes: number }> }

function runWorker(prefix: string, id: number, count: number, batch: number, design: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, etcd.endpoint, prefix, String(id), String(count), String(batch), design], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
  });
}

function timeCommand(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`clusterip ${args[0]} exited ${code}`))));
  });
}

const lines: string[] = [];
let prefixes = 0;
try {
  // 1. Writers.
  const total = quick ? 400 : 1500;
  const batch = 50;
  const rows: string[] = [];
  const rates: Record<string, Record<number, number>> = { objects: {}, 'one-value': {} };
  for (const processes of [1, 2, 4]) {
    for (const design of ['objects', 'one-value']) {
      const prefix = `/bench${++prefixes}`;
      const per = Math.floor(total / processes);
      const results = await Promise.all(Array.from({ length: processes }, (_, id) => runWorker(prefix, id, per, batch, design)));
      const services = per * processes;
      const seconds = Math.max(...results.map((r) => r.ms)) / 1000;
      const sum = (key: 'transactions' | 'conflicts' | 'bytes') => results.reduce((n, r) => n + r[key], 0);
      rates[design][processes] = services / seconds;
      rows.push(`| ${processes} | ${design === 'objects' ? 'one key per object (SharedServiceIPAM)' : 'one value for the whole state (before)'} | ${services.toLocaleString('en-US')} | ${Math.round(services / seconds).toLocaleString('en-US')} | ${(sum('transactions') / services).toFixed(3)} | ${(sum('conflicts') / services).toFixed(3)} | ${Math.round(sum('bytes') / services).toLocaleString('en-US')} |`);
      log('.');
    }
  }
  lines.push(`Writers: ${total.toLocaleString('en-US')} ClusterIP Services in all (1.36, a /12), ${batch} requests in flight per writer`, '',
    '| writers | layout | Services | Services/s | transactions per Service | lost races per Service | bytes written per Service |',
    '|---:|---|---:|---:|---:|---:|---:|', ...rows, '',
    '| writers | Services/s, one key per object ÷ one value |', '|---:|---:|',
    ...[1, 2, 4].map((p) => `| ${p} | ${(rates.objects[p] / rates['one-value'][p]).toFixed(1)}× |`));

  // 2. Bytes per Service as the store grows.
  const growthCount = quick ? 2000 : 10_000;
  const growth = await runWorker(`/bench${++prefixes}`, 0, growthCount, batch, 'objects');
  const tenth = growthCount / 10;
  const at = (done: number) => growth.marks.find((m) => m.done >= done)!.bytes;
  const first = at(tenth) / tenth;
  const last = (growth.bytes - at(growthCount - tenth)) / tenth;
  const growthRatio = last / first;
  log('.');
  lines.push('', `Bytes written per Service as the store grows (one writer, ${growthCount.toLocaleString('en-US')} Services)`, '',
    '| first tenth | last tenth | last ÷ first | goal | met |', '|---:|---:|---:|---:|---|',
    `| ${Math.round(first)} | ${Math.round(last)} | ${growthRatio.toFixed(2)}× | ≤ 1.1× | ${quick ? 'not judged' : growthRatio <= 1.1 ? 'yes' : 'NO'} |`);

  // 3. The CLI: --store against --state.
  const cliCount = quick ? 2000 : 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'clusterip-bench-etcd-'));
  try {
    const file = join(dir, 'services.json');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'List',
      items: Array.from({ length: cliCount }, (_, i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: `ns${i % 50}` }, spec: { selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80 }] } })),
    }));
    const host = etcd.endpoint.slice('http://'.length);
    const pairs = quick ? 1 : 5;
    const store: number[] = [];
    const state: number[] = [];
    for (let round = 0; round < pairs; round++) {
      const base = ['allocate', '--range', '10.0.0.0/12', '-f', file, '-o', 'json'];
      const runStore = async () => store.push(await timeCommand([...base, '--store', `etcd://${host}/bench-cli-${round}`]));
      const runState = async () => state.push(await timeCommand([...base, '--state', join(dir, `state-${round}.json`)]));
      if (round % 2 === 0) {
        await runStore();
        await runState();
      } else {
        await runState();
        await runStore();
      }
      log('.');
    }
    const ratio = median(store.map((s, i) => s / state[i]));
    lines.push('', `clusterip allocate of ${cliCount.toLocaleString('en-US')} Services (JSON), each run a fresh process, ${pairs} paired run${pairs === 1 ? '' : 's'} (wall time)`, '',
      '| --store (etcd) | --state (file) | --store ÷ --state | goal | met |', '|---:|---:|---:|---:|---|',
      `| ${(median(store) / 1000).toFixed(2)} s | ${(median(state) / 1000).toFixed(2)} s | ${ratio.toFixed(2)}× | ≤ 3× | ${quick ? 'not judged' : ratio <= 3 ? 'yes' : 'NO'} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await etcd.stop();
}
log('\n');
console.log(`clusterip on etcd — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Debian etcd on 127.0.0.1${quick ? ' (quick run)' : ''}\n`);
console.log(lines.join('\n'));
