import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { kernel } from '../src/kernel.js';
import { expectAllocatorError } from './helpers.js';

describe('dispose', () => {
  it('every call after dispose throws ERR_DISPOSED; dispose twice is harmless', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    a.allocate('10.96.0.1');
    a.dispose();
    a.dispose();
    const calls: Array<() => unknown> = [
      () => a.allocate('10.96.0.2'), () => a.allocateNext(), () => a.allocateMany(1), () => a.release('10.96.0.1'),
      () => a.has('10.96.0.1'), () => a.used, () => a.memoryBytes, () => a.free, () => a.stats(), () => [...a], () => a.snapshot(),
      () => a.restore({ range: '10.96.0.0/24', data: new Uint8Array() }), () => a.allocateNextOffset(),
      () => a.allocateOffset(1), () => a.releaseOffset(1), () => a.hasOffset(1), () => a.allocateManyOffsets(new Uint32Array(1)),
      () => a.ipAt(1), () => a.offsetOf('10.96.0.1'),
    ];
    for (const call of calls) expectAllocatorError(call, 'ERR_DISPOSED');
    expect(a.cidr).toBe('10.96.0.0/24');
  });

  it('creating and disposing 100,000 allocators reuses kernel memory', () => {
    const warm = new ClusterIPAllocator('10.96.0.0/24');
    warm.dispose();
    const before = kernel.memory.buffer.byteLength;
    for (let i = 0; i < 100_000; i++) {
      const a = new ClusterIPAllocator('10.96.0.0/24', { seed: i });
      a.allocateNext();
      a.dispose();
    }
    expect(kernel.memory.buffer.byteLength).toBe(before);
  });

  it('allocators are independent of each other', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    const b = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
    a.allocateMany(100);
    expect(b.used).toBe(0);
    b.allocate('10.96.0.200');
    a.dispose();
    expect(b.has('10.96.0.200')).toBe(true);
    expect(b.used).toBe(1);
  });

  it('iteration reads in chunks and sees every allocated IP in order', () => {
    const a = new ClusterIPAllocator('10.96.0.0/14', { seed: 2 });
    a.allocateMany(150_000);
    const ips = [...a];
    expect(ips.length).toBe(150_000);
    const offsets = ips.map((ip) => a.offsetOf(ip));
    expect(offsets.every((k, i) => i === 0 || k > offsets[i - 1])).toBe(true);
  });
});

describe('memory of many allocators', () => {
  it('10,000 live /24 allocators grow the process by less than 64 MB', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { ClusterIPAllocator } from 'clusterip';
      const settle = () => { globalThis.gc(); globalThis.gc(); };
      new ClusterIPAllocator('10.96.0.0/24').dispose();
      settle();
      const before = process.memoryUsage();
      const live = [];
      for (let i = 0; i < 10000; i++) {
        const a = new ClusterIPAllocator('10.96.0.0/24', { seed: i });
        a.allocateMany(10);
        live.push(a);
      }
      settle();
      const after = process.memoryUsage();
      console.log(JSON.stringify({ rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed, external: after.external - before.external, live: live.length }));
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const growth = JSON.parse(run.stdout);
    expect(growth.live).toBe(10000);
    expect(growth.rss).toBeLessThan(64 * 1024 * 1024);
    expect(growth.heap + growth.external).toBeLessThan(64 * 1024 * 1024);
  });
});
