// Builds clusterip as it was at a pinned commit into bench/.baseline/<rev>/, so the benchmark can
// time "before" and "now" in the same process (ratios, not absolute numbers, are what we report).
// Uses git history (present in every clone) and this checkout's node_modules. Prints the path of
// the built entry point; exits 1 with a reason when it cannot be built (no git, unknown commit).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The last commit before the one-ABI kernel (issue 13): the "before" of every ratio.
export const BASELINE_REV = '719c94a58f18be8e56273196319c9d16d05e7321';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function baselineEntry(rev = BASELINE_REV) {
  return join(root, 'bench', '.baseline', rev.slice(0, 12), 'dist', 'index.js');
}

export function buildBaseline(rev = BASELINE_REV, log = (s) => process.stderr.write(s)) {
  const entry = baselineEntry(rev);
  if (existsSync(entry)) return entry;
  const tree = dirname(dirname(entry));
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const started = performance.now();
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'assembly', 'src', 'scripts', 'asconfig.json', 'tsconfig.json', 'tsconfig.build.json', 'package.json'], { cwd: root, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', tree], { input: archive });
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(tree, 'scripts', 'build-kernel.mjs')], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: tree, stdio: 'inherit' });
  log(`baseline ${rev.slice(0, 12)} built in ${Math.round(performance.now() - started)} ms\n`);
  return entry;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(buildBaseline(process.argv[2]));
  } catch (error) {
    console.error(`cannot build the baseline: ${error.message}`);
    process.exit(1);
  }
}
