// npm run soak [-- operations [seed]]: the long seeded runs, each stopping at the first violation
// and printing it with the seeds that reproduce it; exits 1 on one.
// - the range allocator against its reference model (test/soak-run.ts; 10,000,000 operations by default);
// - ServiceIPAM's laws after every operation: round trip through its own snapshot, no duplicate
//   but the API server's own announced hazards (test/ipam-ops.ts; 1,000,000 operations by default).
import { runSoak } from '../test/soak-run.js';
import { runIPAMSoak } from '../test/ipam-ops.js';

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
if (failed) process.exit(1);
