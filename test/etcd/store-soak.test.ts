// The shared store's seeded soak, short: 3 clients × concurrent random requests on one prefix of a
// real etcd, the laws checked at every checkpoint (test/etcd/store-soak.ts). `npm run soak` runs
// the long one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdServer } from './etcd-server.js';
import { requireBinary } from '../setup/required-binary.js';
import { runStoreSoak } from './store-soak.js';

const ETCD = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
const haveEtcd = requireBinary(ETCD, 'the etcd tests', 'apt-get install etcd-server');
let etcd: EtcdServer;

beforeAll(async () => {
  if (!haveEtcd) return;
  etcd = await startEtcd(ETCD);
}, 60_000);

afterAll(async () => {
  await etcd?.stop();
});

describe.skipIf(!haveEtcd)('shared store soak', () => {
  it('3,000 concurrent random requests from 3 clients: every checkpoint keeps the laws', async () => {
    const report = await runStoreSoak([etcd.endpoint], 3000, 1, { clients: 3, checkpointEvery: 500 });
    expect(report.violations).toEqual([]);
    expect(report.checkpoints).toBe(6);
    expect(report.operations).toBe(3000);
  }, 300_000);
});
