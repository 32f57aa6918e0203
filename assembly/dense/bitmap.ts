// Bit operations on the dense level structure (layout.ts): set, clear, test and "take the first
// free offset of a band at or after a start". Level 0 is handled inline — that is where nearly
// every call ends — and the summary upkeep, needed only when a word fills up or stops being full,
// is out of line, so the common case stays small enough to inline into its callers.
import { H_RESULT, H_USED, H_USED_STATIC, bandOf, countChange, sizeOf, strategyOf, STRATEGY_UNIFORM } from '../header';
import {
  levelPtr, levelWords, levelBits, levelCountOf, level0Of, blockCountsPtr, superCountsPtr,
  blockCountBytes, superCountBytes, BLOCK_SHIFT, SUPER_SHIFT,
} from './layout';

const ALL_ONES: u64 = ~(<u64>0);
/** "No offset": larger than any dense offset (< 2^24). */
export const NONE: u32 = 0xFFFFFFFF;

// The block counts serve only the uniform strategy's rank select, so other strategies skip them.
@inline function blockCountChange(h: usize, k: u32, delta: i32): void {
  if (strategyOf(h) != STRATEGY_UNIFORM) return;
  const block = blockCountsPtr(h) + (<usize>(k >>> BLOCK_SHIFT) << 1);
  store<u16>(block, <i32>load<u16>(block) + delta);
  const superblock = superCountsPtr(h) + (<usize>(k >>> SUPER_SHIFT) << 2);
  store<u32>(superblock, load<u32>(superblock) + delta);
}

// Level-0 word `index` just became full: set its bit in level 1, and so on up while words fill.
export function markWordFull(h: usize, index: u32): void {
  const top = levelCountOf(h);
  for (let level: u32 = 1; level < top; level++) {
    const addr = levelPtr(h, level) + (<usize>(index >>> 6) << 3);
    const after = load<u64>(addr) | (<u64>1 << (<u64>index & 63));
    store<u64>(addr, after);
    if (after != ALL_ONES) return;
    index >>>= 6;
  }
}

// Level-0 word `index` was full and no longer is: clear its bit up the levels while words were full.
export function markWordNotFull(h: usize, index: u32): void {
  const top = levelCountOf(h);
  for (let level: u32 = 1; level < top; level++) {
    const addr = levelPtr(h, level) + (<usize>(index >>> 6) << 3);
    const before = load<u64>(addr);
    store<u64>(addr, before & ~(<u64>1 << (<u64>index & 63)));
    if (before != ALL_ONES) return;
    index >>>= 6;
  }
}

@inline export function denseTest(h: usize, k: u32): bool {
  return ((load<u64>(level0Of(h) + (<usize>(k >>> 6) << 3)) >>> (<u64>k & 63)) & 1) != 0;
}

// Marks k allocated given its level-0 word's address and value (known clear bit), without counts.
@inline export function denseSetKnown(h: usize, k: u32, addr: usize, before: u64): void {
  assert(k < <u32>sizeOf(h) && ((before >>> (<u64>k & 63)) & 1) == 0, 'denseSetKnown: offset beyond the size or already set');
  const after = before | (<u64>1 << (<u64>k & 63));
  store<u64>(addr, after);
  if (after == ALL_ONES) markWordFull(h, k >>> 6);
}

// Marks offset k allocated. Returns false (and changes nothing) when it already was.
@inline export function denseSet(h: usize, k: u32): bool {
  const addr = level0Of(h) + (<usize>(k >>> 6) << 3);
  const before = load<u64>(addr);
  if ((before >>> (<u64>k & 63)) & 1) return false;
  denseSetKnown(h, k, addr, before);
  countChange(h, <u64>k, 1);
  blockCountChange(h, k, 1);
  return true;
}

// Marks offset k free. Returns false (and changes nothing) when it already was.
@inline export function denseClear(h: usize, k: u32): bool {
  const addr = level0Of(h) + (<usize>(k >>> 6) << 3);
  const before = load<u64>(addr);
  const bit = <u64>1 << (<u64>k & 63);
  if ((before & bit) == 0) return false;
  store<u64>(addr, before & ~bit);
  if (before == ALL_ONES) markWordNotFull(h, k >>> 6);
  countChange(h, <u64>k, -1);
  blockCountChange(h, k, -1);
  return true;
}

// Climbs from `level`, bit `index`, past full words, then descends to a free offset; NONE when
// none remains at or after it.
function findFreeAbove(h: usize, level: u32, index: u32): u32 {
  const levels = levelCountOf(h);
  while (true) {
    if (level >= levels || index >= levelBits(h, level)) return NONE;
    const wordIndex = index >>> 6;
    const word = load<u64>(levelPtr(h, level) + (<usize>wordIndex << 3)) | ((<u64>1 << (<u64>index & 63)) - 1);
    if (word != ALL_ONES) {
      index = (wordIndex << 6) + <u32>ctz(~word);
      break;
    }
    level++;
    index = wordIndex + 1;
  }
  while (level > 0) {
    level--;
    index = (index << 6) + <u32>ctz(~load<u64>(levelPtr(h, level) + (<usize>index << 3)));
  }
  return index;
}

