// Bit operations on the level structure described in layout.ts: set, clear, test and
// "first free offset at or after p", each costing O(levels) word operations.
import {
  levelPtr, levelWords, levelBits, levelCountOf, sizeOf, bandOf, blockCountsPtr, superCountsPtr, strategyOf,
  STRATEGY_UNIFORM_ID,
  blockCountBytesOf, superCountBytesOf, BLOCK_SHIFT, SUPER_SHIFT, H_USED, H_USED_STATIC,
} from './layout';

const ALL_ONES: u64 = ~(<u64>0);

@inline function wordAddr(b: usize, level: u32, index: u32): usize {
  return levelPtr(b, level) + (<usize>(index >>> 6) << 3);
}

// Keeps every count exact on each change, so no call ever needs to popcount the whole map. The
// block counts serve only the uniform strategy's rank select, so other strategies skip them.
@inline function adjustCounts(b: usize, k: u32, delta: i32): void {
  store<u32>(b + H_USED, load<u32>(b + H_USED) + delta);
  if (k < bandOf(b)) store<u32>(b + H_USED_STATIC, load<u32>(b + H_USED_STATIC) + delta);
  if (strategyOf(b) != STRATEGY_UNIFORM_ID) return;
  const block = blockCountsPtr(b) + (<usize>(k >>> BLOCK_SHIFT) << 1);
  store<u16>(block, <i32>load<u16>(block) + delta);
  const superblock = superCountsPtr(b) + (<usize>(k >>> SUPER_SHIFT) << 2);
  store<u32>(superblock, load<u32>(superblock) + delta);
}

export function testBit(b: usize, k: u32): bool {
  return ((load<u64>(wordAddr(b, 0, k)) >>> (<u64>k & 63)) & 1) != 0;
}

// Marks offset k allocated when the caller has just read its level-0 word (`before`, at `addr`)
// and knows the bit is clear: saves re-reading the level table on the dynamic hot path.
@inline export function setKnownFreeBit(b: usize, k: u32, addr: usize, before: u64): void {
  const after = before | (<u64>1 << (<u64>k & 63));
  store<u64>(addr, after);
  adjustCounts(b, k, 1);
  if (after == ALL_ONES && levelCountOf(b) > 1) setBit(b, k >>> 6, 1);
}

// Marks offset k allocated. Returns false (and changes nothing) when it already was.
export function setBit(b: usize, k: u32, fromLevel: u32 = 0): bool {
  const top = levelCountOf(b) - 1;
  let index = k;
  for (let level: u32 = fromLevel; ; level++) {
    const addr = wordAddr(b, level, index);
    const before = load<u64>(addr);
    const after = before | (<u64>1 << (<u64>index & 63));
    if (level == 0) {
      if (before == after) return false;
      adjustCounts(b, k, 1);
    }
    store<u64>(addr, after);
    // Only a word that just became full changes its parent's summary bit.
    if (after != ALL_ONES || level == top) break;
    index >>>= 6;
  }
  return true;
}

// Marks offset k free. Returns false (and changes nothing) when it already was.
export function clearBit(b: usize, k: u32): bool {
  const top = levelCountOf(b) - 1;
  let index = k;
  for (let level: u32 = 0; ; level++) {
    const addr = wordAddr(b, level, index);
    const before = load<u64>(addr);
    const after = before & ~(<u64>1 << (<u64>index & 63));
    if (level == 0) {
      if (before == after) return false;
      adjustCounts(b, k, -1);
    }
    store<u64>(addr, after);
    // A word that was not full had its parent bit clear already.
    if (before != ALL_ONES || level == top) break;
    index >>>= 6;
  }
  return true;
}

