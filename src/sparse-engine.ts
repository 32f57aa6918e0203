// The engine for ranges above 2^24 usable addresses (IPv6 /64 … /103, IPv4 /0 … /7): hash-table
// summaries in the kernel (assembly/sparse/), so memory follows the number of allocations, not the
// range. Offsets are bigints here; the numeric offset API works only where they fit a Uint32Array.
import {
  alreadyAllocatedError, disposedError, invalidIPError, notInRangeError, offsetNotInRangeError,
  offsetsTooLargeError, rangeFullError,
} from './errors.js';
import { parseIP, parseIPv4Octets } from './ip-text.js';
import { formatAddress, ipv6PartsToBigInt } from './ip-format.js';
import { canonicalIPText } from './address-codec.js';
import { kernel, KERNEL_DRAW_MODEL, KERNEL_STRATEGY, memoryU64, scratchBytes } from './kernel.js';
import { drawBigFrom, drawFrom, type RandomInt, type RandomSource } from './random-source.js';
import type { RangeGeometry } from './range.js';
import type { CheckedSnapshot, RangeSnapshot } from './snapshot-input.js';
import type { AllocatorStats, Engine } from './engine.js';
import { AllocationCounters, statsFrom } from './allocation-counters.js';
import { decodeRuns, encodeRuns } from './run-encoding.js';

const LOW32 = 0xffffffffn;
const BATCH_CHUNK = 65536;
/** The kernel counts allocations in a u32. */
const MAX_ALLOCATIONS = 0xffffffff;
/** Go's math.MaxInt64: the IPAddress allocator's raw-draw threshold for an upper band. */
const MAX_INT64 = (1n << 63n) - 1n;
const TWO_64 = 1n << 64n;

const low = (k: bigint) => Number(k & LOW32);
const high = (k: bigint) => Number(k >> 32n);

export class SparseEngine implements Engine {
  readonly cidr: string;
  #handle: number;
  readonly #family: 4 | 6;
  readonly #first: bigint;
  readonly #size: bigint;
  readonly #band: number;
  readonly #upper: bigint;
  readonly #numeric: boolean;
  readonly #randomInt: RandomInt | undefined;
  readonly #strategy: number;
  readonly #ipaddressDraws: boolean;
  readonly #counts = new AllocationCounters();

  constructor(geometry: RangeGeometry, strategy: number, source: RandomSource, drawModel: number) {
    this.cidr = geometry.cidr;
    this.#family = geometry.family;
    this.#first = geometry.network + 1n;
    this.#size = geometry.usable;
    this.#band = geometry.bandOffset;
    this.#upper = geometry.usable - BigInt(geometry.bandOffset);
    this.#numeric = geometry.usable <= 1n << 32n;
    this.#randomInt = source.randomInt;
    this.#strategy = strategy;
    this.#ipaddressDraws = drawModel === KERNEL_DRAW_MODEL.ipaddress;
    this.#handle = kernel.sparseCreate(low(this.#size), high(this.#size), this.#band, strategy, source.seedLow, source.seedHigh, drawModel) >>> 0;
  }

