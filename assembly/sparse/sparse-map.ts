// The representation for ranges too large for a dense bitmap (IPv6 /64 … /103, IPv4 /0 … /7):
// the same summary-level idea as bitmap.ts, but every level is a hash table holding only its
// non-zero words. Level 0 maps offset>>6 to the 64 allocation bits of that word; level l maps
// offset>>(6(l+1)) to a mask of which level-(l-1) words are full. Memory grows with the number of
// allocated offsets (one level-0 entry each at worst), never with the range.
import { tableInit, tableFree, tableGet, tableSet, tableBytes, entryCount } from './hash-table';

export const SPARSE_LEVELS: u32 = 11; // 6 bits per level: 11 levels cover 2^66 > 2^64 offsets

// Header field offsets (bytes).
export const S_SIZE: usize = 0;         // u64 usable offsets
export const S_BAND: usize = 8;         // u32 static band size
export const S_STRATEGY: usize = 12;    // u32 strategy id (same ids as the dense kernel)
export const S_USED: usize = 16;        // u32 allocated offsets (each one costs memory, so < 2^32)
export const S_USED_STATIC: usize = 20; // u32 allocated offsets below the band
export const S_RNG: usize = 24;         // u64 PRNG state (random.ts reads it at the same offset)
export const S_RESULT: usize = 32;      // u64 result register for 64-bit outputs
export const S_DRAW_MODEL: usize = 40;  // u32 draw model (layout.ts DRAW_MODEL_*)
export const S_TABLES: usize = 48;      // SPARSE_LEVELS x 16-byte table headers
export const SPARSE_HEADER_BYTES: usize = S_TABLES + (<usize>SPARSE_LEVELS << 4);

const ALL_ONES: u64 = ~(<u64>0);

@inline export function tableAt(s: usize, level: u32): usize { return s + S_TABLES + (<usize>level << 4); }
@inline export function sparseSize(s: usize): u64 { return load<u64>(s + S_SIZE); }
@inline export function sparseBand(s: usize): u32 { return load<u32>(s + S_BAND); }
@inline export function sparseUsedOf(s: usize): u32 { return load<u32>(s + S_USED); }
@inline export function sparseUsedStaticOf(s: usize): u32 { return load<u32>(s + S_USED_STATIC); }

export function sparseInit(s: usize): void {
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) tableInit(tableAt(s, level));
}

export function sparseFreeTables(s: usize): void {
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) tableFree(tableAt(s, level));
}

export function sparseTest(s: usize, k: u64): bool {
  return ((tableGet(tableAt(s, 0), k >>> 6) >>> (k & 63)) & 1) != 0;
}

// Marks k allocated; false (nothing changed) when it already was.
export function sparseSet(s: usize, k: u64): bool {
  let index = k;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) {
    const t = tableAt(s, level);
    const key = index >>> 6;
    const before = tableGet(t, key);
    const after = before | (<u64>1 << (index & 63));
    if (level == 0) {
      if (before == after) return false;
      store<u32>(s + S_USED, sparseUsedOf(s) + 1);
      if (k < <u64>sparseBand(s)) store<u32>(s + S_USED_STATIC, sparseUsedStaticOf(s) + 1);
    }
    tableSet(t, key, after);
    if (after != ALL_ONES) break;
    index = key;
  }
  return true;
}

// Marks k free; false (nothing changed) when it already was.
export function sparseClear(s: usize, k: u64): bool {
  let index = k;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) {
    const t = tableAt(s, level);
    const key = index >>> 6;
    const before = tableGet(t, key);
    const after = before & ~(<u64>1 << (index & 63));
    if (level == 0) {
      if (before == after) return false;
      store<u32>(s + S_USED, sparseUsedOf(s) - 1);
      if (k < <u64>sparseBand(s)) store<u32>(s + S_USED_STATIC, sparseUsedStaticOf(s) - 1);
    }
    tableSet(t, key, after);
    if (before != ALL_ONES) break;
    index = key;
  }
  return true;
}

// First free offset >= p. Offsets at or beyond the usable count are never allocated, so one
// always exists at or below the usable count (itself <= 2^64 - 1): the climb cannot overflow.
export function sparseFindFreeFrom(s: usize, p: u64): u64 {
  let level: u32 = 0;
  let index = p;
  while (true) {
    const key = index >>> 6;
    const word = tableGet(tableAt(s, level), key) | ((<u64>1 << (index & 63)) - 1);
    if (word != ALL_ONES) {
      index = (key << 6) + ctz(~word);
      break;
    }
    level++;
    index = key + 1;
  }
  while (level > 0) {
    level--;
    index = (index << 6) + ctz(~tableGet(tableAt(s, level), index));
  }
  return index;
}

// First free offset in [lo, hi) scanning up from start and wrapping once; returns hi when full.
export function sparseFindFreeInBand(s: usize, lo: u64, hi: u64, start: u64): u64 {
  const upward = sparseFindFreeFrom(s, start);
  if (upward < hi) return upward;
  if (start > lo) {
    const wrapped = sparseFindFreeFrom(s, lo);
    if (wrapped < start) return wrapped;
  }
  return hi;
}

export function sparseBytes(s: usize): usize {
  let bytes = SPARSE_HEADER_BYTES;
  for (let level: u32 = 0; level < SPARSE_LEVELS; level++) bytes += tableBytes(tableAt(s, level));
  return bytes;
}

export function sparseWordCount(s: usize): u32 {
  return entryCount(tableAt(s, 0));
}
