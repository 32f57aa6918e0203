// The shared store's seeded soak, short: 3 clients × concurrent random requests on one prefix of a
// real etcd, the laws checked at every checkpoint (test/etcd/store-soak.ts). `npm run soak` runs
// the long one.
import { describe, expect, it } from 'vitest';
import { etcdForFile } from './etcd-per-file.js';
import { runStoreSoak } from './store-soak.js';


const etcd = etcdForFile();

describe.skipIf(!etcd.available)('shared store soak', () => {
  it('3,000 concurrent random requests from 3 clients: every checkpoint keeps the laws', async () => {
    const report = await runStoreSoak([etcd.server().endpoint], 3000, 1, { clients: 3, checkpointEvery: 500 });
    expect(report.violations).toEqual([]);
    expect(report.checkpoints).toBe(6);
    expect(report.operations).toBe(3000);
  });
});
