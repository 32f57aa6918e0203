// Memory layout of a dense allocator (ranges up to 2^24 offsets): the common header, the level
// table, then the bit levels and the counts, all in one heap block so that creating and disposing
// an allocator is a single alloc/free.
//
// Level 0 holds one bit per usable offset (1 = allocated). Level l+1 holds one bit per word of
// level l, set exactly when that word is all ones ("full"). Bits past the end of a level are
// padding and are kept at 1, so a padding bit can never look free and the summaries stay exact.
import { COMMON_BYTES } from '../header';

export const MAX_LEVELS: u32 = 4; // 2^24 bits -> 2^18 words -> 2^12 -> 64 -> 1

// Allocated-bit counts per block of 2^12 bits (u16) and per superblock of 2^18 bits (u32) let the
// uniform strategy find the r-th free offset in O(64 + 64 + 64) steps (see select.ts).
export const BLOCK_SHIFT: u32 = 12;
export const SUPER_SHIFT: u32 = 18;

// Dense-only fields, after the common header (bytes).
export const D_LEVELS: usize = COMMON_BYTES;            // u32 number of levels (top level: one word)
export const D_BLOCK_COUNTS: usize = COMMON_BYTES + 4;  // u32 pointer to u16 per 2^12-bit block
export const D_SUPER_COUNTS: usize = COMMON_BYTES + 8;  // u32 pointer to u32 per 2^18-bit superblock
export const D_LEVEL_PTR: usize = COMMON_BYTES + 16;    // MAX_LEVELS x u32 pointers to each level's words
export const D_LEVEL_WORDS: usize = COMMON_BYTES + 32;  // MAX_LEVELS x u32 word counts
export const D_LEVEL_BITS: usize = COMMON_BYTES + 48;   // MAX_LEVELS x u32 meaningful bits per level
export const DENSE_HEADER_BYTES: usize = COMMON_BYTES + 64;

@inline export function levelCountOf(h: usize): u32 { return load<u32>(h + D_LEVELS); }
@inline export function level0Of(h: usize): usize { return <usize>load<u32>(h + D_LEVEL_PTR); }

@inline export function levelPtr(h: usize, level: u32): usize {
  return <usize>load<u32>(h + D_LEVEL_PTR + (<usize>level << 2));
}
@inline export function levelWords(h: usize, level: u32): u32 {
  return load<u32>(h + D_LEVEL_WORDS + (<usize>level << 2));
}
@inline export function levelBits(h: usize, level: u32): u32 {
  return load<u32>(h + D_LEVEL_BITS + (<usize>level << 2));
}

@inline export function wordsFor(bits: u32): u32 { return (bits + 63) >>> 6; }

@inline export function blockCountsPtr(h: usize): usize { return <usize>load<u32>(h + D_BLOCK_COUNTS); }
@inline export function superCountsPtr(h: usize): usize { return <usize>load<u32>(h + D_SUPER_COUNTS); }

@inline function roundUp8(bytes: usize): usize { return (bytes + 7) & ~(<usize>7); }
@inline export function blockCountBytes(size: u32): usize { return roundUp8(<usize>(((size - 1) >>> BLOCK_SHIFT) + 1) << 1); }
@inline export function superCountBytes(size: u32): usize { return roundUp8(<usize>(((size - 1) >>> SUPER_SHIFT) + 1) << 2); }

// Bytes needed for the header, every level and the counts of a bitmap of `size` bits (size >= 1).
export function denseBlockBytes(size: u32): usize {
  let bytes = DENSE_HEADER_BYTES + blockCountBytes(size) + superCountBytes(size);
  let bits = size;
  while (true) {
    const words = wordsFor(bits);
    bytes += <usize>words << 3;
    if (words == 1) break;
    bits = words;
  }
  return bytes;
}

// Fills in the level table for a block at `h` of `size` bits.
export function layoutLevels(h: usize, size: u32): void {
  let ptr = h + DENSE_HEADER_BYTES;
  let bits = size;
  let level: u32 = 0;
  while (true) {
    const words = wordsFor(bits);
    store<u32>(h + D_LEVEL_PTR + (<usize>level << 2), <u32>ptr);
    store<u32>(h + D_LEVEL_WORDS + (<usize>level << 2), words);
    store<u32>(h + D_LEVEL_BITS + (<usize>level << 2), bits);
    ptr += <usize>words << 3;
    level++;
    if (words == 1) break;
    bits = words;
  }
  store<u32>(h + D_LEVELS, level);
  store<u32>(h + D_BLOCK_COUNTS, <u32>ptr);
  ptr += blockCountBytes(size);
  store<u32>(h + D_SUPER_COUNTS, <u32>ptr);
}
