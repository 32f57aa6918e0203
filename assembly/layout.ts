// Memory layout of one dense allocator: a header followed by the bit levels, all in one
// heap block so that creating and disposing an allocator is a single alloc/free.
//
// Level 0 holds one bit per usable offset (1 = allocated). Level l+1 holds one bit per word of
// level l, set exactly when that word is all ones ("full"). Bits past the end of a level are
// padding and are kept at 1, so a padding bit can never look free and the summaries stay exact.

export const MAX_LEVELS: u32 = 4; // 2^24 bits -> 2^18 words -> 2^12 -> 64 -> 1

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
export const HEADER_BYTES: usize = 80;

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

// Bytes needed for the header plus every level of a bitmap of `size` bits.
export function blockBytes(size: u32): usize {
  let bytes = HEADER_BYTES;
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
}
