// Suites that need a real program (Chromium, etcd): when it is missing they are skipped with one
// loud line saying what to install — except under CI=true, where a missing program is an error.
import { existsSync } from 'node:fs';

/** true when the program is there; false (after the loud line) when the suite should be skipped. */
export function requireBinary(path: string, what: string, install: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${what}: ${path} is missing, and CI=true requires it (${install})`);
  console.warn(`\n*** SKIPPED: ${what} — ${path} not found. Install it to run them: ${install} ***\n`);
  return false;
}
