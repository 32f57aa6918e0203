// `npm run bench:cli`: CPU time of `clusterip allocate` on 20,000 Services in one file, JSON and
// YAML (issue 12's goals: under 1 s and 2 s on the project's 2-vCPU machine). Each run is a fresh
// node process, cold as a real CLI run is: it imports the built CLI, runs allocateCommand as
// main.ts does, and reports process.cpuUsage() of the command (all threads: the garbage
// collector's and the compiler's count) and of the whole process including startup. Median of
// seven runs; this machine's runs spread by ±20 %, so the spread is printed too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';

const COUNT = 20_000;
const RUNS = 7;
const dir = mkdtempSync(join(tmpdir(), 'clusterip-cli-scale-'));
const services = Array.from({ length: COUNT }, (_, i) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: `ns${i % 50}` },
  spec: { selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80 }] },
}));
const jsonFile = join(dir, 'services.json');
const yamlFile = join(dir, 'services.yaml');
writeFileSync(jsonFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: services }));
writeFileSync(yamlFile, services.map((s) => `# service ${s.metadata.name}\n${stringify(s)}`).join('---\n'));

// CLUSTERIP_BENCH_DIST=<dir> times another build (an older checkout's dist) the same way.
const dist = process.env.CLUSTERIP_BENCH_DIST ?? join(import.meta.dirname, '..', 'dist');
const command = pathToFileURL(join(dist, 'cli', 'allocate-command.js')).href;
const child = (file: string, output: string) => `
const { allocateCommand } = await import(${JSON.stringify(command)});
const start = process.cpuUsage();
const result = await allocateCommand({ range: '10.96.0.0/16', files: [${JSON.stringify(file)}], seed: 1, output: '${output}', printIPAddresses: false }, () => '');
if (result.errors.length > 0) throw new Error(result.errors[0]);
if (result.stdout.length < ${COUNT} * 100) throw new Error('short output');
const command = process.cpuUsage(start);
const total = process.cpuUsage();
console.log(JSON.stringify({ command: (command.user + command.system) / 1e6, total: (total.user + total.system) / 1e6 }));
`;

function run(file: string, output: string): { command: number; total: number } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child(file, output)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { command: number; total: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cases = [['JSON in, JSON out', jsonFile, 'json', 1], ['YAML in, YAML out (comments kept)', yamlFile, 'yaml', 2]] as const;
const results = cases.map(([label, file, output, goal]) => {
  const runs: Array<{ command: number; total: number }> = [];
  // Interleaved, so a slow spell of the machine hits both formats alike.
  return { label, file, output, goal, runs };
});
for (let i = 0; i < RUNS; i++) for (const r of results) r.runs.push(run(r.file, r.output));

console.log(`clusterip allocate, ${COUNT.toLocaleString('en-US')} Services in one file: CPU seconds, median of ${RUNS} fresh processes (min–max)\n`);
console.log('| input | command CPU s | whole process CPU s | goal (command) | met |\n|---|---:|---:|---:|---|');
for (const { label, goal, runs } of results) {
  const commands = runs.map((r) => r.command);
  const totals = runs.map((r) => r.total);
  const m = median(commands);
  console.log(`| ${label} | ${m.toFixed(2)} (${Math.min(...commands).toFixed(2)}–${Math.max(...commands).toFixed(2)}) | ${median(totals).toFixed(2)} | < ${goal} | ${m < goal ? 'yes' : 'NO'} |`);
}
