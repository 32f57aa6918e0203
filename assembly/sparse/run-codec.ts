// The run encoding of sparse snapshots (src/run-encoding.ts has the layout): written and read here,
// in the kernel, so a snapshot or restore of a million scattered addresses makes no BigInt, no
// object per run and no JavaScript call per run. "CIPR", version 1, then LEB128 varints: the run
// count, and per run the gap since the previous run's end and the run's length minus one.
import { sizeOf, usedOf } from '../header';
import { storeSet } from '../store';
import { exportSortedOffsets } from './sorted-export';

export const RUNS_OK: i32 = 0;
export const RUNS_TRUNCATED: i32 = 1;
export const RUNS_OVER_64_BITS: i32 = 2;
export const RUNS_VARINT_TOO_LONG: i32 = 3;
export const RUNS_BEYOND_SIZE: i32 = 4;
export const RUNS_TOO_MANY: i32 = 5;
export const RUNS_TRAILING: i32 = 6;
export const RUNS_BAD_MAGIC: i32 = 7;
export const RUNS_BAD_VERSION: i32 = 8;

const VERSION: u8 = 1;

// The most bytes runsEncode writes for h: the header, the count, and two ten-byte varints per
// run (every allocated offset its own run at worst).
export function runsBytesBound(h: usize): u32 {
  return 15 + usedOf(h) * 20;
}

@inline function writeVarint(out: usize, at: u32, value: u64): u32 {
  while (value >= 0x80) {
    store<u8>(out + at, <u8>((value & 0x7f) | 0x80));
    at++;
    value >>= 7;
  }
  store<u8>(out + at, <u8>value);
  return at + 1;
}

// Writes h's allocations, run-encoded, to out (room for runsBytesBound(h)); returns the length.
export function runsEncode(h: usize, out: usize): u32 {
  const n = usedOf(h);
  const offsets = heap.alloc(<usize>max<u32>(n, 1) << 3);
  if (n > 0) exportSortedOffsets(h, offsets);
  let runs: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i == 0 || load<u64>(offsets + (<usize>i << 3)) != load<u64>(offsets + (<usize>(i - 1) << 3)) + 1) runs++;
  }
  store<u8>(out, 0x43);
  store<u8>(out + 1, 0x49);
  store<u8>(out + 2, 0x50);
  store<u8>(out + 3, 0x52);
  store<u8>(out + 4, VERSION);
  let at = writeVarint(out, 5, <u64>runs);
  let previousEnd: u64 = 0;
  let i: u32 = 0;
  while (i < n) {
    const start = load<u64>(offsets + (<usize>i << 3));
    let j = i + 1;
    while (j < n && load<u64>(offsets + (<usize>j << 3)) == load<u64>(offsets + (<usize>(j - 1) << 3)) + 1) j++;
    at = writeVarint(out, at, start - previousEnd);
    at = writeVarint(out, at, <u64>(j - i - 1));
    previousEnd = start + <u64>(j - i);
    i = j;
  }
  heap.free(offsets);
  return at;
}

// The decoder's position and last value (module state: one decode runs at a time).
let readAt: u32 = 0;
let readValue: u64 = 0;

// Reads one varint at readAt into readValue; RUNS_OK or why not.
function readVarint(data: usize, length: u32): i32 {
  let value: u64 = 0;
  for (let index: u32 = 0; index < 10; index++) {
    if (readAt >= length) return RUNS_TRUNCATED;
    const byte = <u64>load<u8>(data + readAt);
    readAt++;
    value |= (byte & 0x7f) << (<u64>(7 * index));
    if ((byte & 0x80) == 0) {
      // A last (tenth) byte above 1 would set bits past 63.
      if (index == 9 && byte > 1) return RUNS_OVER_64_BITS;
      readValue = value;
      return RUNS_OK;
    }
  }
  return RUNS_VARINT_TOO_LONG;
}

// Marks the runs of [data, data + length) allocated in h (an empty block the caller swaps in only
// on RUNS_OK): at most maxTotal offsets, none at or beyond h's size. RUNS_OK, or the first reason
// the data is refused (the block is then discarded).
export function runsDecode(h: usize, data: usize, length: u32, maxTotal: u32): i32 {
  if (length == 0) return RUNS_OK;
  if (length < 5 || load<u8>(data) != 0x43 || load<u8>(data + 1) != 0x49 || load<u8>(data + 2) != 0x50 || load<u8>(data + 3) != 0x52) return RUNS_BAD_MAGIC;
  if (load<u8>(data + 4) != VERSION) return RUNS_BAD_VERSION;
  readAt = 5;
  let status = readVarint(data, length);
  if (status != RUNS_OK) return status;
  const count = readValue;
  const size = sizeOf(h);
  let end: u64 = 0;
  let total: u64 = 0;
  for (let n: u64 = 0; n < count; n++) {
    status = readVarint(data, length);
    if (status != RUNS_OK) return status;
    const gap = readValue;
    status = readVarint(data, length);
    if (status != RUNS_OK) return status;
    // Lengths are at most 2^64 - 1 + 1: compare before adding so nothing wraps.
    const runLength = readValue + 1;
    if (gap > size || end > size - gap) return RUNS_BEYOND_SIZE;
    const start = end + gap;
    if (runLength == 0 || runLength > size - start) return RUNS_BEYOND_SIZE;
    total += runLength;
    if (total > <u64>maxTotal) return RUNS_TOO_MANY;
    for (let k: u64 = 0; k < runLength; k++) storeSet(h, start + k);
    end = start + runLength;
  }
  return readAt == length ? RUNS_OK : RUNS_TRAILING;
}
