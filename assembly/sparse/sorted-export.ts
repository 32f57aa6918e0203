// Lists a sparse range's allocated offsets in ascending order. The level-0 table has no order, so
// its (word index, bits) records are copied out, LSD-radix-sorted by word index a byte at a time
// (passes where every key shares the byte are skipped), then expanded bit by bit.
import { tableExport, entryCount } from './hash-table';
import { tableAt } from './sparse-map';

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
