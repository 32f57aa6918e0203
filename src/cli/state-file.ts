// The --state file: the ServiceIPAM state as JSON, written atomically (temp file, fsync, rename),
// so a crash leaves either the old file or the new one, never a torn one.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
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
