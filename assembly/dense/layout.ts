// Memory layout of one dense allocator: a header followed by the bit levels, all in one
// heap block so that creating and disposing an allocator is a single alloc/free.
//
// Level 0 holds one bit per usable offset (1 = allocated). Level l+1 holds one bit per word of
// level l, set exactly when that word is all ones ("full"). Bits past the end of a level are
// padding and are kept at 1, so a padding bit can never look free and the summaries stay exact.

export const MAX_LEVELS: u32 = 4;

// Strategy ids (the header's H_STRATEGY); allocate.ts names them.
export const STRATEGY_RANDOM_SCAN_ID: u32 = 0;
export const STRATEGY_SEQUENTIAL_ID: u32 = 1;
export const STRATEGY_UNIFORM_ID: u32 = 2; // 2^24 bits -> 2^18 words -> 2^12 -> 64 -> 1

// Allocated-bit counts per block of 2^12 bits (u16) and per superblock of 2^18 bits (u32) let the
// uniform strategy find the r-th free offset in O(64 + 64 + 64) steps (see select.ts).
export const BLOCK_SHIFT: u32 = 12;
export const SUPER_SHIFT: u32 = 18;

// Header field offsets (bytes).
export const H_SIZE: usize = 0;         // u32 usable offsets
export const H_BAND: usize = 4;         // u32 static band size (bandOffset)
export const H_USED: usize = 8;         // u32 allocated offsets
export const H_USED_STATIC: usize = 12; // u32 allocated offsets below bandOffset
export const H_LEVELS: usize = 16;      // u32 number of levels (top level has exactly one word)
export const H_STRATEGY: usize = 20;    // u32 strategy id
export const H_RNG: usize = 24;         // u64 PRNG state
export const H_LEVEL_PTR: usize = 32;   // MAX_LEVELS x u32 pointers to each level's words
export const H_LEVEL_WORDS: usize = 48; // MAX_LEVELS x u32 word counts
export const H_LEVEL_BITS: usize = 64;  // MAX_LEVELS x u32 meaningful bits per level
export const H_BLOCK_COUNTS: usize = 80; // u32 pointer to u16 per 2^12-bit block
export const H_SUPER_COUNTS: usize = 84; // u32 pointer to u32 per 2^18-bit superblock
export const H_THRESHOLD_UPPER: usize = 88; // u32 rejection threshold for draws over the upper band
export const H_THRESHOLD_LOWER: usize = 92; // u32 same for the static band
export const H_DRAW_MODEL: usize = 96;  // u32 DRAW_MODEL_* (how dynamic allocation consumes draws)
export const HEADER_BYTES: usize = 104;

// Draw models: the legacy bitmap allocator checks for a full range before drawing; the 1.33+
// IPAddress allocator draws its start(s) first and finds out the range is full by scanning.
export const DRAW_MODEL_BITMAP: u32 = 0;
export const DRAW_MODEL_IPADDRESS: u32 = 1;

@inline export function sizeOf(b: usize): u32 { return load<u32>(b + H_SIZE); }
@inline export function bandOf(b: usize): u32 { return load<u32>(b + H_BAND); }
@inline export function usedOf(b: usize): u32 { return load<u32>(b + H_USED); }
@inline export function usedStaticOf(b: usize): u32 { return load<u32>(b + H_USED_STATIC); }
@inline export function levelCountOf(b: usize): u32 { return load<u32>(b + H_LEVELS); }
@inline export function strategyOf(b: usize): u32 { return load<u32>(b + H_STRATEGY); }

@inline export function levelPtr(b: usize, level: u32): usize {
  return <usize>load<u32>(b + H_LEVEL_PTR + (<usize>level << 2));
}
@inline export function levelWords(b: usize, level: u32): u32 {
  return load<u32>(b + H_LEVEL_WORDS + (<usize>level << 2));
}
@inline export function levelBits(b: usize, level: u32): u32 {
  return load<u32>(b + H_LEVEL_BITS + (<usize>level << 2));
}

@inline export function wordsFor(bits: u32): u32 { return (bits + 63) >>> 6; }

@inline export function blockCountsPtr(b: usize): usize { return <usize>load<u32>(b + H_BLOCK_COUNTS); }
@inline export function superCountsPtr(b: usize): usize { return <usize>load<u32>(b + H_SUPER_COUNTS); }

@inline function roundUp8(bytes: usize): usize { return (bytes + 7) & ~(<usize>7); }
@inline function blockCountBytes(size: u32): usize { return roundUp8(<usize>(((size - 1) >>> BLOCK_SHIFT) + 1) << 1); }
@inline function superCountBytes(size: u32): usize { return roundUp8(<usize>(((size - 1) >>> SUPER_SHIFT) + 1) << 2); }

// Bytes needed for the header, every level and the counts of a bitmap of `size` bits (size >= 1).
export function blockBytes(size: u32): usize {
  let bytes = HEADER_BYTES + blockCountBytes(size) + superCountBytes(size);
  let bits = size;
  while (true) {
    const words = wordsFor(bits);
    bytes += <usize>words << 3;
    if (words == 1) break;
    bits = words;
  }
  return bytes;
}

// Fills in the level table for a block at `b` (header already holds size).
export function layoutLevels(b: usize, size: u32): void {
  let ptr = b + HEADER_BYTES;
  let bits = size;
  let level: u32 = 0;
  while (true) {
    const words = wordsFor(bits);
    store<u32>(b + H_LEVEL_PTR + (<usize>level << 2), <u32>ptr);
    store<u32>(b + H_LEVEL_WORDS + (<usize>level << 2), words);
    store<u32>(b + H_LEVEL_BITS + (<usize>level << 2), bits);
    ptr += <usize>words << 3;
    level++;
    if (words == 1) break;
    bits = words;
  }
  store<u32>(b + H_LEVELS, level);
  store<u32>(b + H_BLOCK_COUNTS, <u32>ptr);
  ptr += blockCountBytes(size);
  store<u32>(b + H_SUPER_COUNTS, <u32>ptr);
}

@inline export function blockCountBytesOf(b: usize): usize { return blockCountBytes(sizeOf(b)); }
@inline export function superCountBytesOf(b: usize): usize { return superCountBytes(sizeOf(b)); }
