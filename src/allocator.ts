// ClusterIPAllocator: the public face of one service CIDR. It parses the range and options, picks
// the representation (a dense bitmap up to 2^24 addresses, sparse above) and forwards every call.
import { AllocatorError, disposedError, invalidSnapshotError, mismatchedNetworkError } from './errors.js';
import { KERNEL_DRAW_MODEL, KERNEL_STRATEGY } from './kernel.js';
import { readRandomSource, type RandomInt } from './random-source.js';
import { rangeGeometry, rangeInfoOf, readRangeOptions, type RangeInfo, type RangeOptions } from './range.js';
import { checkSnapshotShape, type RangeSnapshot } from './snapshot-input.js';
import { DenseEngine, DENSE_LIMIT } from './dense-engine.js';
import { SparseEngine } from './sparse-engine.js';
import type { AllocatorStats, Engine } from './engine.js';

export type Strategy = keyof typeof KERNEL_STRATEGY;
export type DrawModel = keyof typeof KERNEL_DRAW_MODEL;
export type { AllocatorStats, BandStats } from './engine.js';

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
}

// Frees the kernel memory of an allocator that was dropped without dispose().
const leakedEngines = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Engine>((engine) => engine.destroy())
  : undefined;

function readDrawModel(drawModel: unknown): number {
  if (drawModel === undefined) return KERNEL_DRAW_MODEL.bitmap;
  if (typeof drawModel === 'string' && Object.hasOwn(KERNEL_DRAW_MODEL, drawModel)) return KERNEL_DRAW_MODEL[drawModel as DrawModel];
  throw new TypeError(`options.drawModel must be one of ${Object.keys(KERNEL_DRAW_MODEL).map((s) => `'${s}'`).join(', ')}`);
}

function readStrategy(strategy: unknown): number {
  if (strategy === undefined) return KERNEL_STRATEGY['random-scan'];
  if (typeof strategy === 'string' && Object.hasOwn(KERNEL_STRATEGY, strategy)) {
    return KERNEL_STRATEGY[strategy as Strategy];
  }
  throw new TypeError(`options.strategy must be one of ${Object.keys(KERNEL_STRATEGY).map((s) => `'${s}'`).join(', ')}`);
}

export class ClusterIPAllocator {
  readonly cidr: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly range: RangeInfo;
  #engine: Engine | null;

  constructor(cidr: string, options?: AllocatorOptions) {
    const { legacy, staticBand } = readRangeOptions(options);
    const geometry = rangeGeometry(cidr, legacy, staticBand);
    const strategy = readStrategy(options?.strategy);
    const drawModel = readDrawModel(options?.drawModel);
    const source = readRandomSource(options?.seed, options?.randomInt);
    this.range = rangeInfoOf(geometry);
    this.cidr = this.range.cidr;
    this.family = this.range.family;
    const engine = geometry.usable <= DENSE_LIMIT
      ? new DenseEngine(geometry, strategy, source, drawModel)
      : new SparseEngine(geometry, strategy, source, drawModel);
    this.#engine = engine;
    leakedEngines?.register(this, engine, this);
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

  #live(): Engine {
    const engine = this.#engine;
    if (engine === null) throw disposedError();
    return engine;
  }

  // ---- string API ----

  /** Allocates a specific IP (static). Returns its canonical text. */
  allocate(ip: string): string { return this.#live().allocate(ip); }
  /** Allocates a free IP the way Kubernetes does (dynamic). */
  allocateNext(): string { return this.#live().allocateNext(); }
  /** count dynamic allocations, all or nothing: equal to count calls of allocateNext(). */
  allocateMany(count: number): string[] { return this.#live().allocateMany(count); }
  /** Frees an IP. Returns true if it was allocated; out of range or free -> false. */
  release(ip: string): boolean { return this.#live().release(ip); }
  /** Frees every listed IP; returns how many were allocated. Any unparsable IP -> nothing freed. */
  releaseMany(ips: Iterable<string>): number { return this.#live().releaseMany(ips); }
  has(ip: string): boolean { return this.#live().has(ip); }
  /** Whether the IP is one of the range's usable addresses (allocated or not). */
  contains(ip: string): boolean { return this.#live().contains(ip); }
  get used(): number { return this.#live().used; }
  get free(): bigint { return this.#live().free; }
  /** Bytes of WebAssembly memory this allocator holds. */
  get memoryBytes(): number { return this.#live().memoryBytes; }
  stats(): AllocatorStats { return this.#live().stats(); }
  /** Allocated IPs in ascending order. */
  [Symbol.iterator](): IterableIterator<string> { return this.#live().ips(); }

  /** The range string plus its allocation bytes (RangeAllocation bitmap, or runs for huge ranges). */
  snapshot(): RangeSnapshot { return this.#live().snapshot(); }

  /** Replaces the allocation state with a snapshot of the same range. Counters are kept. */
  restore(snapshot: RangeSnapshot): void {
    const engine = this.#live();
    const checked = checkSnapshotShape(snapshot);
    if (checked.range.cidr !== this.cidr) throw mismatchedNetworkError();
    engine.restore(checked);
  }

  // ---- numeric API (offset k is the IP network + 1 + k) ----

  allocateNextOffset(): number { return this.#live().allocateNextOffset(); }
  allocateOffset(offset: number): void { this.#live().allocateOffset(offset); }
  releaseOffset(offset: number): boolean { return this.#live().releaseOffset(offset); }
  hasOffset(offset: number): boolean { return this.#live().hasOffset(offset); }
  /** Fills all of `out` with dynamic allocations, or throws ERR_FULL and changes nothing. */
  allocateManyOffsets(out: Uint32Array): void { this.#live().allocateManyOffsets(out); }
  /** Frees every listed offset; returns how many were allocated. Any offset out of range -> nothing freed. */
  releaseManyOffsets(offsets: Uint32Array): number { return this.#live().releaseManyOffsets(offsets); }
  ipAt(offset: number): string { return this.#live().ipAt(offset); }
  offsetOf(ip: string): number { return this.#live().offsetOf(ip); }

  /** Frees the kernel memory. Every later call (but dispose) throws ERR_DISPOSED. */
  dispose(): void {
    const engine = this.#engine;
    if (engine === null) return;
    leakedEngines?.unregister(this);
    engine.destroy();
    this.#engine = null;
  }
}
