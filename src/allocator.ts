// ClusterIPAllocator: the public face of one service CIDR. It parses the range and options, and
// does once, for both representations, what sits above the offset store: text (through the
// address codec), allocation counters, the choice of error, offset checks, batches, traces,
// snapshots and disposal. Band order, strategies and draws live in the kernel (assembly/).
// [Symbol.dispose] in this file's declarations needs TypeScript's disposable lib; the reference
// carries it to projects whose lib setting lacks it (a browser project without @types/node).
/// <reference lib="esnext.disposable" preserve="true" />
import {
  AllocatorError, alreadyAllocatedError, invalidSnapshotError, mismatchedNetworkError, notInRangeError,
  offsetNotInRangeError, offsetsTooLargeError, rangeFullError, drawsExhaustedError,
} from './errors.js';
import { KERNEL_DRAW_MODEL, KERNEL_STRATEGY, RUNS, TRACE_FAIL, TRACE_OP, drawsRunning } from './kernel.js';
import { readRandomSource, type RandomInt } from './random-source.js';
import { rangeGeometry, rangeInfoOf, readRangeOptions, type RangeGeometry, type RangeInfo, type RangeOptions } from './range.js';
import { checkSnapshotShape, type CheckedSnapshot, type RangeSnapshot } from './snapshot-input.js';
import { DENSE_LIMIT, OffsetStore } from './offset-store.js';
import { canonicalIPText, codecFor, parsedOffset, type AddressCodec } from './address-codec.js';
import { runsRefusal } from './run-encoding.js';
import { STORE } from './internal.js';
import type { DrawModel, Strategy } from './strategy-names.js';
import { disposeStore, dynamicFailure, freeWhenDropped, liveStore, readCount, statsOf, type AllocatorStats } from './allocator-support.js';

export type { Strategy, DrawModel } from './strategy-names.js';

export type { AllocatorStats, BandStats } from './allocator-support.js';

/** Options of a ClusterIPAllocator: the range's band rules (RangeOptions) and how it draws. */
export interface AllocatorOptions extends RangeOptions {
  /** Seed of the built-in SplitMix64 generator: same seed, same calls -> same results everywhere. */
  seed?: number | bigint;
  /** External draws: must return a bigint in [0, n). Excludes `seed`. */
  randomInt?: RandomInt;
  /**
   * 'random-scan' (default, Kubernetes), 'sequential' (lowest free first, no draws) or 'uniform'
   * (exactly uniform among the free addresses of the band in use). Band order is always the same.
   */
  strategy?: Strategy;
  /**
   * How dynamic allocation consumes random draws, as one of Kubernetes' two allocators does:
   * 'bitmap' (default; the legacy RangeAllocation allocator) draws nothing when the range is full;
   * 'ipaddress' (the 1.33+ per-ServiceCIDR allocator) draws the upper-band start, and the static-band
   * start when there is a band, before finding the range full, and draws a raw 64-bit start for a
   * /64's upper band. Only the draws differ: the addresses handed out follow the same rules.
   */
  drawModel?: DrawModel;
  /**
   * The most allocations a run-encoded snapshot (ranges over 2^24 addresses) may claim; more is
   * ERR_INVALID_SNAPSHOT before anything is decoded into the kernel. Default 2^24 (16,777,216).
   */
  maxAllocations?: number;
}

/** The operations of runTrace: each step is two u32s, the operation and its argument. */
export const TraceOp = Object.freeze({
  /** A dynamic allocation (argument ignored); the step's result is the offset. */
  ALLOCATE_NEXT: TRACE_OP.ALLOCATE_NEXT,
  /** A static allocation of offset `argument`; the result is the offset. */
  ALLOCATE: TRACE_OP.ALLOCATE,
  /** A release of offset `argument`; the result is 1 if it was allocated, else 0. */
  RELEASE: TRACE_OP.RELEASE,
  /** A release of this trace's `argument`-th newest allocation still on its stack (0 = newest); the result is its offset. */
  RELEASE_RECENT: TRACE_OP.RELEASE_RECENT,
});