// First free offset >= p, or NONE. Levels 0 and 1 inline; higher levels out of line.
export function denseFindFree(h: usize, p: u32): u32 {
  if (<u64>p >= sizeOf(h)) return NONE;
  const level0 = level0Of(h);
  const wordIndex = p >>> 6;
  const word = load<u64>(level0 + (<usize>wordIndex << 3)) | ((<u64>1 << (<u64>p & 63)) - 1);
  if (word != ALL_ONES) return (wordIndex << 6) + <u32>ctz(~word);
  if (levelCountOf(h) == 1) return NONE;
  const next = wordIndex + 1; // first level-0 word after this one
  if (next >= levelWords(h, 0)) return NONE;
  const summary = load<u64>(levelPtr(h, 1) + (<usize>(next >>> 6) << 3)) | ((<u64>1 << (<u64>next & 63)) - 1);
  if (summary != ALL_ONES) {
    const j = (next & ~63) + <u32>ctz(~summary);
    return (j << 6) + <u32>ctz(~load<u64>(level0 + (<usize>j << 3)));
  }
  return findFreeAbove(h, 2, (next >>> 6) + 1);
}

// Takes the first free offset of [lo, hi) at or after `start`, wrapping once to lo, into the
// result slot; false when [lo, hi) has none. start must lie in [lo, hi).
export function denseTakeInBand(h: usize, lo: u32, hi: u32, start: u32): bool {
  // Fast path: a free offset in the start's own word, at or after it.
  const level0 = level0Of(h);
  const addr = level0 + (<usize>(start >>> 6) << 3);
  const word = load<u64>(addr);
  const free = ~word & (ALL_ONES << (<u64>start & 63));
  let k: u32;
  if (free != 0 && (k = (start & ~63) + <u32>ctz(free)) < hi) {
    denseSetKnown(h, k, addr, word);
  } else {
    k = denseFindFree(h, start);
    if (k >= hi) {
      k = start > lo ? denseFindFree(h, lo) : NONE;
      if (k >= start) return false;
    }
    const at = level0 + (<usize>(k >>> 6) << 3);
    denseSetKnown(h, k, at, load<u64>(at));
  }
  countChange(h, <u64>k, 1);
  blockCountChange(h, k, 1);
  store<u64>(h + H_RESULT, <u64>k);
  return true;
}

// Sets the padding bits of every level and rebuilds every summary level from level 0.
// Used after level 0 was written wholesale (creation, restore).
export function rebuildSummaries(h: usize): void {
  const levels = levelCountOf(h);
  for (let level: u32 = 0; level < levels; level++) {
    const ptr = levelPtr(h, level);
    const words = levelWords(h, level);
    if (level > 0) {
      memory.fill(ptr, 0, <usize>words << 3);
      const below = levelPtr(h, level - 1);
      const belowWords = levelWords(h, level - 1);
      for (let j: u32 = 0; j < belowWords; j++) {
        if (load<u64>(below + (<usize>j << 3)) == ALL_ONES) {
          const addr = ptr + (<usize>(j >>> 6) << 3);
          store<u64>(addr, load<u64>(addr) | (<u64>1 << (<u64>j & 63)));
        }
      }
    }
    const spare = (words << 6) - levelBits(h, level);
    if (spare > 0) {
      const last = ptr + (<usize>(words - 1) << 3);
      store<u64>(last, load<u64>(last) | (ALL_ONES << (<u64>(64 - spare))));
    }
  }
}

// Recomputes every count from level 0 (after a restore).
export function rebuildCounts(h: usize): void {
  const size = <u32>sizeOf(h);
  const blocks = blockCountsPtr(h);
  const supers = superCountsPtr(h);
  memory.fill(blocks, 0, blockCountBytes(size));
  memory.fill(supers, 0, superCountBytes(size));
  const ptr = level0Of(h);
  const words = levelWords(h, 0);
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
  store<u32>(h + H_USED, denseCountBelow(h, size));
  store<u32>(h + H_USED_STATIC, denseCountBelow(h, bandOf(h)));
}

// Number of allocated offsets in [0, limit), counted from level 0 (padding excluded).
export function denseCountBelow(h: usize, limit: u32): u32 {
  const ptr = level0Of(h);
  const fullWords = limit >>> 6;
  let count: u32 = 0;
  for (let j: u32 = 0; j < fullWords; j++) count += <u32>popcnt(load<u64>(ptr + (<usize>j << 3)));
  const rest = limit & 63;
  if (rest != 0) {
    count += <u32>popcnt(load<u64>(ptr + (<usize>fullWords << 3)) & ((<u64>1 << <u64>rest) - 1));
  }
  return count;
}

// Writes up to max allocated offsets >= from, ascending, as u32s to out; returns how many.
export function denseExport(h: usize, from: u32, out: usize, max: u32): u32 {
  const size = <u32>sizeOf(h);
  if (from >= size || max == 0) return 0;
  const level0 = level0Of(h);
  const lastWord = (size - 1) >>> 6;
  let written: u32 = 0;
  let wordIndex = from >>> 6;
  let word = load<u64>(level0 + (<usize>wordIndex << 3)) & (ALL_ONES << (<u64>from & 63));
  while (true) {
    if (wordIndex == lastWord && (size & 63) != 0) word &= (<u64>1 << <u64>(size & 63)) - 1;
    while (word != 0) {
      store<u32>(out + (<usize>written << 2), (wordIndex << 6) + <u32>ctz(word));
      written++;
      if (written == max) return written;
      word &= word - 1;
    }
    if (wordIndex == lastWord) return written;
    wordIndex++;
    word = load<u64>(level0 + (<usize>wordIndex << 3));
  }
}
