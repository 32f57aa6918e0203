// The representation-independent primitives the rest of the kernel is written against: test,
// set, clear and take-in-band over u64 offsets, dispatching on the header's kind. Counts and the
// result slot are kept by the primitives themselves, identically for both kinds.
import { KIND_DENSE, kindOf, sizeOf } from './header';
import { denseClear, denseSet, denseTakeInBand, denseTest } from './dense/bitmap';
import { selectFree } from './dense/select';
import { sparseClear, sparseSet, sparseTakeInBand, sparseTest, tableAt } from './sparse/sparse-map';
import { tableGet } from './sparse/hash-table';
import { H_RESULT } from './header';

@inline export function storeTest(h: usize, k: u64): bool {
  return kindOf(h) == KIND_DENSE ? denseTest(h, <u32>k) : sparseTest(h, k);
}

// Offsets at or beyond the size are refused here, so nothing above ever sets one.
@inline export function storeSet(h: usize, k: u64): bool {
  if (k >= sizeOf(h)) return false;
  return kindOf(h) == KIND_DENSE ? denseSet(h, <u32>k) : sparseSet(h, k);
}

@inline export function storeClear(h: usize, k: u64): bool {
  if (k >= sizeOf(h)) return false;
  return kindOf(h) == KIND_DENSE ? denseClear(h, <u32>k) : sparseClear(h, k);
}

// First free offset of [lo, hi) at or after start, wrapping once; taken into the result slot.
@inline export function storeTakeInBand(h: usize, lo: u64, hi: u64, start: u64): bool {
  assert(lo < hi && hi <= sizeOf(h) && start >= lo && start < hi, 'takeInBand: start outside [lo, hi) or band beyond the size');
  return kindOf(h) == KIND_DENSE ? denseTakeInBand(h, <u32>lo, <u32>hi, <u32>start) : sparseTakeInBand(h, lo, hi, start);
}

// Takes the free offset of rank `rank` among the free offsets of [0, hi) (rank below their
// number) into the result slot. Dense: rank/select through the counts. Sparse: a walk over the
// level-0 words of [0, hi), popcounting — O(hi / 64), meant for ranges of dense size (a forced
// sparse store, in tests) and the static band.
export function storeTakeRank(h: usize, rank: u32, hi: u64): bool {
  let k: u64 = 0;
  if (kindOf(h) == KIND_DENSE) {
    k = <u64>selectFree(h, rank);
  } else {
    const table = tableAt(h, 0);
    const words = (hi + 63) >>> 6;
    let w: u64 = 0;
    while (true) {
      if (w >= words) return false;
      let free = ~tableGet(table, w);
      const end = (w << 6) + 64;
      if (end > hi) free &= (<u64>1 << (64 - (end - hi))) - 1;
      const count = <u32>popcnt(free);
      if (rank < count) {
        for (let i: u32 = 0; i < rank; i++) free &= free - 1;
        k = (w << 6) + ctz(free);
        break;
      }
      rank -= count;
      w++;
    }
  }
  const taken = storeSet(h, k);
  assert(taken && k < hi, 'takeRank: the selected offset was not free');
  store<u64>(h + H_RESULT, k);
  return true;
}
