// SharedClusterIPAllocator: a range shared across processes through a real etcd server (Debian's
// etcd-server) as kube-apiservers up to 1.32 share theirs — one RangeAllocation key: no IP is ever
// handed out twice, whatever the workers or etcd do.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../../src/index.js';
import { Etcd3 } from 'etcd3';
import { SharedClusterIPAllocator, StoreError } from '../../src/shared/index.js';
import { decodeRangeAllocation } from '../../src/shared/etcd-layout.js';
import { AllocatorError } from '../../src/index.js';
import { etcdForFile } from './etcd-per-file.js';

const worker = join(import.meta.dirname, 'allocator-worker.mjs');


const etcd = etcdForFile();

interface WorkerRun {
  ips: string[]; errors: string[]; okAfterLastError: number; done: boolean; exit: Promise<number | null>; kill: () => void;
  /** Resolves once the worker has reported `count` successful calls (an observable point in its run, not a delay). */
  reported: (count: number) => Promise<void>;
}

function startWorker(key: string, cidr: string, count: number, mode: string): WorkerRun {
  const child = spawn(process.execPath, [worker, etcd.server().endpoint, cidr, String(count), mode, key], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const client = new Etcd3({ hosts: etcd.server().endpoint });
  try {
    const value = await client.get(key).buffer();
    return ClusterIPAllocator.fromSnapshot(decodeRangeAllocation(key, value!));
  } finally {
    client.close();
  }
}

describe.skipIf(!etcd.available)('SharedClusterIPAllocator on a real etcd', () => {
  it('creates the key once; opening it for another range is ERR_MISMATCHED_NETWORK', async () => {
    const key = '/test/open';
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/24', key, seed: 1 });
    const ip = await a.allocateNext();
    const b = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/24', key });
    expect(await b.has(ip)).toBe(true);
    await expect(b.allocate(ip)).rejects.toMatchObject({ code: 'ERR_ALLOCATED' });
    await expect(SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.97.0.0/24', key })).rejects.toMatchObject({ code: 'ERR_MISMATCHED_NETWORK' });
    expect(await b.release(ip)).toBe(true);
    expect(await a.has(ip)).toBe(false);
    await a.close();
    await b.close();
  });

  it('stores the API server\'s RangeAllocation, and reads the {range, data} value of earlier releases', async () => {
    const client = new Etcd3({ hosts: etcd.server().endpoint });
    try {
      const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/28', key: '/shape/serviceips', seed: 1 });
      const ip = await a.allocateNext();
      await a.close();
      const stored = JSON.parse((await client.get('/shape/serviceips').string())!);
      expect(Object.keys(stored)).toEqual(['kind', 'apiVersion', 'metadata', 'range', 'data']);
      expect(stored).toMatchObject({ kind: 'RangeAllocation', apiVersion: 'v1', metadata: { creationTimestamp: null }, range: '10.96.0.0/28' });
      // The shape SharedClusterIPAllocator wrote before: {range, data} only.
      await client.put('/shape/old').value(JSON.stringify({ range: '10.96.0.0/28', data: stored.data }));
      const b = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/28', key: '/shape/old' });
      expect(await b.has(ip)).toBe(true);
      await b.allocateNext();
      await b.close();
      expect(JSON.parse((await client.get('/shape/old').string())!).kind).toBe('RangeAllocation');
      await client.put('/shape/bad').value('{"kind":"Service"}');
      await expect(SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/28', key: '/shape/bad' })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    } finally {
      client.close();
    }
  });

  it('reloads only when the revision moved, and sees other writers before refusing', async () => {
    const key = '/test/cache';
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/29', key, seed: 2 });
    const b = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/29', key, seed: 3 });
    await a.allocateMany(3);
    expect(a.stats.reloads).toBe(0);
    const bIps = await b.allocateMany(3); // b's copy was stale: one lost swap, one reload
    expect(b.stats.conflicts).toBe(1);
    expect(b.stats.reloads).toBe(1);
    await expect(a.allocateMany(1)).rejects.toMatchObject({ code: 'ERR_FULL' }); // decided on etcd's state, not a's stale copy
    expect(await a.used()).toBe(6);
    expect(bIps.every((ip) => ip.startsWith('10.96.0.'))).toBe(true);
    await a.close();
    await b.close();
  });

  it('4 worker processes x 300 concurrent dynamic allocations on one /16: 1,200 distinct IPs, etcd holds exactly them', async () => {
    const key = '/test/concurrent';
    const workers = Array.from({ length: 4 }, () => startWorker(key, '10.96.0.0/16', 300, 'next'));
    await Promise.all(workers.map((w) => w.exit));
    for (const w of workers) {
      expect(w.errors).toEqual([]);
      expect(w.done).toBe(true);
    }
    const all = workers.flatMap((w) => w.ips);
    expect(all).toHaveLength(1200);
    expect(new Set(all).size).toBe(1200);
    const stored = await storedRange(key);
    expect(stored.used).toBe(1200);
    expect([...stored].sort()).toEqual([...all].sort());
  });

  it('static allocations racing for one IP: exactly one winner', async () => {
    const key = '/test/race';
    for (const round of [10, 11, 12]) {
      const ip = `10.96.0.${round}`;
      const workers = Array.from({ length: 4 }, () => startWorker(key, '10.96.0.0/16', 1, `static:${ip}`));
      await Promise.all(workers.map((w) => w.exit));
      expect(workers.flatMap((w) => w.ips)).toEqual([ip]);
      expect(workers.flatMap((w) => w.errors).sort()).toEqual(['ERR_ALLOCATED', 'ERR_ALLOCATED', 'ERR_ALLOCATED']);
    }
  });

  it('a worker killed with SIGKILL mid-run: no duplicate, and nothing it was promised is lost', async () => {
    const key = '/test/kill';
    const victim = startWorker(key, '10.96.0.0/16', 5000, 'next');
    const others = [startWorker(key, '10.96.0.0/16', 200, 'many:3'), startWorker(key, '10.96.0.0/16', 500, 'next')];
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
  });

  it('etcd restarted mid-run: calls fail with a typed error or succeed, never corrupting the range', async () => {
    const key = '/test/restart';
    const workers = [startWorker(key, '10.96.0.0/16', 1500, 'next'), startWorker(key, '10.96.0.0/16', 500, 'many:2')];
    // Restart once both workers are connected and working: after their 20th successful call.
    await Promise.all(workers.map((w) => w.reported(20)));
    await etcd.server().restart();
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
  });

  it('errors are typed: StoreError for etcd trouble, AllocatorError for the range', async () => {
    await expect(SharedClusterIPAllocator.open({ endpoints: ['http://127.0.0.1:9'], cidr: '10.96.0.0/24', key: '/x', timeoutMs: 500 }))
      .rejects.toBeInstanceOf(StoreError);
    const a = await SharedClusterIPAllocator.open({ endpoints: [etcd.server().endpoint], cidr: '10.96.0.0/24', key: '/test/typed' });
    await expect(a.allocate('10.96.1.1')).rejects.toBeInstanceOf(AllocatorError);
    await a.close();
  });
});
