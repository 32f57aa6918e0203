// The package as a user gets it: `npm pack` of this checkout, installed (without development
// dependencies) into an empty ES-module project in a new temporary folder. check-install.mjs
// measures that project; check-runtimes.mjs runs other runtimes in it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Packs and installs; returns the project's folder and what `npm pack --json` said of the tarball. */
export function installPacked(name) {
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `${name}-probe`, private: true, type: 'module' }));
  execFileSync(npm, ['install', join(work, packed.filename), '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  return { app, packed };
}
