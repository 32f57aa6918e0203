// Snapshot data for sparse ranges, where the RangeAllocation bitmap (2^64 bits for a /64) cannot
// exist. Layout: the magic "CIPR" (43 49 50 52), version byte 01, then LEB128 varints: the number of
// runs, and per run the gap since the previous run's end (the first run's start counts from 0)
// and the run's length minus one. Runs of consecutive allocated offsets, ascending. Decoding
// accepts gap 0 (adjacent runs are merged) and rejects anything else malformed.
import { invalidSnapshotError } from './errors.js';

const MAGIC = [0x43, 0x49, 0x50, 0x52];
const VERSION = 1;
const MAX_U64 = (1n << 64n) - 1n;

function writeVarint(out: number[], value: bigint): void {
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
}

/** Encodes ascending, distinct offsets. */
export function encodeRuns(sorted: BigUint64Array): Uint8Array {
  const body: number[] = [];
  let runs = 0;
  let previousEnd = 0n;
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i];
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1] + 1n) j++;
    writeVarint(body, start - previousEnd);
    writeVarint(body, BigInt(j - i - 1));
    previousEnd = start + BigInt(j - i);
    runs++;
    i = j;
  }
  const head: number[] = [...MAGIC, VERSION];
  writeVarint(head, BigInt(runs));
  return Uint8Array.from([...head, ...body]);
}

export interface Run { start: bigint; length: bigint }

/** Decodes and validates against a range of `size` offsets holding at most `maxTotal` of them. */
export function decodeRuns(data: Uint8Array, size: bigint, maxTotal: number): Run[] {
  if (data.length === 0) return [];
  let at = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= data.length) throw invalidSnapshotError('truncated run data');
      const byte = data[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (value > MAX_U64) throw invalidSnapshotError('a run value exceeds 64 bits');
        return value;
      }
    }
    throw invalidSnapshotError('a run value is longer than ten bytes');
  };
  if (data.length < 5 || MAGIC.some((b, i) => data[i] !== b)) throw invalidSnapshotError('sparse range data must start with "CIPR"');
  if (data[4] !== VERSION) throw invalidSnapshotError(`unknown run encoding version ${data[4]}`);
  at = 5;
  const count = readVarint();
  const runs: Run[] = [];
  let end = 0n;
  let total = 0n;
  for (let n = 0n; n < count; n++) {
    const start = end + readVarint();
    const length = readVarint() + 1n;
    end = start + length;
    if (end > size) throw invalidSnapshotError(`data has allocations beyond the ${size} usable addresses of the range`);
    total += length;
    if (total > BigInt(maxTotal)) throw invalidSnapshotError(`data claims more than ${maxTotal} allocations`);
    const last = runs[runs.length - 1];
    if (last && last.start + last.length === start) last.length += length;
    else runs.push({ start, length });
  }
  if (at !== data.length) throw invalidSnapshotError('trailing bytes after the last run');
  return runs;
}
