// npm run soak [-- operations [seed]]: the long seeded runs, each stopping at the first violation
// and printing it with the seeds that reproduce it; exits 1 on one.
// - the range allocator against its reference model (test/soak-run.ts; 10,000,000 operations by default);
// - ServiceIPAM's laws after every operation: round trip through its own snapshot, no duplicate
//   but the API server's own announced hazards (test/ipam-ops.ts; 1,000,000 operations by default);
// - the shared store's laws at checkpoints, 4 clients sending requests concurrently to a real etcd
//   started here (test/etcd/store-soak.ts; 100,000 operations by default; skipped with a note
//   when /usr/bin/etcd is missing).
import { existsSync } from 'node:fs';
import { runSoak } from '../test/soak-run.js';
import { runIPAMSoak } from '../test/ipam-ops.js';
import { runStoreSoak } from '../test/etcd/store-soak.js';
import { startEtcd } from '../test/etcd/etcd-server.js';

const operations = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
const seed = Number(process.argv[3] ?? 1);
let failed = false;

function progress(label: string, total: number, started: number) {
  let lastPrint = 0;
  return (done: number) => {
    if (done - lastPrint >= total / 10 || done === total) {
      lastPrint = done;
      console.log(`${label}: ${done.toLocaleString('en-US')} operations, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  };
}

{
  const total = operations ?? 10_000_000;
  const started = performance.now();
  console.log(`range allocator soak, seed ${seed}`);
  const report = runSoak(total, seed, 20_000, progress('allocator', total, started));
  console.log(JSON.stringify({ soak: 'allocator', seed, ...report, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }));
  failed ||= report.failures > 0;
}
{
  const total = operations ?? 1_000_000;
  const started = performance.now();
  console.log(`ServiceIPAM soak (round trip after every operation), seed ${seed}; an episode's seed is ${seed} × 1000003 + its index`);
  const report = runIPAMSoak(total, seed, 400, progress('ServiceIPAM', total, started));
  console.log(JSON.stringify({ soak: 'ServiceIPAM', seed, ...report, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }));
  failed ||= report.violations > 0;
}
{
  const binary = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
  if (!existsSync(binary)) {
    console.log(`shared store soak skipped: ${binary} not found (apt-get install etcd-server)`);
  } else {
    const total = operations ?? 100_000;
    const started = performance.now();
    console.log(`shared store soak (4 clients, laws at every 2,000 operations), seed ${seed}`);
    const etcd = await startEtcd(binary);
    try {
      const report = await runStoreSoak([etcd.endpoint], total, seed, { clients: 4, checkpointEvery: 2000 });
      console.log(JSON.stringify({ soak: 'shared store', seed, ...report, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }));
      failed ||= report.violations.length > 0;
    } finally {
      await etcd.stop();
    }
  }
}
if (failed) process.exit(1);
