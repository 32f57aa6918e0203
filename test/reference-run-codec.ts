// The JavaScript run codec the kernel's replaced (src/run-encoding.ts has the layout), kept as the
// reference test/run-codec.property.test.ts holds the kernel to. Snapshot data for sparse ranges,
// where the RangeAllocation bitmap (2^64 bits for a /64) cannot exist. Layout: the magic "CIPR" (43 49 50 52), version byte 01, then LEB128 varints: the number of
// runs, and per run the gap since the previous run's end (the first run's start counts from 0)
// and the run's length minus one. Runs of consecutive allocated offsets, ascending. Decoding
// accepts gap 0 (adjacent runs are merged) and rejects anything else malformed.
import { invalidSnapshotError } from '../src/errors.js';

const MAGIC = [0x43, 0x49, 0x50, 0x52];
const VERSION = 1;
const MAX_U64 = (1n << 64n) - 1n;

// A growable byte buffer: snapshots of a million runs are megabytes, too many for number[] spreads.
class ByteWriter {
  bytes = new Uint8Array(1024);
  length = 0;

  push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  // LEB128. Values below 2^53 (all gaps and lengths short of a /11-sized jump) stay numbers.
  varint(value: bigint): void {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) {
      let n = Number(value);
      while (n >= 0x80) {
        this.push((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
      }
      this.push(n);
      return;
    }
    while (value >= 0x80n) {
      this.push(Number(value & 0x7fn) | 0x80);
      value >>= 7n;
    }
    this.push(Number(value));
  }
}

/** Encodes ascending, distinct offsets. */
export function referenceEncodeRuns(sorted: BigUint64Array): Uint8Array {
  const body = new ByteWriter();
  let runs = 0;
  let previousEnd = 0n;
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i];
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1] + 1n) j++;
    body.varint(start - previousEnd);
    body.varint(BigInt(j - i - 1));
    previousEnd = start + BigInt(j - i);
    runs++;
    i = j;
  }
  const out = new ByteWriter();
  for (const byte of [...MAGIC, VERSION]) out.push(byte);
  out.varint(BigInt(runs));
  const result = new Uint8Array(out.length + body.length);
  result.set(out.bytes.subarray(0, out.length));
  result.set(body.bytes.subarray(0, body.length), out.length);
  return result;
}

export interface Run { start: bigint; length: bigint }

/** Decodes and validates against a range of `size` offsets holding at most `maxTotal` of them. */
export function referenceDecodeRuns(data: Uint8Array, size: bigint, maxTotal: number): Run[] {
  if (data.length === 0) return [];
  let at = 0;
  const readVarint = (): bigint => {
    // The first seven bytes (49 bits) are summed as an exact number; only longer values use BigInt.
    let small = 0;
    let scale = 1;
    let big = 0n;
    for (let index = 0; index < 10; index++) {
      if (at >= data.length) throw invalidSnapshotError('truncated run data');
      const byte = data[at++];
      if (index < 7) {
        small += (byte & 0x7f) * scale;
        scale *= 0x80;
      } else {
        big |= BigInt(byte & 0x7f) << BigInt(7 * index);
      }
      if ((byte & 0x80) === 0) {
        const value = big | BigInt(small);
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
