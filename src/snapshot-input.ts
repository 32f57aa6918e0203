// Shape checks for snapshots handed to restore()/fromSnapshot(), before any state is touched.
import { invalidSnapshotError } from './errors.js';
import { parseCIDR, type ParsedCIDR } from './cidr.js';
import { AllocatorError } from './errors.js';

/** An allocator's state as Kubernetes stores a RangeAllocation: its range and its bytes. */
export interface RangeSnapshot {
  /** Canonical CIDR of the range. */
  range: string;
  /** The bitmap as a big-endian integer, bit k = offset k, no leading zero bytes. */
  data: Uint8Array;
}

export interface CheckedSnapshot {
  readonly range: ParsedCIDR;
  /** data without its leading zero bytes (same integer). */
  readonly significant: Uint8Array;
}

/**
 * The fields of a snapshot: `range` parsed by `parseRange` (a CIDR, or a node port range) and the
 * data without its leading zero bytes. Any failure is ERR_INVALID_SNAPSHOT.
 */
export function checkSnapshotFields<R>(snapshot: unknown, rangeWord: string, parseRange: (text: string) => R): { range: R; significant: Uint8Array } {
  if (snapshot === null || typeof snapshot !== 'object') throw invalidSnapshotError('expected an object { range, data }');
  const { range, data } = snapshot as Partial<RangeSnapshot>;
  if (typeof range !== 'string') throw invalidSnapshotError(`range must be a ${rangeWord} string`);
  if (!(data instanceof Uint8Array)) throw invalidSnapshotError('data must be a Uint8Array');
  let parsed: R;
  try {
    parsed = parseRange(range);
  } catch (error) {
    if (error instanceof AllocatorError) throw invalidSnapshotError(`range: ${error.message}`);
    throw error;
  }
  let first = 0;
  while (first < data.length && data[first] === 0) first++;
  return { range: parsed, significant: data.subarray(first) };
}

export function checkSnapshotShape(snapshot: unknown): CheckedSnapshot {
  return checkSnapshotFields<ParsedCIDR>(snapshot, 'CIDR', parseCIDR);
}
