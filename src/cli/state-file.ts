// The --state file: the ServiceIPAM state as JSON, written atomically (temp file, fsync, rename),
// so a crash leaves either the old file or the new one, never a torn one. A run holds
// <state>.lock from before it reads the state until after it has written it, so concurrent runs
// take turns: none loses another's Services or hands out an address another was given.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { ServiceIPAM } from '../index.js';
import { InputError } from './cli-errors.js';

export function loadState(path: string, ipam: ServiceIPAM): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new InputError(`cannot read state file ${path}: ${(error as Error).message}`);
  }
  try {
    ipam.restore(JSON.parse(text));
  } catch (error) {
    throw new InputError(`state file ${path} is corrupt or belongs to another --range or --service-node-port-range (${(error as Error).message}); it was left unchanged`);
  }
  return true;
}

export function saveState(path: string, ipam: ServiceIPAM): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(ipam.snapshot()) + '\n');
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  try {
    const dir = openSync(dirname(path), 'r');
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // Directory fsync is not possible everywhere; the rename itself is still atomic.
  }
}

/** How long a run waits for another run's lock before giving up. */
const LOCK_WAIT_MS = 120_000;
/** A lock whose process is gone is taken over only once it is this old (a crashed run's lock). */
const STALE_LOCK_MS = 2_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function lockHolderAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn holding `<path>.lock` (created exclusively, holding our pid). A lock left by a process
 * that no longer runs is removed once older than STALE_LOCK_MS; a live holder is waited for.
 */
export function withStateLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx', 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new InputError(`cannot use state file ${path}: its directory does not exist`);
      if (code !== 'EEXIST') throw new InputError(`cannot lock state file ${path}: ${code ?? (error as Error).message}`);
      let holder = NaN;
      let age = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8').trim());
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // the holder just released it: try again at once
      }
      if (age > STALE_LOCK_MS && !(Number.isInteger(holder) && holder > 0 && lockHolderAlive(holder))) {
        try {
          unlinkSync(lock);
        } catch {
          // another waiter removed it first
        }
        continue;
      }
      if (Date.now() > deadline) throw new InputError(`state file ${path} is locked by process ${holder} (${lock}); gave up after ${LOCK_WAIT_MS / 1000} s`);
      Atomics.wait(pause, 0, 0, 10);
    }
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already gone: nothing to release
    }
  }
}
