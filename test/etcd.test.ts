// A range shared across processes through a real etcd server (Debian's etcd-server), as
// kube-apiservers share theirs: no IP is ever handed out twice, whatever the workers or etcd do.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { EtcdStore, SharedClusterIPAllocator, StoreError } from '../src/shared/index.js';
import { AllocatorError } from '../src/index.js';
import { startEtcd, type EtcdServer } from './etcd/etcd-server.js';
import { requireBinary } from './setup/required-binary.js';

const worker = join(import.meta.dirname, 'etcd', 'worker.mjs');
let etcd: EtcdServer;

const ETCD = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
const haveEtcd = requireBinary(ETCD, 'the etcd tests', 'apt-get install etcd-server');

beforeAll(async () => {
  if (!haveEtcd) return;
  etcd = await startEtcd(ETCD);
}, 60_000);

afterAll(async () => {
  await etcd?.stop();
});

interface WorkerRun {
  ips: string[]; errors: string[]; okAfterLastError: number; done: boolean; exit: Promise<number | null>; kill: () => void;
  /** Resolves once the worker has reported `count` successful calls (an observable point in its run, not a delay). */
  reported: (count: number) => Promise<void>;
}

function startWorker(key: string, cidr: string, count: number, mode: string): WorkerRun {
  const child = spawn(process.execPath, [worker, etcd.endpoint, cidr, String(count), mode, key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let oks = 0;
  const run: WorkerRun = {
    ips: [], errors: [], okAfterLastError: 0, done: false, exit: new Promise((resolve) => child.on('exit', resolve)), kill: () => child.kill('SIGKILL'),
    reported: (count) => new Promise<void>((resolve, reject) => {
      if (oks >= count) return resolve();
      waiters.push({ count, resolve });
      void run.exit.then(() => reject(new Error(`the worker exited after ${oks} successful calls, before ${count}`)));
    }),
  };
  let buffer = '';
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('ok ')) {
        run.ips.push(...line.slice(3).split(' '));
        run.okAfterLastError++;
        oks++;
        for (const waiter of waiters.filter((w) => oks >= w.count)) waiter.resolve();
      } else if (line.startsWith('err ')) {
        run.errors.push(line.slice(4));
        run.okAfterLastError = 0;
      }
      else if (line.startsWith('done')) run.done = true;
    }
  });
  return run;
}

/** The range as etcd holds it, read independently of any SharedClusterIPAllocator. */
async function storedRange(key: string): Promise<ClusterIPAllocator> {
  const store = new EtcdStore({ endpoints: [etcd.endpoint], key });
  try {
    const current = await store.read();
    const parsed = JSON.parse(current!.value.toString('utf8'));
    return ClusterIPAllocator.fromSnapshot({ range: parsed.range, data: new Uint8Array(Buffer.from(parsed.data, 'base64')) });
  } finally {
    store.close();
  }
}

