// Rank/select over the allocation bitmap for the 'uniform' strategy: the free offset with a given
// rank (0-based, counting free offsets from offset 0), found through the superblock and block
// counts, then word popcounts, then the bits of one word.
import { levelPtr, blockCountsPtr, superCountsPtr, BLOCK_SHIFT, SUPER_SHIFT } from './layout';

const SUPER_BITS: u32 = 1 << SUPER_SHIFT;
const BLOCK_BITS: u32 = 1 << BLOCK_SHIFT;
const BLOCKS_PER_SUPER: u32 = 1 << (SUPER_SHIFT - BLOCK_SHIFT);

// rank must be below the number of free offsets; the last (partial) block may count its padding
// as free, which is harmless because a valid rank always stops before reaching it.
export function selectFree(b: usize, rank: u32): u32 {
  const supers = superCountsPtr(b);
  let superIndex: u32 = 0;
  while (true) {
    const free = SUPER_BITS - load<u32>(supers + (<usize>superIndex << 2));
    if (rank < free) break;
    rank -= free;
    superIndex++;
  }
  const blocks = blockCountsPtr(b);
  let blockIndex = superIndex * BLOCKS_PER_SUPER;
  while (true) {
    const free = BLOCK_BITS - <u32>load<u16>(blocks + (<usize>blockIndex << 1));
    if (rank < free) break;
    rank -= free;
    blockIndex++;
  }
  const level0 = levelPtr(b, 0);
  let wordIndex = blockIndex << (BLOCK_SHIFT - 6);
  let freeBits: u64;
  while (true) {
    freeBits = ~load<u64>(level0 + (<usize>wordIndex << 3));
    const free = <u32>popcnt(freeBits);
    if (rank < free) break;
    rank -= free;
    wordIndex++;
  }
  for (let i: u32 = 0; i < rank; i++) freeBits &= freeBits - 1;
  return (wordIndex << 6) + <u32>ctz(freeBits);
}
