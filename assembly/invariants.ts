// Structural checks for the debug build (debug.ts): the tests call checkInvariants after every
// property-test step. Returns 0 when the block is consistent, else the number of the first broken
// rule (see the list below), so a failure names what went wrong.
//   1 used != allocated offsets        2 usedStatic != allocated offsets below the band
//   3 a summary bit disagrees with "the word below is full"
//   4 a padding bit is clear (dense)    5 a block count disagrees with its bits (dense, uniform)
//   6 an offset at or beyond the size is allocated   7 a stored word is zero (sparse)
import { KIND_DENSE, STRATEGY_UNIFORM, bandOf, kindOf, sizeOf, strategyOf, usedOf, usedStaticOf } from './header';
import { levelCountOf, levelPtr, levelWords, levelBits, blockCountsPtr, BLOCK_SHIFT } from './dense/layout';
import { denseCountBelow } from './dense/bitmap';
import { SPARSE_LEVELS, tableAt } from './sparse/sparse-map';
import { entryCount, tableExport, tableGet } from './sparse/hash-table';

const ALL_ONES: u64 = ~(<u64>0);

export function checkInvariants(h: usize): u32 {
  return kindOf(h) == KIND_DENSE ? checkDense(h) : checkSparse(h);
}

function checkDense(h: usize): u32 {
  const size = <u32>sizeOf(h);
  if (usedOf(h) != denseCountBelow(h, size)) return 1;
  if (usedStaticOf(h) != denseCountBelow(h, bandOf(h))) return 2;
  const levels = levelCountOf(h);
  for (let level: u32 = 0; level < levels; level++) {
    const ptr = levelPtr(h, level);
    const words = levelWords(h, level);
    const spare = (words << 6) - levelBits(h, level);
    if (spare > 0 && (load<u64>(ptr + (<usize>(words - 1) << 3)) | ~(ALL_ONES << (<u64>(64 - spare)))) != ALL_ONES) return 4;
    if (level + 1 < levels) {
      const above = levelPtr(h, level + 1);
      for (let j: u32 = 0; j < words; j++) {
        const full = load<u64>(ptr + (<usize>j << 3)) == ALL_ONES;
        const bit = ((load<u64>(above + (<usize>(j >>> 6) << 3)) >>> (<u64>j & 63)) & 1) != 0;
        if (full != bit) return 3;
      }
    }
  }
  if (strategyOf(h) == STRATEGY_UNIFORM) {
    const blocks = blockCountsPtr(h);
    const blockCount = ((size - 1) >>> BLOCK_SHIFT) + 1;
    for (let b: u32 = 0; b < blockCount; b++) {
      const from = b << BLOCK_SHIFT;
      const to = from + (1 << BLOCK_SHIFT) < size ? from + (1 << BLOCK_SHIFT) : size;
      if (<u32>load<u16>(blocks + (<usize>b << 1)) != denseCountBelow(h, to) - denseCountBelow(h, from)) return 5;
    }
  }
  return 0;
}

function checkSparse(h: usize): u32 {
  const size = sizeOf(h);
  const band = <u64>bandOf(h);
  let used: u32 = 0;
  let usedStatic: u32 = 0;
  let rule: u32 = 0;
  for (let level: u32 = 0; level < SPARSE_LEVELS && rule == 0; level++) {
    const t = tableAt(h, level);
    const n = entryCount(t);
    const records = heap.alloc(<usize>max<u32>(n, 1) << 4);
    tableExport(t, records);
    for (let i: u32 = 0; i < n && rule == 0; i++) {
      const key = load<u64>(records + (<usize>i << 4));
      const value = load<u64>(records + (<usize>i << 4) + 8);
      if (value == 0) { rule = 7; break; }
      if (level == 0) {
        let bits = value;
        while (bits != 0) {
          const k = (key << 6) + ctz(bits);
          if (k >= size) { rule = 6; break; }
          used++;
          if (k < band) usedStatic++;
          bits &= bits - 1;
        }
      } else {
        // Each set bit says "that word of the level below is full", and only those.
        for (let b: u64 = 0; b < 64; b++) {
          const full = tableGet(tableAt(h, level - 1), (key << 6) + b) == ALL_ONES;
          if (full != (((value >>> b) & 1) != 0)) { rule = 3; break; }
        }
      }
      if (level + 1 < SPARSE_LEVELS && rule == 0) {
        const marked = ((tableGet(tableAt(h, level + 1), key >>> 6) >>> (key & 63)) & 1) != 0;
        if (marked != (value == ALL_ONES)) rule = 3;
      }
    }
    heap.free(records);
  }
  if (rule != 0) return rule;
  if (used != usedOf(h)) return 1;
  if (usedStatic != usedStaticOf(h)) return 2;
  return 0;
}