describe.skipIf(!haveEtcd)('SharedClusterIPAllocator on a real etcd', () => {
  it('creates the key once; opening it for another range is ERR_MISMATCHED_NETWORK', async () => {
    const key = '/test/open';
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.96.0.0/24', key, seed: 1 });
    const ip = await a.allocateNext();
    const b = await SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.96.0.0/24', key });
    expect(await b.has(ip)).toBe(true);
    await expect(b.allocate(ip)).rejects.toMatchObject({ code: 'ERR_ALLOCATED' });
    await expect(SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.97.0.0/24', key })).rejects.toMatchObject({ code: 'ERR_MISMATCHED_NETWORK' });
    expect(await b.release(ip)).toBe(true);
    expect(await a.has(ip)).toBe(false);
    a.close();
    b.close();
  });

  it('reloads only when the revision moved, and sees other writers before refusing', async () => {
    const key = '/test/cache';
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.96.0.0/29', key, seed: 2 });
    const b = await SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.96.0.0/29', key, seed: 3 });
    await a.allocateMany(3);
    expect(a.stats.reloads).toBe(0);
    const bIps = await b.allocateMany(3); // b's copy was stale: one lost swap, one reload
    expect(b.stats.conflicts).toBe(1);
    expect(b.stats.reloads).toBe(1);
    await expect(a.allocateMany(1)).rejects.toMatchObject({ code: 'ERR_FULL' }); // decided on etcd's state, not a's stale copy
    expect(await a.used()).toBe(6);
    expect(bIps.every((ip) => ip.startsWith('10.96.0.'))).toBe(true);
    a.close();
    b.close();
  });

  it('4 worker processes x 2,000 concurrent dynamic allocations on one /16: 8,000 distinct IPs, etcd holds exactly them', async () => {
    const key = '/test/concurrent';
    const workers = Array.from({ length: 4 }, () => startWorker(key, '10.96.0.0/16', 2000, 'next'));
    await Promise.all(workers.map((w) => w.exit));
    for (const w of workers) {
      expect(w.errors).toEqual([]);
      expect(w.done).toBe(true);
    }
    const all = workers.flatMap((w) => w.ips);
    expect(all).toHaveLength(8000);
    expect(new Set(all).size).toBe(8000);
    const stored = await storedRange(key);
    expect(stored.used).toBe(8000);
    expect([...stored].sort()).toEqual([...all].sort());
  }, 180_000);

  it('static allocations racing for one IP: exactly one winner', async () => {
    const key = '/test/race';
    for (const round of [10, 11, 12]) {
      const ip = `10.96.0.${round}`;
      const workers = Array.from({ length: 4 }, () => startWorker(key, '10.96.0.0/16', 1, `static:${ip}`));
      await Promise.all(workers.map((w) => w.exit));
      expect(workers.flatMap((w) => w.ips)).toEqual([ip]);
      expect(workers.flatMap((w) => w.errors).sort()).toEqual(['ERR_ALLOCATED', 'ERR_ALLOCATED', 'ERR_ALLOCATED']);
    }
  }, 60_000);

  it('a worker killed with SIGKILL mid-run: no duplicate, and nothing it was promised is lost', async () => {
    const key = '/test/kill';
    const victim = startWorker(key, '10.96.0.0/16', 5000, 'next');
    const others = [startWorker(key, '10.96.0.0/16', 600, 'many:3'), startWorker(key, '10.96.0.0/16', 1500, 'next')];
    // Kill it mid-run: once it has reported 50 of its 5000 allocations.
    await victim.reported(50);
    victim.kill();
    await Promise.all([victim.exit, ...others.map((w) => w.exit)]);
    expect(victim.done).toBe(false);
    expect(victim.ips.length).toBeGreaterThan(0);
    const promised = [...victim.ips, ...others.flatMap((w) => w.ips)];
    expect(new Set(promised).size).toBe(promised.length);
    const stored = await storedRange(key);
    expect(promised.every((ip) => stored.has(ip))).toBe(true);
    // At most the one call in flight at the kill may have landed without being promised.
    expect(stored.used - promised.length).toBeLessThanOrEqual(1);
    expect(stored.used - promised.length).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('etcd restarted mid-run: calls fail with a typed error or succeed, never corrupting the range', async () => {
    const key = '/test/restart';
    const workers = [startWorker(key, '10.96.0.0/16', 1500, 'next'), startWorker(key, '10.96.0.0/16', 500, 'many:2')];
    // Restart once both workers are connected and working: after their 20th successful call.
    await Promise.all(workers.map((w) => w.reported(20)));
    await etcd.restart();
    await Promise.all(workers.map((w) => w.exit));
    for (const w of workers) {
      expect(w.done).toBe(true);
      for (const code of w.errors) expect(['ERR_STORE_UNAVAILABLE', 'ERR_STORE_CONFLICT']).toContain(code);
      expect(w.okAfterLastError).toBeGreaterThan(0); // back to work once etcd answers again
    }
    const promised = workers.flatMap((w) => w.ips);
    expect(new Set(promised).size).toBe(promised.length);
    const stored = await storedRange(key);
    expect(promised.every((ip) => stored.has(ip))).toBe(true);
    // Calls that failed as unavailable may have landed (a leak, never a duplicate).
    const failed = workers.reduce((n, w) => n + w.errors.length, 0);
    expect(stored.used - promised.length).toBeLessThanOrEqual(failed * 2);
    console.log(`restart: ${promised.length} promised, ${failed} failed calls, ${stored.used - promised.length} leaked`);
  }, 120_000);

  it('errors are typed: StoreError for etcd trouble, AllocatorError for the range', async () => {
    await expect(SharedClusterIPAllocator.open({ endpoints: ['http://127.0.0.1:9'], cidr: '10.96.0.0/24', key: '/x', timeoutMs: 500 }))
      .rejects.toBeInstanceOf(StoreError);
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.endpoint], cidr: '10.96.0.0/24', key: '/test/typed' });
    await expect(a.allocate('10.96.1.1')).rejects.toBeInstanceOf(AllocatorError);
    a.close();
  });
});

describe.skipIf(!haveEtcd)('clusterip allocate --store etcd://', () => {
  const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const manifest = (names: string[]) => names.map((n) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${n}\nspec:\n  selector:\n    app: ${n}\n  ports:\n    - port: 80\n`).join('---\n');
  const run = (args: string[], input: string) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
  const ipsOf = (yamlText: string) => [...yamlText.matchAll(/clusterIP: (\S+)/g)].map((m) => m[1]);

  it('concurrent runs share one state and never hand out an IP twice; reruns keep IPs', async () => {
    const store = `etcd://${etcd.endpoint.slice('http://'.length)}/test/cli-state`;
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 50 }, (_, i) => `b${b}-${i}`));
    const runs = await Promise.all(batches.map((names) => run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(names))));
    for (const r of runs) expect(r.stderr).toBe('');
    const ips = runs.flatMap((r) => ipsOf(r.stdout));
    expect(ips).toHaveLength(200);
    expect(new Set(ips).size).toBe(200);
    const again = await run(['allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', store], manifest(batches[2]));
    expect(ipsOf(again.stdout)).toEqual(ipsOf(runs[2].stdout));
    const wrong = await run(['allocate', '--range', '10.97.0.0/24', '-f', '-', '--store', store], manifest(['x']));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('belongs to another --range');
  }, 60_000);

  it('a bad --store URL is a usage error', () => {
    const r = spawnSync(process.execPath, [cli, 'allocate', '--range', '10.96.0.0/24', '-f', '-', '--store', 'redis://x'], { input: manifest(['a']), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--store must look like etcd://');
  });
});
