// The offset store: one kernel block behind a narrow interface over offsets. Offsets cross as two
// u32 halves (low, high) — plain numbers, so even a /64's offsets need no BigInt on the single-call
// path; high is 0 wherever the range has at most 2^32 offsets. The dense and the sparse kernel
// representations implement the same ABI, so this one class serves both; what differs (the bulk
// output width, the snapshot format) is decided from `kind` and the size, here and nowhere else.
//
// Nothing here parses text, counts allocations or chooses errors: ClusterIPAllocator (and any
// other allocator, such as one for ports) does that once, above.
import {
  kernel, kernelDebug, loadKernel, FLAG_EXTERNAL_DRAWS, KERNEL_KIND, RESULT_SLOT, memoryU32, memoryU64, readU32, scratch, withDraws,
} from './kernel.js';
import type { RandomInt } from './random-source.js';

/** Ranges above this many offsets use the sparse representation. */
export const DENSE_LIMIT = 2 ** 24;
/** Offsets moved through the scratch block per kernel call in batches and iteration. */
const CHUNK = 65536;
const EMPTY = new BigUint64Array(0);

export type StoreKind = 'dense' | 'sparse';

// Tests run every table against both representations: this forces the sparse one on ranges the
// dense one would hold. Not part of the API (src/testing.ts sets it).
let forcedKind: StoreKind | undefined;
export function forceStoreKind(kind: StoreKind | undefined): void {
  forcedKind = kind;
}

export interface StoreConfig {
  /** Usable offsets, as (low, high) u32 halves. */
  readonly sizeLow: number;
  readonly sizeHigh: number;
  readonly band: number;
  readonly strategy: number;
  readonly drawModel: number;
  readonly seedLow: number;
  readonly seedHigh: number;
  readonly randomInt: RandomInt | undefined;
}

/** A failed trace: the index of the step and the kernel's reason code (TRACE_FAIL). */
export interface TraceFailure { index: number; reason: number }
/** A trace that ran: how many dynamic and static allocations it made. */
export interface TraceCounts { dynamic: number; static: number }

export class OffsetStore {
  #handle: number;
  readonly kind: StoreKind;
  readonly #randomInt: RandomInt | undefined;

