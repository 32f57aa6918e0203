// The representation for ranges too large for a dense bitmap (IPv6 /64 … /103, IPv4 /0 … /7):
// the same summary-level idea as dense/bitmap.ts, but every level is a hash table holding only its
// non-zero words. Level 0 maps offset>>6 to the 64 allocation bits of that word; level l maps
// offset>>(6(l+1)) to a mask of which level-(l-1) words are full. Memory grows with the number of
// allocated offsets (one level-0 entry each at worst), never with the range.
import { tableInit, tableFree, tableGet, tableSet, tableBytes } from './hash-table';
import { COMMON_BYTES, H_RESULT, H_USED, H_USED_STATIC, countChange } from '../header';

export const SPARSE_LEVELS: u32 = 11; // 6 bits per level: 11 levels cover 2^66 > 2^64 offsets
export const S_TABLES: usize = COMMON_BYTES; // SPARSE_LEVELS x 16-byte table headers
export const SPARSE_HEADER_BYTES: usize = S_TABLES + (<usize>SPARSE_LEVELS << 4);

const ALL_ONES: u64 = ~(<u64>0);

@inline export function tableAt(h: usize, level: u32): usize { return h + S_TABLES + (<usize>level << 4); }

export function sparseInit(h: usize): void {
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) tableInit(tableAt(h, level));
}

export function sparseFreeTables(h: usize): void {
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) tableFree(tableAt(h, level));
}

// Forgets every allocation (restore rebuilds from scratch after validating its input).
export function sparseReset(h: usize): void {
  sparseFreeTables(h);
  sparseInit(h);
  store<u32>(h + H_USED, 0);
  store<u32>(h + H_USED_STATIC, 0);
}

export function sparseTest(h: usize, k: u64): bool {
  return ((tableGet(tableAt(h, 0), k >>> 6) >>> (k & 63)) & 1) != 0;
}

// Marks k allocated; false (nothing changed) when it already was.
export function sparseSet(h: usize, k: u64): bool {
  let index = k;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) {
    const t = tableAt(h, level);
    const key = index >>> 6;
    const before = tableGet(t, key);
    const after = before | (<u64>1 << (index & 63));
    if (level == 0) {
      if (before == after) return false;
      countChange(h, k, 1);
    }
    tableSet(t, key, after);
    if (after != ALL_ONES) break;
    index = key;
  }
  return true;
}

// Marks k free; false (nothing changed) when it already was.
export function sparseClear(h: usize, k: u64): bool {
  let index = k;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) {
    const t = tableAt(h, level);
    const key = index >>> 6;
    const before = tableGet(t, key);
    const after = before & ~(<u64>1 << (index & 63));
    if (level == 0) {
      if (before == after) return false;
      countChange(h, k, -1);
    }
    tableSet(t, key, after);
    if (before != ALL_ONES) break;
    index = key;
  }
  return true;
}

// First free offset >= p. Offsets at or beyond the usable count are never allocated, so one
// always exists at or below the usable count (itself <= 2^64 - 1): the climb cannot overflow.
export function sparseFindFree(h: usize, p: u64): u64 {
  let level: u32 = 0;
  let index = p;
  while (true) {
    const key = index >>> 6;
    const word = tableGet(tableAt(h, level), key) | ((<u64>1 << (index & 63)) - 1);
    if (word != ALL_ONES) {
      index = (key << 6) + ctz(~word);
      break;
    }
    level++;
    index = key + 1;
  }
  while (level > 0) {
    level--;
    index = (index << 6) + ctz(~tableGet(tableAt(h, level), index));
  }
  return index;
}

// Takes the first free offset of [lo, hi) at or after start (wrapping once to lo) into the result
// slot; false when [lo, hi) has none.
export function sparseTakeInBand(h: usize, lo: u64, hi: u64, start: u64): bool {
  let k = sparseFindFree(h, start);
  if (k >= hi) {
    if (start == lo) return false;
    k = sparseFindFree(h, lo);
    if (k >= start) return false;
  }
  sparseSet(h, k);
  store<u64>(h + H_RESULT, k);
  return true;
}

export function sparseBytes(h: usize): usize {
  let bytes = SPARSE_HEADER_BYTES;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) bytes += tableBytes(tableAt(h, level));
  return bytes;
}
