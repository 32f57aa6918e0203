// `npm run bench` (`-- --quick` for a run of about 15 s on smaller ranges, for CI, `-- --only=<text>` for some workloads):
// the suite in this Node process, then "before and after" against the pinned baseline commit;
// prints the markdown tables and writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runBenchSuite } from './suite.js';
import { runServiceBench } from './services.js';
import { runFreshProcessBench } from './fresh-process.js';
import { runVersusBefore, type Library, type VersusRow } from './versus-before.js';
import { BASELINE_REV, buildBaseline } from '../scripts/build-baseline.mjs';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const log = (s: string) => process.stderr.write(s);
const platform = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`;
const result = await runBenchSuite({ quick, only, platform, log });
console.log(result.text);

// Sections measured in child processes: the Service level (ServiceIPAM), then batch, sparse
// snapshot and IPv6 text rows in fresh processes.
const wanted = (section: string) => !only || section.includes(only);
const services = wanted('services') ? runServiceBench(quick, log) : undefined;
if (services) console.log(`\n${services.text}`);
const freshProcess = wanted('fresh process') ? runFreshProcessBench(quick, log) : undefined;
if (freshProcess) console.log(`\n${freshProcess.text}`);

// The baseline is built from this clone's git history; without it (a tarball, a shallow clone)
// the comparison is skipped with a note rather than failing the run.
let versusBefore: { baseline: string; rows: VersusRow[] } | { skipped: string } | undefined;
if (wanted('versus-before')) {
  let entry: string | undefined;
  try {
    entry = buildBaseline(undefined, log);
  } catch (error) {
    versusBefore = { skipped: `baseline ${BASELINE_REV.slice(0, 12)} could not be built: ${(error as Error).message.split('\n')[0]}` };
    console.log(`\nBefore and after: skipped (${versusBefore.skipped}).`);
  }
  if (entry) {
    const before = (await import(pathToFileURL(entry).href)) as Library;
    const now = (await import('../dist/index.js')) as unknown as Library;
    log('before and after ');
    const { rows, text } = await runVersusBefore(before, now, quick, log);
    log('\n');
    versusBefore = { baseline: BASELINE_REV, rows };
    console.log(`\nBefore and after — the library now against commit ${BASELINE_REV.slice(0, 12)} (before the one-ABI kernel), same process:\n\n${text}`);
  }
}
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ platform, quick, ...result, text: undefined, services: services?.rows, freshProcess: freshProcess?.rows, versusBefore }, null, 2) + '\n');
