// `npm run bench` (`-- --quick` for a few-second run, `-- --only=<text>` for some workloads):
// the suite in this Node process; prints the markdown table and writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runBenchSuite } from './suite.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const platform = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`;
const result = await runBenchSuite({ quick, only, platform, log: (s) => process.stderr.write(s) });
console.log(result.text);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ platform, quick, ...result, text: undefined }, null, 2) + '\n');
