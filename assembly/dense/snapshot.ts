// The RangeAllocation data format: the bitmap as one big integer (bit k = offset k), written
// big-endian with no leading zero bytes. Level 0's words are little-endian in memory, so its
// bytes are that integer least significant byte first; the snapshot is them reversed.
import { sizeOf } from '../header';
import { levelPtr, levelWords } from './layout';
import { rebuildSummaries, rebuildCounts } from './bitmap';

// Writes the snapshot bytes to out (room for levelWords(0) * 8 bytes) and returns their count.
export function exportBigEndian(b: usize, out: usize): u32 {
  const size = <u32>sizeOf(b);
  const level0 = levelPtr(b, 0);
  // Only whole bytes below `size` plus the masked partial byte carry real bits; the rest is padding.
  const byteCount = (size + 7) >>> 3;
  let length = byteCount;
  while (length > 0 && realByte(level0, length - 1, size) == 0) length--;
  for (let i: u32 = 0; i < length; i++) {
    store<u8>(out + i, realByte(level0, length - 1 - i, size));
  }
  return length;
}

@inline function realByte(level0: usize, j: u32, size: u32): u8 {
  const value = load<u8>(level0 + j);
  const firstBit = j << 3;
  if (firstBit + 8 <= size) return value;
  return <u8>(<u32>value & ((<u32>1 << (size - firstBit)) - 1));
}

// Replaces the allocation state with the snapshot in [data, data + length). Returns 0 on success,
// or 1 (with nothing changed) when the integer has a bit at or above `size`.
export function importBigEndian(b: usize, data: usize, length: u32): i32 {
  const size = <u32>sizeOf(b);
  let first: u32 = 0;
  while (first < length && load<u8>(data + first) == 0) first++;
  const significant = length - first;
  if (significant > 0) {
    const top = <u32>load<u8>(data + first);
    const highestBit = (significant - 1) * 8 + (31 - <u32>clz(top));
    if (highestBit >= size) return 1;
  }
  const level0 = levelPtr(b, 0);
  memory.fill(level0, 0, <usize>levelWords(b, 0) << 3);
  for (let j: u32 = 0; j < significant; j++) {
    store<u8>(level0 + j, load<u8>(data + length - 1 - j));
  }
  rebuildSummaries(b);
  rebuildCounts(b);
  return 0;
}
