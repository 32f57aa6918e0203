// `npm run bench:etcd` (`-- --quick`): allocations per second on one range shared through a real
// etcd, with 1, 2 and 4 worker processes, single calls and batches; prints a markdown table.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../test/etcd/etcd-server.js';

const quick = process.argv.includes('--quick');
const worker = join(import.meta.dirname, 'etcd-worker.mjs');
const etcd = await startEtcd();

interface WorkerResult { allocated: number; ms: number; conflicts: number; reloads: number }

function runWorker(key: string, calls: number, perCall: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, etcd.endpoint, '10.96.0.0/16', key, String(calls), String(perCall)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
  });
}

const rows: string[] = [];
let round = 0;
try {
  for (const perCall of [1, 50]) {
    for (const processes of [1, 2, 4]) {
      const calls = Math.round((quick ? 150 : 1500) / processes / (perCall === 1 ? 1 : 5));
      const key = `/bench/${round++}`;
      const results = await Promise.all(Array.from({ length: processes }, () => runWorker(key, calls, perCall)));
      const allocated = results.reduce((n, r) => n + r.allocated, 0);
      const seconds = Math.max(...results.map((r) => r.ms)) / 1000;
      const conflicts = results.reduce((n, r) => n + r.conflicts, 0);
      rows.push(`| ${processes} | ${perCall === 1 ? 'allocateNext' : `allocateMany(${perCall})`} | ${allocated.toLocaleString('en-US')} | ${Math.round(allocated / seconds).toLocaleString('en-US')} | ${conflicts} |`);
      process.stderr.write('.');
    }
  }
} finally {
  await etcd.stop();
}
process.stderr.write('\n');
console.log(`clusterip on etcd — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, one /16 range (each write stores its whole 8 KiB bitmap, as Kubernetes does), Debian etcd on 127.0.0.1${quick ? ' (quick run)' : ''}\n`);
console.log('| processes | call | allocations | allocations/s (all processes) | lost compare-and-swaps |');
console.log('|---:|---|---:|---:|---:|');
console.log(rows.join('\n'));