  destroy(): void {
    if (this.#handle === 0) return;
    kernel.sparseDestroy(this.#handle);
    this.#handle = 0;
  }

  // ---- string API ----

  allocate(ip: string): string {
    const handle = this.#live();
    const k = this.#offsetOfText(ip);
    if (k < 0n) {
      this.#counts.staticErrors++;
      throw notInRangeError(canonicalIPText(ip), this.cidr);
    }
    if (!kernel.sparseTake(handle, low(k), high(k))) {
      this.#counts.staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#counts.staticAllocations++;
    return this.#ipAt(k);
  }

  allocateNext(): string {
    return this.#ipAt(this.#nextOrFull(this.#live()));
  }

  allocateMany(count: number): string[] {
    const offsets = this.#takeMany(count);
    return Array.from(offsets, (k) => this.#ipAt(k));
  }

  release(ip: string): boolean {
    const handle = this.#live();
    const k = this.#offsetOfText(ip);
    return k >= 0n && kernel.sparseRelease(handle, low(k), high(k)) !== 0;
  }

  releaseMany(ips: Iterable<string>): number {
    const handle = this.#live();
    const offsets: bigint[] = [];
    for (const ip of ips) {
      const k = this.#offsetOfText(ip);
      if (k >= 0n) offsets.push(k);
    }
    let released = 0;
    for (const k of offsets) released += kernel.sparseRelease(handle, low(k), high(k));
    return released;
  }

  has(ip: string): boolean {
    const handle = this.#live();
    const k = this.#offsetOfText(ip);
    return k >= 0n && kernel.sparseHas(handle, low(k), high(k)) !== 0;
  }

  contains(ip: string): boolean {
    this.#live();
    return this.#offsetOfText(ip) >= 0n;
  }

  get used(): number {
    return kernel.sparseUsed(this.#live()) >>> 0;
  }

  get free(): bigint {
    return this.#size - BigInt(this.used);
  }

  get memoryBytes(): number {
    return kernel.sparseFootprint(this.#live()) >>> 0;
  }

  stats(): AllocatorStats {
    const handle = this.#live();
    return statsFrom(this.#size, BigInt(this.#band), kernel.sparseUsed(handle) >>> 0, kernel.sparseUsedStatic(handle) >>> 0, this.#counts);
  }

  /** Ascending; the allocations as they were when iteration started (the hash tables have no order). */
  *ips(): IterableIterator<string> {
    const sorted = this.#sortedOffsets();
    for (let i = 0; i < sorted.length; i++) yield this.#ipAt(sorted[i]);
  }

  snapshot(): RangeSnapshot {
    return { range: this.cidr, data: encodeRuns(this.#sortedOffsets()) };
  }

  restore(snapshot: CheckedSnapshot): void {
    const handle = this.#live();
    // Fully decoded and checked before the state is touched, so a bad snapshot changes nothing.
    const runs = decodeRuns(snapshot.significant, this.#size, MAX_ALLOCATIONS);
    kernel.sparseReset(handle);
    // decodeRuns caps the total at MAX_ALLOCATIONS, so every run length fits the kernel's u32 count.
    for (const { start, length } of runs) kernel.sparseTakeRun(handle, low(start), high(start), Number(length));
  }

  // ---- numeric API: only where every offset fits a Uint32Array ----

  allocateNextOffset(): number {
    this.#requireNumeric();
    return Number(this.#nextOrFull(this.#live()));
  }

  allocateOffset(offset: number): void {
    this.#requireNumeric();
    const handle = this.#live();
    if (!this.#isOffset(offset)) {
      this.#counts.staticErrors++;
      throw offsetNotInRangeError(offset, this.#size, this.cidr);
    }
    if (!kernel.sparseTake(handle, offset >>> 0, 0)) {
      this.#counts.staticErrors++;
      throw alreadyAllocatedError();
    }
    this.#counts.staticAllocations++;
  }

  releaseOffset(offset: number): boolean {
    this.#requireNumeric();
    const handle = this.#live();
    this.#checkOffset(offset);
    return kernel.sparseRelease(handle, offset >>> 0, 0) !== 0;
  }

  hasOffset(offset: number): boolean {
    this.#requireNumeric();
    const handle = this.#live();
    this.#checkOffset(offset);
    return kernel.sparseHas(handle, offset >>> 0, 0) !== 0;
  }

  allocateManyOffsets(out: Uint32Array): void {
    this.#requireNumeric();
    if (!(out instanceof Uint32Array)) throw new TypeError('allocateManyOffsets expects a Uint32Array');
    const offsets = this.#takeMany(out.length);
    for (let i = 0; i < offsets.length; i++) out[i] = Number(offsets[i]);
  }

  releaseManyOffsets(offsets: Uint32Array): number {
    this.#requireNumeric();
    const handle = this.#live();
    if (!(offsets instanceof Uint32Array)) throw new TypeError('releaseManyOffsets expects a Uint32Array');
    for (let i = 0; i < offsets.length; i++) this.#checkOffset(offsets[i]);
    let released = 0;
    for (let i = 0; i < offsets.length; i++) released += kernel.sparseRelease(handle, offsets[i], 0);
    return released;
  }

  ipAt(offset: number): string {
    this.#requireNumeric();
    this.#live();
    this.#checkOffset(offset);
    return this.#ipAt(BigInt(offset));
  }

  offsetOf(ip: string): number {
    this.#requireNumeric();
    this.#live();
    const k = this.#offsetOfText(ip);
    if (k < 0n) throw notInRangeError(canonicalIPText(ip), this.cidr);
    return Number(k);
  }

  // ---- internals ----

  #live(): number {
    if (this.#handle === 0) throw disposedError();
    return this.#handle;
  }

  #requireNumeric(): void {
    if (!this.#numeric) throw offsetsTooLargeError(this.cidr);
  }

  #isOffset(offset: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && BigInt(offset) < this.#size;
  }

  #checkOffset(offset: number): void {
    if (!this.#isOffset(offset)) throw offsetNotInRangeError(offset, this.#size, this.cidr);
  }

  #ipAt(k: bigint): string {
    return formatAddress(this.#family, this.#first + k);
  }

  /** Offset of the text's address, or -1n when it is outside the usable range. */
  #offsetOfText(ip: string): bigint {
    let address: bigint;
    const v4 = typeof ip === 'string' ? parseIPv4Octets(ip) : -1;
    if (v4 >= 0) {
      if (this.#family !== 4) return -1n;
      address = BigInt(v4);
    } else {
      const parsed = parseIP(ip);
      if (parsed.family === 0) throw invalidIPError(ip, parsed.reason);
      if (parsed.family !== this.#family) return -1n;
      address = parsed.family === 4 ? BigInt(parsed.value) : ipv6PartsToBigInt(parsed.parts);
    }
    const k = address - this.#first;
    return k >= 0n && k < this.#size ? k : -1n;
  }

  #result(handle: number): bigint {
    return memoryU64()[(kernel.sparseResultPtr(handle) >>> 0) / 8];
  }

  /** One counted dynamic allocation, or ERR_FULL (counted as a dynamic error). */
  #nextOrFull(handle: number): bigint {
    const k = this.#takeNext(handle);
    if (k < 0n) {
      this.#counts.dynamicErrors++;
      throw rangeFullError();
    }
    this.#counts.dynamicAllocations++;
    return k;
  }

  /** One dynamic allocation; -1n when the range is full. */
  #takeNext(handle: number): bigint {
    const randomInt = this.#randomInt;
    if (randomInt === undefined) return kernel.sparseTakeNext(handle) ? this.#result(handle) : -1n;
    if (BigInt(kernel.sparseUsed(handle) >>> 0) >= this.#size) {
      if (this.#ipaddressDraws && this.#strategy === KERNEL_STRATEGY['random-scan']) {
        this.#drawUpperStart(handle, randomInt);
        if (this.#band > 0) drawFrom(randomInt, this.#band);
      }
      return -1n;
    }
    const upperFull = BigInt((kernel.sparseUsed(handle) - kernel.sparseUsedStatic(handle)) >>> 0) >= this.#upper;
    if (this.#strategy === KERNEL_STRATEGY.sequential) {
      if (kernel.sparseTakeUpperFrom(handle, 0, 0) || kernel.sparseTakeLowerFrom(handle, 0)) return this.#result(handle);
      return -1n;
    }
    if (this.#strategy === KERNEL_STRATEGY.uniform) {
      if (!upperFull) {
        // Rejection over the upper band: n = its size, redrawn until it names a free address.
        for (;;) {
          const k = BigInt(this.#band) + drawBigFrom(randomInt, this.#upper);
          if (kernel.sparseTake(handle, low(k), high(k))) return k;
        }
      }
      const freeLower = this.#band - (kernel.sparseUsedStatic(handle) >>> 0);
      return kernel.sparseTakeLowerRank(handle, drawFrom(randomInt, freeLower)) ? this.#result(handle) : -1n;
    }
    const start = this.#drawUpperStart(handle, randomInt);
    if (kernel.sparseTakeUpperFrom(handle, low(start), high(start))) return this.#result(handle);
    return kernel.sparseTakeLowerFrom(handle, drawFrom(randomInt, this.#band)) ? this.#result(handle) : -1n;
  }

  /** The random-scan start in the upper band, drawn with the caller's source as the chosen allocator would. */
  #drawUpperStart(handle: number, randomInt: RandomInt): bigint {
    if (!this.#ipaddressDraws || this.#upper < MAX_INT64) return drawBigFrom(randomInt, this.#upper);
    const draw = drawBigFrom(randomInt, TWO_64);
    kernel.sparseWideStart(handle, low(draw), high(draw));
    return this.#result(handle);
  }

  /** count dynamic allocations, all or nothing. */
  #takeMany(count: number): bigint[] {
    const handle = this.#live();
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
    }
    if (BigInt(count) > this.free) {
      this.#counts.dynamicErrors++;
      throw rangeFullError();
    }
    const offsets = new Array<bigint>(count);
    if (this.#randomInt === undefined) {
      for (let done = 0; done < count; done += BATCH_CHUNK) {
        const chunk = Math.min(BATCH_CHUNK, count - done);
        const { pointer } = scratchBytes(chunk * 8);
        kernel.sparseTakeMany(handle, chunk, pointer);
        const view = memoryU64();
        for (let i = 0; i < chunk; i++) offsets[done + i] = view[pointer / 8 + i];
      }
    } else {
      let done = 0;
      try {
        for (; done < count; done++) offsets[done] = this.#takeNext(handle);
      } catch (error) {
        for (let i = 0; i < done; i++) kernel.sparseRelease(handle, low(offsets[i]), high(offsets[i]));
        throw error;
      }
    }
    this.#counts.dynamicAllocations += count;
    return offsets;
  }

  #sortedOffsets(): BigUint64Array {
    const handle = this.#live();
    const { pointer } = scratchBytes(Math.max(8, (kernel.sparseUsed(handle) >>> 0) * 8));
    const count = kernel.sparseSortedOffsets(handle, pointer) >>> 0;
    // Read after the call: sorting may have grown memory, which memoryU64() re-views.
    return memoryU64().slice(pointer / 8, pointer / 8 + count);
  }

}