/** The kernel counts allocations in a u32. */
const MAX_ALLOCATIONS = 0xffffffff;
/**
 * How many allocations a run-encoded snapshot (ranges over 2^24 addresses) may claim unless the
 * maxAllocations option says otherwise: 2^24, the most a dense range holds; the sparse store costs
 * ~24 bytes per scattered allocation, so this default bounds a restore at roughly 400 MB.
 */
export const DEFAULT_MAX_ALLOCATIONS = 2 ** 24;

// Only allocators given a non-default limit have an entry: a field would cost every allocator's heap.
const customMaxAllocations = new WeakMap<ClusterIPAllocator, number>();

function readMaxAllocations(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_ALLOCATIONS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ALLOCATIONS) {
    throw new RangeError(`options.maxAllocations must be an integer in [0, ${MAX_ALLOCATIONS}], got ${String(value)}`);
  }
  return value;
}
const TWO_32 = 2 ** 32;
const TWO_31 = 2 ** 31;

export function readDrawModel(drawModel: unknown): number {
  if (drawModel === undefined) return KERNEL_DRAW_MODEL.bitmap;
  if (typeof drawModel === 'string' && Object.hasOwn(KERNEL_DRAW_MODEL, drawModel)) return KERNEL_DRAW_MODEL[drawModel as DrawModel];
  throw new TypeError(`options.drawModel must be one of ${Object.keys(KERNEL_DRAW_MODEL).map((s) => `'${s}'`).join(', ')}`);
}

export function readStrategy(strategy: unknown): number {
  if (strategy === undefined) return KERNEL_STRATEGY['random-scan'];
  if (typeof strategy === 'string' && Object.hasOwn(KERNEL_STRATEGY, strategy)) {
    return KERNEL_STRATEGY[strategy as Strategy];
  }
  throw new TypeError(`options.strategy must be one of ${Object.keys(KERNEL_STRATEGY).map((s) => `'${s}'`).join(', ')}`);
}

/**
 * One service CIDR's allocator, as kube-apiserver allocates ClusterIPs from it: static requests
 * anywhere in range, dynamic ones from the upper band first (a random start, then the first free
 * address at or after it), the static band only when the upper band is full. The state lives in a
 * bitmap in WebAssembly memory; call dispose() (or `using`) when done with it.
 */
export class ClusterIPAllocator {
  /** The range in canonical form, e.g. "10.96.0.0/16" or "fd00:10:96::/112". */
  readonly cidr: string;
  #store: OffsetStore | null;
  readonly #codec: AddressCodec;
  /** Usable addresses: exact up to 2^53, and compared only where offsets are numbers (<= 2^32). */
  readonly #size: number;
  /**
   * The static band's size (at most 256) times 4, plus the range options: legacy (bit 0) and
   * staticBand: false (bit 1), to rebuild the range description on demand. One field, not three:
   * an idle allocator's heap size is one of this package's measured costs.
   */
  readonly #bandAndFlags: number;
  #staticAllocations = 0;
  #dynamicAllocations = 0;
  #staticErrors = 0;
  #dynamicErrors = 0;

  /**
   * An empty allocator for `cidr` (one family's --service-cluster-ip-range). Throws
   * ERR_INVALID_CIDR for a range Kubernetes would refuse, a TypeError for bad options, and
   * ERR_KERNEL_UNAVAILABLE when the WebAssembly kernel cannot be compiled (a page's CSP).
   */
  constructor(cidr: string, options?: AllocatorOptions) {
    const { legacy, staticBand } = readRangeOptions(options);
    const geometry = rangeGeometry(cidr, legacy, staticBand);
    const strategy = readStrategy(options?.strategy);
    const drawModel = readDrawModel(options?.drawModel);
    const source = readRandomSource(options?.seed, options?.randomInt);
    const maxAllocations = readMaxAllocations(options?.maxAllocations);
    if (maxAllocations !== DEFAULT_MAX_ALLOCATIONS) customMaxAllocations.set(this, maxAllocations);
    // The caller's own string when it is already canonical (often one literal shared by many
    // allocators) rather than an equal copy per allocator.
    this.cidr = geometry.cidr === cidr ? cidr : geometry.cidr;
    this.#codec = codecFor(geometry);
    this.#size = Number(geometry.usable);
    this.#bandAndFlags = geometry.bandOffset * 4 + (legacy ? 1 : 0) + (staticBand ? 0 : 2);
    const store = new OffsetStore({
      sizeLow: Number(geometry.usable & 0xffffffffn), sizeHigh: Number(geometry.usable >> 32n), band: geometry.bandOffset,
      strategy, drawModel, seedLow: source.seedLow, seedHigh: source.seedHigh, randomInt: source.randomInt,
    });
    this.#store = store;
    freeWhenDropped(this, store);
  }

