// An application folder with this package installed the way `npm link` installs it
// (node_modules/clusterip -> this checkout), for the suites that compile or bundle as a user would.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const packageRoot = join(import.meta.dirname, '..', '..');

/** Makes `dir` (and its node_modules) and links the package into it; returns `dir`. */
export function linkedApp(dir: string): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(packageRoot, join(dir, 'node_modules', 'clusterip'), 'dir');
  return dir;
}
