// An operation trace: a simulation's stream of operations executed in one kernel call, with the
// semantics of the single calls and all or nothing — a step that would fail undoes every earlier
// step (and the generator state) and reports which step failed and why.
import { H_PROGRESS, H_RESULT, H_RNG, externalDraws, sizeOf, usedOf } from './header';
import { takeNext } from './allocate';
import { storeClear, storeSet } from './store';

// Operations: pairs (op, argument) of u32.
export const TRACE_ALLOCATE_NEXT: u32 = 0; // dynamic allocation; out: the offset
export const TRACE_ALLOCATE: u32 = 1;      // static allocation of offset `argument`; out: the offset
export const TRACE_RELEASE: u32 = 2;       // release of offset `argument`; out: 1 if it was allocated, else 0
export const TRACE_RELEASE_RECENT: u32 = 3; // release of the argument-th newest allocation of this trace (0 = newest); out: its offset

// Why a step failed (the result slot after a failed trace).
export const TRACE_FAIL_FULL: u32 = 1;
export const TRACE_FAIL_ALLOCATED: u32 = 2;
export const TRACE_FAIL_NOT_IN_RANGE: u32 = 3;
export const TRACE_FAIL_NO_RECENT: u32 = 4;
export const TRACE_FAIL_BAD_OP: u32 = 5;
/** Uniform rejection gave up (see uniformDrawLimit) with free offsets left. */
export const TRACE_FAIL_DRAWS: u32 = 6;

// The undo log: per applied change a (tag, offset) pair of u32; tag 0 = took, 1 = freed.
const TOOK: u32 = 0;
const FREED: u32 = 1;

@inline function logPush(log: usize, length: u32, tag: u32, k: u32): u32 {
  store<u32>(log + (<usize>length << 3), tag);
  store<u32>(log + (<usize>length << 3) + 4, k);
  return length + 1;
}

// Undoes the first `length` logged changes, newest first.
export function traceUndo(h: usize, work: usize, length: u32): void {
  for (let i = length; i > 0; i--) {
    const at = work + (<usize>(i - 1) << 3);
    const k = <u64>load<u32>(at + 4);
    if (load<u32>(at) == TOOK) storeClear(h, k);
    else storeSet(h, k);
  }
}

// Runs `count` operations from ops (u32 pairs), writing one u32 per operation to out. work has
// room for 12 bytes per operation (the undo log, then the stack of this trace's allocations).
// Returns -1 when every step succeeded, with the number of dynamic allocations in the result
// slot's low half and of static ones in its high half; else the failing step's index, with
// everything undone and the reason in the result slot. With external draws (which can throw
// part way), H_PROGRESS holds the log length after each step, for traceUndo.
export function runTrace(h: usize, ops: usize, count: u32, out: usize, work: usize): i32 {
  const size = sizeOf(h);
  const log = work;
  const stack = work + (<usize>count << 3);
  const rng = load<u64>(h + H_RNG);
  const trackProgress = externalDraws(h);
  let logLength: u32 = 0;
  let depth: u32 = 0;
  let dynamic: u32 = 0;
  let statics: u32 = 0;
  store<u32>(h + H_PROGRESS, 0);
  for (let i: u32 = 0; i < count; i++) {
    const op = load<u32>(ops + (<usize>i << 3));
    const argument = load<u32>(ops + (<usize>i << 3) + 4);
    let reason: u32 = 0;
    let result: u32 = 0;
    if (op == TRACE_ALLOCATE_NEXT) {
      if (takeNext(h)) {
        result = <u32>load<u64>(h + H_RESULT);
        logLength = logPush(log, logLength, TOOK, result);
        store<u32>(stack + (<usize>depth << 2), result);
        depth++;
        dynamic++;
      } else reason = <u64>usedOf(h) < sizeOf(h) ? TRACE_FAIL_DRAWS : TRACE_FAIL_FULL;
    } else if (op == TRACE_RELEASE_RECENT) {
      if (argument >= depth) reason = TRACE_FAIL_NO_RECENT;
      else {
        const index = depth - 1 - argument;
        const k = load<u32>(stack + (<usize>index << 2));
        if (argument != 0) memory.copy(stack + (<usize>index << 2), stack + (<usize>(index + 1) << 2), <usize>argument << 2);
        depth--;
        if (storeClear(h, <u64>k)) logLength = logPush(log, logLength, FREED, k);
        result = k;
      }
    } else if (op == TRACE_ALLOCATE) {
      if (<u64>argument >= size) reason = TRACE_FAIL_NOT_IN_RANGE;
      else if (!storeSet(h, <u64>argument)) reason = TRACE_FAIL_ALLOCATED;
      else {
        result = argument;
        logLength = logPush(log, logLength, TOOK, argument);
        store<u32>(stack + (<usize>depth << 2), argument);
        depth++;
        statics++;
      }
    } else if (op == TRACE_RELEASE) {
      if (<u64>argument >= size) reason = TRACE_FAIL_NOT_IN_RANGE;
      else if (storeClear(h, <u64>argument)) {
        result = 1;
        logLength = logPush(log, logLength, FREED, argument);
      }
    } else reason = TRACE_FAIL_BAD_OP;
    if (reason != 0) {
      traceUndo(h, log, logLength);
      store<u64>(h + H_RNG, rng);
      store<u64>(h + H_RESULT, <u64>reason);
      store<u32>(h + H_PROGRESS, 0);
      return <i32>i;
    }
    store<u32>(out + (<usize>i << 2), result);
    if (trackProgress) store<u32>(h + H_PROGRESS, logLength);
  }
  store<u64>(h + H_RESULT, (<u64>statics << 32) | <u64>dynamic);
  return -1;
}