  /** A new allocator for the snapshot's range, holding its allocations. */
  static fromSnapshot(snapshot: RangeSnapshot, options?: AllocatorOptions): ClusterIPAllocator {
    const checked = checkSnapshotShape(snapshot);
    let allocator: ClusterIPAllocator;
    try {
      allocator = new ClusterIPAllocator(checked.range.cidr, options);
    } catch (error) {
      if (error instanceof AllocatorError && error.code === 'ERR_INVALID_CIDR') {
        throw invalidSnapshotError(`range: ${error.message}`);
      }
      throw error;
    }
    try {
      allocator.restore(snapshot);
    } catch (error) {
      allocator.dispose();
      throw error;
    }
    return allocator;
  }

  /** The range's IP family. */
  get family(): 'IPv4' | 'IPv6' {
    return this.#codec.family === 4 ? 'IPv4' : 'IPv6';
  }

  /** The band layout (built when first asked for: most allocators never need it). */
  get range(): RangeInfo {
    return rangeInfoOf(this.#geometry());
  }

  #geometry(): RangeGeometry {
    return rangeGeometry(this.cidr, (this.#bandAndFlags & 1) !== 0, (this.#bandAndFlags & 2) === 0);
  }

  // See liveStore: every entry point takes the store through here (or repeats its test on a hot path).
  #live(): OffsetStore {
    return liveStore(this.#store);
  }

  // ---- string API ----

  /** Allocates a specific IP (static). Returns its canonical text. */
  allocate(ip: string): string {
    const store = this.#live();
    if (!this.#codec.offsetOf(ip)) {
      this.#staticErrors++;
      throw notInRangeError(canonicalIPText(ip), this.cidr);
    }
    const { low, high } = parsedOffset;
    if (!store.take(low, high)) {
      this.#staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#staticAllocations++;
    return this.#codec.ipAt(low, high);
  }

  /** Allocates a free IP the way Kubernetes does (dynamic). */
  allocateNext(): string {
    const store = this.#live();
    this.#takeNext(store);
    return this.#codec.ipAt(store.resultLow(), store.resultHigh());
  }

  /** count dynamic allocations, all or nothing: equal to count calls of allocateNext(). */
  allocateMany(count: number): string[] {
    const store = this.#live();
    this.#checkRoom(store, readCount(count));
    const ips = new Array<string>(count);
    if (store.kind === 'dense') {
      const offsets = new Uint32Array(count);
      this.#takeMany(store, count, offsets);
      for (let i = 0; i < count; i++) ips[i] = this.#codec.ipAt(offsets[i], 0);
    } else {
      const halves = new Uint32Array(this.#takeMany(store, count).buffer);
      for (let i = 0; i < count; i++) ips[i] = this.#codec.ipAt(halves[2 * i], halves[2 * i + 1]);
    }
    this.#dynamicAllocations += count;
    return ips;
  }

  /** Frees an IP. Returns true if it was allocated; out of range or free -> false. */
  release(ip: string): boolean {
    const store = this.#live();
    return this.#codec.offsetOf(ip) && store.release(parsedOffset.low, parsedOffset.high);
  }

  /** Frees every listed IP; returns how many were allocated. Any unparsable IP -> nothing freed. */
  releaseMany(ips: Iterable<string>): number {
    this.#live();
    const lows: number[] = [];
    const highs: number[] = [];
    for (const ip of ips) {
      if (this.#codec.offsetOf(ip)) {
        lows.push(parsedOffset.low);
        highs.push(parsedOffset.high);
      }
    }
    // Taken again after the caller's iterable has run: it may have disposed this allocator.
    const store = this.#live();
    let released = 0;
    for (let i = 0; i < lows.length; i++) if (store.release(lows[i], highs[i])) released++;
    return released;
  }

  /** Whether the IP is allocated (false for an IP outside the range or not parsable). */
  has(ip: string): boolean {
    const store = this.#live();
    return this.#codec.offsetOf(ip) && store.has(parsedOffset.low, parsedOffset.high);
  }

  /** Whether the IP is one of the range's usable addresses (allocated or not). */
  contains(ip: string): boolean {
    this.#live();
    return this.#codec.offsetOf(ip);
  }

  /** How many addresses are allocated. */
  get used(): number { return this.#live().used(); }

  /** How many usable addresses are free (a bigint: a /64 has 2^64 − 1). */
  get free(): bigint {
    const store = this.#live();
    return this.#bigSize() - BigInt(store.used());
  }

  /** Bytes of WebAssembly memory this allocator holds. */
  get memoryBytes(): number { return this.#live().memoryBytes(); }

  /** Per band: size, used and free; and the counts of allocations and errors, static and dynamic. */
  stats(): AllocatorStats {
    return statsOf(this.#live(), this.#bigSize(), BigInt(this.#bandAndFlags >>> 2),
      { static: this.#staticAllocations, dynamic: this.#dynamicAllocations }, { static: this.#staticErrors, dynamic: this.#dynamicErrors });
  }

  /** Allocated IPs in ascending order (dense ranges are read in chunks, so iteration sees later changes). */
  *[Symbol.iterator](): IterableIterator<string> {
    const store = this.#live();
    if (store.kind === 'dense') {
      for (const chunk of store.denseChunks()) for (let i = 0; i < chunk.length; i++) yield this.#codec.ipAt(chunk[i], 0);
      return;
    }
    const halves = new Uint32Array(store.sortedOffsets().buffer);
    for (let i = 0; i < halves.length; i += 2) yield this.#codec.ipAt(halves[i], halves[i + 1]);
  }

  /** The range string plus its allocation bytes (RangeAllocation bitmap, or runs for huge ranges). */
  snapshot(): RangeSnapshot {
    const store = this.#live();
    const data = this.#size <= DENSE_LIMIT ? store.bitmapBytes() : store.runBytes();
    return { range: this.cidr, data };
  }

  /** Replaces the allocation state with a snapshot of the same range. Counters are kept. */
  restore(snapshot: RangeSnapshot): void {
    this.#live();
    const checked = checkSnapshotShape(snapshot);
    const store = this.#live();
    if (checked.range.cidr !== this.cidr) throw mismatchedNetworkError();
    if (this.#size <= DENSE_LIMIT) this.#restoreBitmap(store, checked);
    else this.#restoreRuns(store, checked);
  }

  #restoreBitmap(store: OffsetStore, { significant }: CheckedSnapshot): void {
    if (!store.restoreBitmap(significant)) {
      throw invalidSnapshotError(`data has bits beyond the ${this.#size} usable addresses of ${this.cidr}`);
    }
  }

  #restoreRuns(store: OffsetStore, { significant }: CheckedSnapshot): void {
    // Decoded and checked by the kernel straight into a new block — in time linear in the bytes,
    // the total capped by maxAllocations — and swapped in only when complete, so neither a bad
    // snapshot nor a failure while building changes the current state.
    const maxTotal = customMaxAllocations.get(this) ?? DEFAULT_MAX_ALLOCATIONS;
    const built = new OffsetStore(store);
    let status: number;
    try {
      status = built.restoreRuns(significant, maxTotal);
    } catch (error) {
      built.destroy();
      throw error;
    }
    if (status !== RUNS.OK) {
      built.destroy();
      throw invalidSnapshotError(runsRefusal(status, significant, this.#bigSize(), maxTotal));
    }
    freeWhenDropped(this, built);
    this.#store = built;
    store.destroy();
  }

  // ---- numeric API (offset k is the IP network + 1 + k): ranges of at most 2^32 addresses ----

  /**
   * allocateNext() as an offset (the IP is network + 1 + offset), with no IP text made: the fast
   * path for simulations. Ranges of at most 2^32 addresses (ERR_OFFSETS_TOO_LARGE otherwise).
   */
  allocateNextOffset(): number {
    const store = this.#store;
    if (store === null || drawsRunning !== 0 || this.#size > TWO_32) this.#numeric();
    const low31 = store!.takeNext();
    if (low31 < 0) throw this.#takeNextFailed(store!);
    this.#dynamicAllocations++;
    return this.#size <= TWO_31 ? low31 : store!.resultLow();
  }

  /** allocate() by offset: ERR_NOT_IN_RANGE outside [0, size), ERR_ALLOCATED when taken. */
  allocateOffset(offset: number): void {
    const store = this.#numeric();
    if (!this.#isOffset(offset)) {
      this.#staticErrors++;
      throw offsetNotInRangeError(offset, this.#bigSize(), this.cidr);
    }
    if (!store.take(offset, 0)) {
      this.#staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#staticAllocations++;
  }

  /** release() by offset: true if it was allocated; ERR_NOT_IN_RANGE outside [0, size). */
  releaseOffset(offset: number): boolean {
    const store = this.#store;
    if (store === null || drawsRunning !== 0 || this.#size > TWO_32) this.#numeric();
    if (!(offset >>> 0 === offset && offset < this.#size)) this.#checkOffset(offset);
    return store!.release(offset, 0);
  }

  /** has() by offset: whether it is allocated; ERR_NOT_IN_RANGE outside [0, size). */
  hasOffset(offset: number): boolean {
    const store = this.#numeric();
    this.#checkOffset(offset);
    return store.has(offset, 0);
  }

  /** Fills all of `out` with dynamic allocations, or throws ERR_FULL and changes nothing. */
  allocateManyOffsets(out: Uint32Array): void {
    const store = this.#numeric();
    if (!(out instanceof Uint32Array)) throw new TypeError('allocateManyOffsets expects a Uint32Array');
    const count = out.length;
    this.#checkRoom(store, count);
    if (store.kind === 'dense') {
      this.#takeMany(store, count, out);
    } else {
      const halves = new Uint32Array(this.#takeMany(store, count).buffer);
      for (let i = 0; i < count; i++) out[i] = halves[2 * i];
    }
    this.#dynamicAllocations += count;
  }

  /** Frees every listed offset; returns how many were allocated. Any offset out of range -> nothing freed. */
  releaseManyOffsets(offsets: Uint32Array): number {
    const store = this.#numeric();
    if (!(offsets instanceof Uint32Array)) throw new TypeError('releaseManyOffsets expects a Uint32Array');
    for (let i = 0; i < offsets.length; i++) this.#checkOffset(offsets[i]);
    return store.releaseOffsets(offsets);
  }

  /** The canonical text of the IP at `offset` (network + 1 + offset). */
  ipAt(offset: number): string {
    this.#numeric();
    this.#checkOffset(offset);
    return this.#codec.ipAt(offset, 0);
  }

  /** The offset of an IP of the range; ERR_NOT_IN_RANGE (or ERR_INVALID_IP) otherwise. */
  offsetOf(ip: string): number {
    this.#numeric();
    if (!this.#codec.offsetOf(ip)) throw notInRangeError(canonicalIPText(ip), this.cidr);
    return parsedOffset.low;
  }

  /**
   * Runs a trace of operations in one call: `ops` holds pairs (operation, argument) — see
   * TraceOp — and `out` (made when not given) receives one u32 per step, as each single call would
   * return it. All or nothing: a step that would throw throws that error (naming the step) and
   * leaves the allocator, its generator and its counters as they were.
   */
  runTrace(ops: Uint32Array | Int32Array, out?: Uint32Array): Uint32Array {
    this.#numeric();
    if (!(ops instanceof Uint32Array || ops instanceof Int32Array) || ops.length % 2 !== 0) {
      throw new TypeError('runTrace expects a Uint32Array or Int32Array of (operation, argument) pairs');
    }
    const steps = ops.length / 2;
    const result = out ?? new Uint32Array(steps);
    if (!(result instanceof Uint32Array) || result.length < steps) throw new TypeError(`runTrace needs an out Uint32Array of at least ${steps} elements`);
    const words = ops instanceof Uint32Array ? ops : new Uint32Array(ops.buffer, ops.byteOffset, ops.length);
    const store = this.#numeric();
    const outcome = store.runTrace(words, result);
    if ('index' in outcome) throw this.#traceError(outcome.index, outcome.reason, words[2 * outcome.index], words[2 * outcome.index + 1]);
    this.#dynamicAllocations += outcome.dynamic;
    this.#staticAllocations += outcome.static;
    return result;
  }

  #traceError(index: number, reason: number, op: number, argument: number): Error {
    const at = `trace step ${index}`;
    const cause = reason === TRACE_FAIL.FULL ? rangeFullError()
      : reason === TRACE_FAIL.ALLOCATED ? alreadyAllocatedError()
        : reason === TRACE_FAIL.NOT_IN_RANGE ? offsetNotInRangeError(argument, this.#bigSize(), this.cidr)
          : undefined;
    if (cause instanceof AllocatorError) return new AllocatorError(cause.code, `${at}: ${cause.message}`);
    if (reason === TRACE_FAIL.DRAWS) return new AllocatorError('ERR_DRAWS_EXHAUSTED', `${at}: ${drawsExhaustedError().message}`);
    if (reason === TRACE_FAIL.NO_RECENT) return new RangeError(`${at}: no allocation ${argument} back on this trace's stack`);
    return new RangeError(`${at}: unknown operation ${op}`);
  }

  /** For this package's tests (src/internal.ts): the offset store behind the allocator. */
  [STORE](): OffsetStore | null {
    return this.#store;
  }

  /** `using a = new ClusterIPAllocator(…)`: dispose() at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees the kernel memory. Every later call (but dispose) throws ERR_DISPOSED. */
  dispose(): void {
    this.#store = disposeStore(this.#store);
  }

  // ---- internals ----

  #numeric(): OffsetStore {
    const store = this.#live();
    if (this.#size > TWO_32) throw offsetsTooLargeError(this.cidr);
    return store;
  }

  #bigSize(): bigint {
    return this.#size <= Number.MAX_SAFE_INTEGER ? BigInt(this.#size) : this.#geometry().usable;
  }

  // Numeric offsets are below 2^32, so `>>> 0` round-trips exactly the integer offsets in range
  // (and rejects fractions, NaN, negatives and non-numbers) without a Number.isInteger call.
  #isOffset(offset: number): boolean {
    return offset >>> 0 === offset && offset < this.#size;
  }

  #checkOffset(offset: number): void {
    if (!this.#isOffset(offset)) throw offsetNotInRangeError(offset, this.#bigSize(), this.cidr);
  }

  /** One counted dynamic allocation, or ERR_FULL (counted as a dynamic error). */
  #takeNext(store: OffsetStore): void {
    if (store.takeNext() < 0) throw this.#takeNextFailed(store);
    this.#dynamicAllocations++;
  }

  // See dynamicFailure: only a full range counts as a dynamic error.
  #takeNextFailed(store: OffsetStore): AllocatorError {
    const error = dynamicFailure(store, this.#size);
    if (error.code === 'ERR_FULL') this.#dynamicErrors++;
    return error;
  }

  /** store.takeMany, with uniform rejection giving up (nothing taken) as ERR_DRAWS_EXHAUSTED. */
  #takeMany(store: OffsetStore, count: number, out?: Uint32Array): BigUint64Array {
    const offsets = store.takeMany(count, out);
    if (offsets === undefined) throw drawsExhaustedError();
    return offsets;
  }

  #checkRoom(store: OffsetStore, count: number): void {
    if (BigInt(count) > this.#bigSize() - BigInt(store.used())) {
      this.#dynamicErrors++;
      throw rangeFullError();
    }
  }
}