// First free offset >= p, or -1. Climbs the summaries past full words, then descends.
export function findFreeFrom(b: usize, p: u32): i32 {
  if (p >= sizeOf(b)) return -1;
  const levels = levelCountOf(b);
  let level: u32 = 0;
  let index = p;
  while (true) {
    const wordIndex = index >>> 6;
    // Bits below `index` in this word count as taken: they lie before the search start.
    const word = load<u64>(levelPtr(b, level) + (<usize>wordIndex << 3))
      | ((<u64>1 << (<u64>index & 63)) - 1);
    if (word != ALL_ONES) {
      index = (wordIndex << 6) + <u32>ctz(~word);
      break;
    }
    level++;
    if (level >= levels) return -1;
    index = wordIndex + 1;
    if (index >= levelWords(b, level - 1)) return -1;
  }
  while (level > 0) {
    level--;
    const word = load<u64>(levelPtr(b, level) + (<usize>index << 3));
    index = (index << 6) + <u32>ctz(~word);
  }
  return <i32>index;
}

// First free offset in [lo, hi) scanning from `start` upward and wrapping once to lo,
// or -1 when [lo, hi) is full. start must lie in [lo, hi).
export function findFreeInBand(b: usize, lo: u32, hi: u32, start: u32): i32 {
  const upward = findFreeFrom(b, start);
  if (upward >= 0 && <u32>upward < hi) return upward;
  if (start > lo) {
    const wrapped = findFreeFrom(b, lo);
    if (wrapped >= 0 && <u32>wrapped < start) return wrapped;
  }
  return -1;
}

// Sets the padding bits of every level and rebuilds every summary level from level 0.
// Used after level 0 was written wholesale (creation, restore).
export function rebuildSummaries(b: usize): void {
  const levels = levelCountOf(b);
  for (let level: u32 = 0; level < levels; level++) {
    const ptr = levelPtr(b, level);
    const words = levelWords(b, level);
    if (level > 0) {
      memory.fill(ptr, 0, <usize>words << 3);
      const below = levelPtr(b, level - 1);
      const belowWords = levelWords(b, level - 1);
      for (let j: u32 = 0; j < belowWords; j++) {
        if (load<u64>(below + (<usize>j << 3)) == ALL_ONES) {
          const addr = ptr + (<usize>(j >>> 6) << 3);
          store<u64>(addr, load<u64>(addr) | (<u64>1 << (<u64>j & 63)));
        }
      }
    }
    const bits = levelBits(b, level);
    const spare = (words << 6) - bits;
    if (spare > 0) {
      const last = ptr + (<usize>(words - 1) << 3);
      store<u64>(last, load<u64>(last) | (ALL_ONES << (<u64>(64 - spare))));
    }
  }
}

// Recomputes every count from level 0 (after a restore).
export function rebuildCounts(b: usize): void {
  const size = sizeOf(b);
  const blocks = blockCountsPtr(b);
  const supers = superCountsPtr(b);
  memory.fill(blocks, 0, blockCountBytesOf(b));
  memory.fill(supers, 0, superCountBytesOf(b));
  const ptr = levelPtr(b, 0);
  const words = levelWords(b, 0);
  for (let j: u32 = 0; j < words; j++) {
    let word = load<u64>(ptr + (<usize>j << 3));
    if (j == words - 1 && (size & 63) != 0) word &= (<u64>1 << <u64>(size & 63)) - 1;
    const bits = <u32>popcnt(word);
    if (bits == 0) continue;
    const block = blocks + (<usize>((j << 6) >>> BLOCK_SHIFT) << 1);
    store<u16>(block, load<u16>(block) + <u16>bits);
    const superblock = supers + (<usize>((j << 6) >>> SUPER_SHIFT) << 2);
    store<u32>(superblock, load<u32>(superblock) + bits);
  }
  store<u32>(b + H_USED, countBelow(b, size));
  store<u32>(b + H_USED_STATIC, countBelow(b, bandOf(b)));
}

// Number of allocated offsets in [0, limit), counted from level 0 (padding excluded).
export function countBelow(b: usize, limit: u32): u32 {
  const ptr = levelPtr(b, 0);
  const fullWords = limit >>> 6;
  let count: u32 = 0;
  for (let j: u32 = 0; j < fullWords; j++) count += <u32>popcnt(load<u64>(ptr + (<usize>j << 3)));
  const rest = limit & 63;
  if (rest != 0) {
    count += <u32>popcnt(load<u64>(ptr + (<usize>fullWords << 3)) & ((<u64>1 << <u64>rest) - 1));
  }
  return count;
}
