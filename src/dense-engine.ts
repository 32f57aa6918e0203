// The engine for ranges of up to 2^24 usable addresses: a dense bitmap in the kernel, offsets as
// plain numbers. ClusterIPAllocator (allocator.ts) picks it and forwards every call to it.
import {
  alreadyAllocatedError, disposedError, invalidIPError, invalidSnapshotError, notInRangeError,
  offsetNotInRangeError, rangeFullError,
} from './errors.js';
import { parseIP, parseIPv4Octets } from './ip-text.js';
import { canonicalIPText, denseCodecFor, type AddressCodec } from './address-codec.js';
import { kernel, KERNEL_DRAW_MODEL, KERNEL_STRATEGY, scratchBytes, scratchU32 } from './kernel.js';
import { drawFrom, type RandomInt, type RandomSource } from './random-source.js';
import type { RangeGeometry } from './range.js';
import type { CheckedSnapshot, RangeSnapshot } from './snapshot-input.js';
import type { AllocatorStats, Engine } from './engine.js';
import { AllocationCounters, statsFrom } from './allocation-counters.js';

/** Largest range the dense bitmap serves. */
export const DENSE_LIMIT = 1n << 24n;
/** Offsets moved through the scratch block per kernel call in batches and iteration. */
const BATCH_CHUNK = 65536;

export class DenseEngine implements Engine {
  readonly cidr: string;

  #handle: number;
  readonly #size: number;
  readonly #band: number;
  readonly #codec: AddressCodec;
  readonly #randomInt: RandomInt | undefined;
  readonly #strategy: number;
  readonly #drawsWhenFull: boolean;
  readonly #counts = new AllocationCounters();

  constructor(geometry: RangeGeometry, strategy: number, source: RandomSource, drawModel: number) {
    this.cidr = geometry.cidr;
    this.#size = Number(geometry.usable);
    this.#band = geometry.bandOffset;
    this.#codec = denseCodecFor(geometry);
    this.#randomInt = source.randomInt;
    this.#strategy = strategy;
    this.#drawsWhenFull = drawModel === KERNEL_DRAW_MODEL.ipaddress && strategy === KERNEL_STRATEGY['random-scan'];
    this.#handle = kernel.create(this.#size, this.#band, strategy, source.seedLow, source.seedHigh, drawModel) >>> 0;
  }

