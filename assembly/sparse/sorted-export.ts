// Lists a sparse range's allocated offsets in ascending order. The level-0 table has no order, so
// its (word index, bits) records are copied out, LSD-radix-sorted by word index a byte at a time
// (passes where every key shares the byte are skipped), then expanded bit by bit.
import { tableExport, entryCount } from './hash-table';
import { tableAt, sparseReset, sparseSet } from './sparse-map';
import { sizeOf, usedOf as sparseUsedOf } from '../header';

// Sorts n 16-byte records at a by their first u64, using b as room; returns where the result is.
function radixSortRecords(a: usize, b: usize, n: u32): usize {
  const counts = heap.alloc(256 << 2);
  for (let shift: u64 = 0; shift < 64; shift += 8) {
    memory.fill(counts, 0, 256 << 2);
    for (let i: u32 = 0; i < n; i++) {
      const bucket = counts + (<usize>((load<u64>(a + (<usize>i << 4)) >>> shift) & 255) << 2);
      store<u32>(bucket, load<u32>(bucket) + 1);
    }
    let sameByte = false;
    let total: u32 = 0;
    for (let d: u32 = 0; d < 256; d++) {
      const bucket = counts + (<usize>d << 2);
      const c = load<u32>(bucket);
      if (c == n) sameByte = true;
      store<u32>(bucket, total);
      total += c;
    }
    if (sameByte) continue;
    for (let i: u32 = 0; i < n; i++) {
      const from = a + (<usize>i << 4);
      const bucket = counts + (<usize>((load<u64>(from) >>> shift) & 255) << 2);
      const at = load<u32>(bucket);
      store<u32>(bucket, at + 1);
      memory.copy(b + (<usize>at << 4), from, 16);
    }
    const swap = a;
    a = b;
    b = swap;
  }
  heap.free(counts);
  return a;
}

// Writes every allocated offset, ascending, as u64s to out (room for the used count); returns it.
export function exportSortedOffsets(s: usize, out: usize): u32 {
  const table = tableAt(s, 0);
  const n = entryCount(table);
  if (n == 0) return 0;
  const first = heap.alloc(<usize>n << 4);
  const second = heap.alloc(<usize>n << 4);
  tableExport(table, first);
  const sorted = radixSortRecords(first, second, n);
  let written: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const record = sorted + (<usize>i << 4);
    const base = load<u64>(record) << 6;
    let bits = load<u64>(record + 8);
    while (bits != 0) {
      store<u64>(out + (<usize>written << 3), base + ctz(bits));
      written++;
      bits &= bits - 1;
    }
  }
  heap.free(first);
  heap.free(second);
  return written;
}

// The RangeAllocation bitmap bytes (big-endian, no leading zero bytes) of a sparse store: what a
// dense store of the same size would write (dense/snapshot.ts). out has room for (size + 7) / 8.
export function sparseBitmapWrite(h: usize, out: usize, byteCount: u32): u32 {
  memory.fill(out, 0, byteCount);
  const n = sparseUsedOf(h);
  if (n == 0) return 0;
  const offsets = heap.alloc(<usize>n << 3);
  exportSortedOffsets(h, offsets);
  for (let i: u32 = 0; i < n; i++) {
    const k = <u32>load<u64>(offsets + (<usize>i << 3));
    const at = out + byteCount - 1 - (k >>> 3);
    store<u8>(at, <u8>(<u32>load<u8>(at) | (<u32>1 << (k & 7))));
  }
  heap.free(offsets);
  let first: u32 = 0;
  while (load<u8>(out + first) == 0) first++;
  memory.copy(out, out + first, byteCount - first);
  return byteCount - first;
}

// Replaces the state with the bitmap in [data, data + length): 1 (nothing changed) when it has a
// bit at or above the size, else 0.
export function sparseBitmapRead(h: usize, data: usize, length: u32): i32 {
  const size = sizeOf(h);
  let first: u32 = 0;
  while (first < length && load<u8>(data + first) == 0) first++;
  const significant = length - first;
  if (significant > 0) {
    const top = <u32>load<u8>(data + first);
    const highestBit = <u64>(significant - 1) * 8 + <u64>(31 - <u32>clz(top));
    if (highestBit >= size) return 1;
  }
  sparseReset(h);
  for (let j: u32 = 0; j < significant; j++) {
    let bits = <u32>load<u8>(data + length - 1 - j);
    while (bits != 0) {
      sparseSet(h, (<u64>j << 3) + <u64>ctz(bits));
      bits &= bits - 1;
    }
  }
  return 0;
}