  /** A store for the config; or, given a store, an empty one configured like it (its generator state included). */
  constructor(config: StoreConfig | OffsetStore) {
    if (config instanceof OffsetStore) {
      this.kind = config.kind;
      this.#randomInt = config.#randomInt;
      this.#handle = kernel.createLike(config.#handle) >>> 0;
      return;
    }
    loadKernel();
    const size = config.sizeHigh * 2 ** 32 + config.sizeLow;
    this.kind = forcedKind ?? (size <= DENSE_LIMIT ? 'dense' : 'sparse');
    this.#randomInt = config.randomInt;
    this.#handle = kernel.create(
      KERNEL_KIND[this.kind], config.sizeLow, config.sizeHigh, config.band, config.strategy, config.drawModel,
      config.randomInt ? FLAG_EXTERNAL_DRAWS : 0, config.seedLow, config.seedHigh,
    ) >>> 0;
  }

  get live(): boolean {
    return this.#handle !== 0;
  }

  /** The debug kernel's structural check (0 = consistent); only with the debug build loaded (tests). */
  checkInvariants(): number {
    if (kernelDebug === undefined) throw new Error('checkInvariants needs the debug kernel (vitest.config.ts)');
    return kernelDebug.checkInvariants(this.#handle) >>> 0;
  }

  /** Frees the kernel block; safe to call twice. */
  destroy(): void {
    if (this.#handle === 0) return;
    kernel.destroy(this.#handle);
    this.#handle = 0;
  }

  used(): number { return kernel.used(this.#handle) >>> 0; }
  usedStatic(): number { return kernel.usedStatic(this.#handle) >>> 0; }
  memoryBytes(): number { return kernel.footprint(this.#handle) >>> 0; }

  has(low: number, high: number): boolean { return kernel.has(this.#handle, low, high) !== 0; }
  /** Marks an offset allocated; false when it already was. */
  take(low: number, high: number): boolean { return kernel.take(this.#handle, low, high) !== 0; }
  /** Marks an offset free; false when it already was. */
  release(low: number, high: number): boolean { return kernel.release(this.#handle, low, high) !== 0; }

  /**
   * One dynamic allocation (band order, strategy, draws: all in the kernel). Returns the offset's
   * low 31 bits — the offset itself in ranges of up to 2^31 offsets — or −1 when the range is
   * full; resultLow/High read the whole offset.
   */
  // No closure in here: one that captured `this` would cost a context allocation on every call.
  takeNext(): number {
    if (this.#randomInt === undefined) return kernel.takeNext(this.#handle);
    return this.#takeNextDrawing();
  }

  #takeNextDrawing(): number {
    return withDraws(this.#randomInt!, () => kernel.takeNext(this.#handle));
  }

  // The slot's u32 index is computed, not stored: one field less on every allocator's heap.
  resultLow(): number { return readU32((this.#handle + RESULT_SLOT) >>> 2); }
  resultHigh(): number { return readU32(((this.#handle + RESULT_SLOT) >>> 2) + 1); }

  /**
   * count dynamic allocations, all or nothing; the caller has checked there is room. Dense stores
   * fill `out` (u32 offsets) and return an empty array; sparse ones return u64 offsets. undefined:
   * uniform rejection gave up part way, and nothing was taken.
   */
  takeMany(count: number, out?: Uint32Array): BigUint64Array | undefined {
    const wide = this.kind === 'sparse';
    const result = wide ? new BigUint64Array(count) : undefined;
    for (let done = 0; done < count; done += CHUNK) {
      const chunk = Math.min(CHUNK, count - done);
      const pointer = scratch(chunk * (wide ? 8 : 4));
      if (!this.#takeManyChunk(chunk, pointer, done, result ?? out!)) return undefined;
    }
    return result ?? EMPTY;
  }

  /**
   * Up to one chunk (65,536) of dynamic allocations from a dense store in one kernel call, all or
   * nothing; the caller has checked there is room. Returns the offsets as a view of the kernel's
   * scratch block — valid only until the next call into the kernel, so read it at once and keep
   * nothing — or undefined when uniform rejection gave up (nothing taken). Saves the copy into a
   * fresh array that takeMany makes, which in a fresh process costs more than the allocations.
   */
  takeManyView(count: number): Uint32Array | undefined {
    if (this.kind !== 'dense' || count > CHUNK) throw new RangeError('takeManyView: dense stores, at most one chunk');
    const pointer = scratch(count * 4);
    if (!this.#takeManyChunk(count, pointer, 0, undefined)) return undefined;
    return new Uint32Array(kernel.memory.buffer, pointer, count);
  }

  // false: uniform rejection gave up part way (everything this takeMany took is undone). The
  // chunk is copied to `into` at `done` unless `into` is undefined (takeManyView reads it in place).
  #takeManyChunk(chunk: number, pointer: number, done: number, into: Uint32Array | BigUint64Array | undefined): boolean {
    const randomInt = this.#randomInt;
    let taken: number;
    if (randomInt === undefined) {
      taken = kernel.takeMany(this.#handle, chunk, pointer) >>> 0;
    } else {
      try {
        taken = withDraws(randomInt, () => kernel.takeMany(this.#handle, chunk, pointer)) >>> 0;
      } catch (error) {
        // The caller's randomInt threw part way: undo this chunk's steps, then the earlier chunks'.
        this.#undoTakeMany(pointer, kernel.progress(this.#handle) >>> 0, done, into);
        throw error;
      }
    }
    if (taken < chunk) {
      this.#undoTakeMany(pointer, taken, done, into);
      return false;
    }
    if (into instanceof Uint32Array) into.set(new Uint32Array(kernel.memory.buffer, pointer, chunk), done);
    else if (into !== undefined) into.set(memoryU64().subarray(pointer / 8, pointer / 8 + chunk), done);
    return true;
  }

  #undoTakeMany(pointer: number, applied: number, done: number, into: Uint32Array | BigUint64Array | undefined): void {
    this.#releaseScratch(pointer, applied);
    if (into === undefined) return;
    if (into instanceof Uint32Array) this.releaseOffsets(into.subarray(0, done));
    else for (let i = 0; i < done; i++) this.release(Number(into[i] & 0xffffffffn), Number(into[i] >> 32n));
  }

  #releaseScratch(pointer: number, count: number): void {
    if (count > 0) kernel.releaseMany(this.#handle, pointer, count);
  }

  /** Frees u32 offsets (any store); returns how many were allocated. */
  releaseOffsets(offsets: ArrayLike<number>): number {
    const wide = this.kind === 'sparse';
    let released = 0;
    for (let done = 0; done < offsets.length; done += CHUNK) {
      const chunk = Math.min(CHUNK, offsets.length - done);
      const pointer = scratch(chunk * (wide ? 8 : 4));
      if (wide) {
        const view = memoryU64();
        for (let i = 0; i < chunk; i++) view[pointer / 8 + i] = BigInt(offsets[done + i]);
      } else {
        const view = memoryU32();
        for (let i = 0; i < chunk; i++) view[pointer / 4 + i] = offsets[done + i];
      }
      released += kernel.releaseMany(this.#handle, pointer, chunk) >>> 0;
    }
    return released;
  }

  /** Allocated offsets ascending, in chunks (dense: u32, read as they are when each chunk is read). */
  *denseChunks(): Generator<Uint32Array> {
    let from = 0;
    while (this.#handle !== 0) {
      const pointer = scratch(CHUNK * 4);
      const count = kernel.exportOffsets(this.#handle, from, 0, pointer, CHUNK) >>> 0;
      if (count === 0) return;
      // Copied out: the scratch block is shared and the consumer may call us between yields.
      const chunk = new Uint32Array(kernel.memory.buffer, pointer, count).slice();
      yield chunk;
      from = chunk[count - 1] + 1;
    }
  }

  /** Allocated offsets ascending, as numbers: for stores of at most 2^32 offsets, either kind. */
  *smallOffsets(): Generator<number> {
    if (this.kind === 'sparse') {
      for (const offset of this.sortedOffsets()) yield Number(offset);
      return;
    }
    for (const chunk of this.denseChunks()) for (let i = 0; i < chunk.length; i++) yield chunk[i];
  }

  /** Every allocated offset, ascending, as u64s (the sparse form; read all at once). */
  sortedOffsets(): BigUint64Array {
    const used = this.used();
    if (this.kind === 'dense') {
      const all = new BigUint64Array(used);
      let i = 0;
      for (const chunk of this.denseChunks()) for (const k of chunk) all[i++] = BigInt(k);
      return all;
    }
    const pointer = scratch(used * 8);
    const count = kernel.exportOffsets(this.#handle, 0, 0, pointer, used) >>> 0;
    // Read after the call: sorting may have grown memory, which memoryU64() re-views.
    return memoryU64().slice(pointer / 8, pointer / 8 + count);
  }

  /** The RangeAllocation bitmap bytes (big-endian, no leading zeros) — ranges up to DENSE_LIMIT. */
  bitmapBytes(): Uint8Array {
    const pointer = scratch(kernel.snapshotBytesNeeded(this.#handle) >>> 0);
    const length = kernel.snapshotWrite(this.#handle, pointer) >>> 0;
    return new Uint8Array(kernel.memory.buffer, pointer, length).slice();
  }

  /**
   * Replaces the state with bitmap bytes (no leading zeros); false (nothing changed) when there
   * are more bytes than the bitmap holds or a bit lies beyond the size.
   */
  restoreBitmap(significant: Uint8Array): boolean {
    if (significant.length > kernel.snapshotBytesNeeded(this.#handle) >>> 0) return false;
    const pointer = scratch(significant.length);
    new Uint8Array(kernel.memory.buffer, pointer, significant.length).set(significant);
    return kernel.snapshotRead(this.#handle, pointer, significant.length) === 0;
  }

  /** Forgets every allocation. */
  reset(): void { kernel.reset(this.#handle); }

  /** Marks `count` consecutive offsets from start allocated (start < 2^64, count < 2^32). */
  takeRun(start: bigint, count: number): void {
    kernel.takeRun(this.#handle, Number(start & 0xffffffffn), Number(start >> 32n), count);
  }

  /** The allocations run-encoded (run-encoding.ts), written by the kernel. */
  runBytes(): Uint8Array {
    const pointer = scratch(kernel.runsBytesBound(this.#handle) >>> 0);
    const length = kernel.runsEncode(this.#handle, pointer) >>> 0;
    return new Uint8Array(kernel.memory.buffer, pointer, length).slice();
  }

  /**
   * Marks the runs of run-encoded data allocated in this (empty) store, decoded by the kernel:
   * RUNS.OK, or the kernel's reason for refusing the data (the store is then to be discarded).
   */
  restoreRuns(data: Uint8Array, maxTotal: number): number {
    const pointer = scratch(data.length);
    new Uint8Array(kernel.memory.buffer, pointer, data.length).set(data);
    return kernel.runsDecode(this.#handle, pointer, data.length, maxTotal) >>> 0;
  }

  /**
   * Runs a trace (u32 pairs: operation, argument) writing one u32 per step to out; returns the
   * dynamic and static allocation counts when every step applied, else the failing step (and
   * nothing applied).
   */
  runTrace(ops: Uint32Array, out: Uint32Array): TraceFailure | TraceCounts {
    const count = ops.length / 2;
    const opsPointer = scratch(count * 24);
    const outPointer = opsPointer + count * 8;
    const work = outPointer + count * 4;
    memoryU32().set(ops, opsPointer / 4);
    const run = () => kernel.runTrace(this.#handle, opsPointer, count, outPointer, work);
    let failed: number;
    const randomInt = this.#randomInt;
    if (randomInt === undefined) {
      failed = run();
    } else {
      try {
        failed = withDraws(randomInt, run);
      } catch (error) {
        kernel.traceUndo(this.#handle, work);
        throw error;
      }
    }
    if (failed >= 0) return { index: failed, reason: this.resultLow() };
    out.set(new Uint32Array(kernel.memory.buffer, outPointer, count));
    return { dynamic: this.resultLow(), static: this.resultHigh() };
  }
}