  /** Frees the kernel block; safe to call twice. Used by dispose() and the finalizer. */
  destroy(): void {
    if (this.#handle === 0) return;
    kernel.destroy(this.#handle);
    this.#handle = 0;
  }

  // ---- string API ----

  /** Allocates a specific IP (static). Returns its canonical text. */
  allocate(ip: string): string {
    const handle = this.#live();
    const offset = this.#offsetOfText(ip);
    if (offset < 0) {
      this.#counts.staticErrors++;
      throw notInRangeError(canonicalIPText(ip), this.cidr);
    }
    if (!kernel.take(handle, offset)) {
      this.#counts.staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#counts.staticAllocations++;
    return this.#codec.ipAt(offset);
  }

  /** Allocates a free IP the way Kubernetes does (dynamic). */
  allocateNext(): string {
    return this.#codec.ipAt(this.allocateNextOffset());
  }

  /** count dynamic allocations, all or nothing: equal to count calls of allocateNext(). */
  allocateMany(count: number): string[] {
    const handle = this.#live();
    readCount(count);
    // Checked before the result array is made, so an absurd count costs nothing.
    if (count > this.#size - kernel.used(handle)) {
      this.#counts.dynamicErrors++;
      throw rangeFullError();
    }
    const offsets = new Uint32Array(count);
    this.allocateManyOffsets(offsets);
    const ips = new Array<string>(offsets.length);
    for (let i = 0; i < offsets.length; i++) ips[i] = this.#codec.ipAt(offsets[i]);
    return ips;
  }

  /** Frees an IP. Returns true if it was allocated; out of range or free -> false. */
  release(ip: string): boolean {
    const handle = this.#live();
    const offset = this.#offsetOfText(ip);
    return offset >= 0 && kernel.release(handle, offset) !== 0;
  }

  /** Frees every listed IP; returns how many were allocated. Any unparsable IP -> nothing freed. */
  releaseMany(ips: Iterable<string>): number {
    const handle = this.#live();
    const offsets: number[] = [];
    for (const ip of ips) {
      const offset = this.#offsetOfText(ip);
      if (offset >= 0) offsets.push(offset);
    }
    return this.#releaseBatch(handle, offsets);
  }

  has(ip: string): boolean {
    const handle = this.#live();
    const offset = this.#offsetOfText(ip);
    return offset >= 0 && kernel.has(handle, offset) !== 0;
  }

  contains(ip: string): boolean {
    this.#live();
    return this.#offsetOfText(ip) >= 0;
  }

  get used(): number {
    return kernel.used(this.#live());
  }

  get free(): bigint {
    return BigInt(this.#size - kernel.used(this.#live()));
  }

  /** Bytes of WebAssembly memory this allocator holds: bitmap, summary levels, counts, header. */
  get memoryBytes(): number {
    return kernel.footprint(this.#live());
  }

  stats(): AllocatorStats {
    const handle = this.#live();
    return statsFrom(BigInt(this.#size), BigInt(this.#band), kernel.used(handle), kernel.usedStatic(handle), this.#counts);
  }

  /** Allocated IPs in ascending order. Reads the bitmap in chunks, so it sees later changes. */
  *ips(): IterableIterator<string> {
    for (const chunk of this.#offsetChunks()) {
      for (let i = 0; i < chunk.length; i++) yield this.#codec.ipAt(chunk[i]);
    }
  }

  /** The RangeAllocation form: canonical range + big-endian bitmap bytes. */
  snapshot(): RangeSnapshot {
    const handle = this.#live();
    const { pointer } = scratchBytes(kernel.snapshotBytesNeeded(handle));
    const length = kernel.snapshotWrite(handle, pointer);
    return { range: this.cidr, data: new Uint8Array(kernel.memory.buffer, pointer, length).slice() };
  }

  /** Replaces the allocation state with a snapshot of the same range. Counters are kept. */
  restore(snapshot: CheckedSnapshot): void {
    const handle = this.#live();
    const { significant } = snapshot;
    if (significant.length > kernel.snapshotBytesNeeded(handle)) {
      throw invalidSnapshotError(`data has bits beyond the ${this.#size} usable addresses of ${this.cidr}`);
    }
    const { pointer, view } = scratchBytes(significant.length);
    view.set(significant);
    if (kernel.snapshotRead(handle, pointer, significant.length) !== 0) {
      throw invalidSnapshotError(`data has bits beyond the ${this.#size} usable addresses of ${this.cidr}`);
    }
  }

  // ---- numeric API (offset k is the IP network + 1 + k) ----

  allocateNextOffset(): number {
    const handle = this.#live();
    const offset = this.#randomInt === undefined ? kernel.takeNext(handle) : this.#takeNextExternal(handle, this.#randomInt);
    if (offset < 0) {
      this.#counts.dynamicErrors++;
      throw rangeFullError();
    }
    this.#counts.dynamicAllocations++;
    return offset;
  }

  allocateOffset(offset: number): void {
    const handle = this.#live();
    if (!this.#isOffset(offset)) {
      this.#counts.staticErrors++;
      throw offsetNotInRangeError(offset, BigInt(this.#size), this.cidr);
    }
    if (!kernel.take(handle, offset)) {
      this.#counts.staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#counts.staticAllocations++;
  }

  releaseOffset(offset: number): boolean {
    const handle = this.#live();
    this.#checkOffset(offset);
    return kernel.release(handle, offset) !== 0;
  }

  hasOffset(offset: number): boolean {
    const handle = this.#live();
    this.#checkOffset(offset);
    return kernel.has(handle, offset) !== 0;
  }

  /** Frees every listed offset; returns how many were allocated. Any offset out of range -> nothing freed. */
  releaseManyOffsets(offsets: Uint32Array): number {
    const handle = this.#live();
    if (!(offsets instanceof Uint32Array)) throw new TypeError('releaseManyOffsets expects a Uint32Array');
    for (let i = 0; i < offsets.length; i++) this.#checkOffset(offsets[i]);
    return this.#releaseBatch(handle, offsets);
  }

  /** Fills all of `out` with dynamic allocations, or throws ERR_FULL and changes nothing. */
  allocateManyOffsets(out: Uint32Array): void {
    const handle = this.#live();
    if (!(out instanceof Uint32Array)) throw new TypeError('allocateManyOffsets expects a Uint32Array');
    const count = out.length;
    if (count > this.#size - kernel.used(handle)) {
      this.#counts.dynamicErrors++;
      throw rangeFullError();
    }
    if (this.#randomInt === undefined) {
      // Enough room is checked above, so no chunk can fail part way.
      for (let done = 0; done < count; done += BATCH_CHUNK) {
        const chunk = Math.min(BATCH_CHUNK, count - done);
        const { pointer } = scratchU32(chunk);
        kernel.takeMany(handle, chunk, pointer);
        out.set(new Uint32Array(kernel.memory.buffer, pointer, chunk), done);
      }
    } else {
      this.#takeManyExternal(handle, this.#randomInt, out);
    }
    this.#counts.dynamicAllocations += count;
  }

  ipAt(offset: number): string {
    this.#live();
    this.#checkOffset(offset);
    return this.#codec.ipAt(offset);
  }

  offsetOf(ip: string): number {
    this.#live();
    const offset = this.#offsetOfText(ip);
    if (offset < 0) throw notInRangeError(canonicalIPText(ip), this.cidr);
    return offset;
  }

  // ---- internals ----

  #live(): number {
    if (this.#handle === 0) throw disposedError();
    return this.#handle;
  }

  #offsetOfText(ip: string): number {
    if (typeof ip === 'string') {
      const v4 = parseIPv4Octets(ip);
      if (v4 >= 0) return this.#codec.offsetOfIPv4(v4);
    }
    const parsed = parseIP(ip);
    if (parsed.family === 0) throw invalidIPError(ip, parsed.reason);
    return this.#codec.offsetOf(parsed);
  }

  // Sizes are below 2^32, so `>>> 0` round-trips exactly the integer offsets in range (and
  // rejects fractions, NaN, negatives and non-numbers) without a Number.isInteger call.
  #isOffset(offset: number): boolean {
    return offset >>> 0 === offset && offset < this.#size;
  }

  #checkOffset(offset: number): void {
    if (!this.#isOffset(offset)) throw offsetNotInRangeError(offset, BigInt(this.#size), this.cidr);
  }

  // Kubernetes' draw order with the caller's source: one draw over the upper band, and a second
  // over the static band only when the upper band is full. Draws are checked before any change.
  #takeNextExternal(handle: number, randomInt: RandomInt): number {
    if (kernel.used(handle) >= this.#size) {
      if (this.#drawsWhenFull) {
        drawFrom(randomInt, this.#size - this.#band);
        if (this.#band > 0) drawFrom(randomInt, this.#band);
      }
      return -1;
    }
    if (this.#strategy === KERNEL_STRATEGY.sequential) {
      const upper = kernel.takeUpperFrom(handle, 0);
      return upper >= 0 ? upper : kernel.takeLowerFrom(handle, 0);
    }
    if (this.#strategy === KERNEL_STRATEGY.uniform) {
      // Draws over the free addresses of the band in use: n = its free count.
      const freeUpper = kernel.freeUpper(handle);
      if (freeUpper > 0) return kernel.takeUpperRank(handle, drawFrom(randomInt, freeUpper));
      return kernel.takeLowerRank(handle, drawFrom(randomInt, kernel.freeLower(handle)));
    }
    const upper = kernel.takeUpperFrom(handle, drawFrom(randomInt, this.#size - this.#band));
    if (upper >= 0) return upper;
    return kernel.takeLowerFrom(handle, drawFrom(randomInt, this.#band));
  }

  // One draw sequence per allocation, as allocateNext would make; undone if any draw fails.
  #takeManyExternal(handle: number, randomInt: RandomInt, out: Uint32Array): void {
    let done = 0;
    try {
      for (; done < out.length; done++) out[done] = this.#takeNextExternal(handle, randomInt);
    } catch (error) {
      for (let i = 0; i < done; i++) kernel.release(handle, out[i]);
      throw error;
    }
  }

  #releaseBatch(handle: number, offsets: ArrayLike<number>): number {
    let released = 0;
    for (let done = 0; done < offsets.length; done += BATCH_CHUNK) {
      const chunk = Math.min(BATCH_CHUNK, offsets.length - done);
      const { pointer, view } = scratchU32(chunk);
      for (let i = 0; i < chunk; i++) view[i] = offsets[done + i];
      released += kernel.releaseMany(handle, pointer, chunk);
    }
    return released;
  }

  *#offsetChunks(): Generator<Uint32Array> {
    let from = 0;
    while (from < this.#size) {
      const handle = this.#live();
      const { pointer } = scratchU32(BATCH_CHUNK);
      const count = kernel.exportOffsets(handle, from, pointer, BATCH_CHUNK);
      if (count === 0) return;
      // Copied out: the scratch block is shared and the consumer may call us between yields.
      const chunk = new Uint32Array(kernel.memory.buffer, pointer, count).slice();
      yield chunk;
      from = chunk[count - 1] + 1;
    }
  }
}

function readCount(count: unknown): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  }
  return count;
}
