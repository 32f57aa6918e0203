// npm run soak [-- operations [seed]]: the long reference-model run (test/soak-run.ts); exits 1 on
// the first disagreement, printing it.
import { runSoak } from '../test/soak-run.js';

const operations = Number(process.argv[2] ?? 10_000_000);
const seed = Number(process.argv[3] ?? 1);
const started = performance.now();
let lastPrint = 0;
const report = runSoak(operations, seed, 20_000, (done) => {
  if (done - lastPrint >= 1_000_000 || done === operations) {
    lastPrint = done;
    console.log(`${done.toLocaleString('en-US')} operations, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
});
console.log(JSON.stringify({ ...report, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }));
if (report.failures > 0) process.exit(1);
