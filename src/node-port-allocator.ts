// NodePortAllocator: the node port range of a cluster (--service-node-port-range), allocated as
// kube-apiserver's portallocator does — the same banded random scan as cluster IPs (KEP-3668), on
// the same kernel. A port is an offset (port − base); the kernel never learns about ports.
// [Symbol.dispose] in this file's declarations needs TypeScript's disposable lib; the reference
// carries it to projects whose lib setting lacks it (a browser project without @types/node).
/// <reference lib="esnext.disposable" preserve="true" />
import {
  AllocatorError, drawsExhaustedError, invalidPortError, invalidSnapshotError, mismatchedPortRangeError,
  portAlreadyAllocatedError, portNotInRangeError, rangeFullError,
} from './errors.js';
import { OffsetStore } from './offset-store.js';
import { readDrawModel, readStrategy, type DrawModel, type Strategy } from './allocator.js';
import { readRandomSource, type RandomInt } from './random-source.js';
import { nodePortBandOffset, parsePortRange, portRangeInfoOf, type PortRange, type PortRangeInfo } from './port-range.js';
import { checkSnapshotFields, type RangeSnapshot } from './snapshot-input.js';
import { STORE } from './internal.js';
import { disposeStore, dynamicFailure, freeWhenDropped, liveStore, readCount, statsOf, type AllocatorStats } from './allocator-support.js';

/** Options of a NodePortAllocator: how it draws, and whether it has a static band. */
export interface NodePortAllocatorOptions {
  /** Seed of the built-in SplitMix64 generator: same seed, same calls -> same ports. */
  seed?: number | bigint;
  /** External draws: must return a bigint in [0, n). Excludes `seed`. */
  randomInt?: RandomInt;
  /** As for ClusterIPAllocator: 'random-scan' (default, Kubernetes), 'sequential' or 'uniform'. */
  strategy?: Strategy;
  /** As for ClusterIPAllocator; the node port allocator of every version is the bitmap one (default). */
  drawModel?: DrawModel;
  /** false: no static band, as before KEP-3668 (for comparisons such as `clusterip simulate`). */
  staticBand?: boolean;
}

/**
 * A cluster's node port range (--service-node-port-range), allocated as kube-apiserver allocates
 * node ports: the same banded random scan as cluster IPs (KEP-3668), on the same kernel. Call
 * dispose() (or `using`) when done with it.
 */
export class NodePortAllocator {
  /** The canonical range, "base-max". */
  readonly portRange: string;
  readonly #range: PortRange;
  readonly #bandOffset: number;
  #store: OffsetStore | null;
  #staticAllocations = 0;
  #dynamicAllocations = 0;
  #staticErrors = 0;
  #dynamicErrors = 0;

  /**
   * An empty allocator for `range` ("30000-32767", or one port). Throws ERR_INVALID_PORT_RANGE
   * for a range Kubernetes would refuse, a TypeError for bad options, and ERR_KERNEL_UNAVAILABLE
   * when the WebAssembly kernel cannot be compiled (a page's CSP).
   */
  constructor(range: string, options: NodePortAllocatorOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this.#range = parsePortRange(range);
    this.portRange = this.#range.text;
    if (options.staticBand !== undefined && typeof options.staticBand !== 'boolean') throw new TypeError('options.staticBand must be a boolean');
    this.#bandOffset = options.staticBand === false ? 0 : nodePortBandOffset(this.#range.size);
    const strategy = readStrategy(options.strategy);
    const drawModel = readDrawModel(options.drawModel);
    const source = readRandomSource(options.seed, options.randomInt);
    const store = new OffsetStore({
      sizeLow: this.#range.size, sizeHigh: 0, band: this.#bandOffset, strategy, drawModel,
      seedLow: source.seedLow, seedHigh: source.seedHigh, randomInt: source.randomInt,
    });
    this.#store = store;
    freeWhenDropped(this, store);
  }

  /** A new allocator for the snapshot's range ("30000-32767"), holding its ports. */
  static fromSnapshot(snapshot: RangeSnapshot, options?: NodePortAllocatorOptions): NodePortAllocator {
    const range = (snapshot as Partial<RangeSnapshot> | null)?.range;
    let allocator: NodePortAllocator;
    try {
      allocator = new NodePortAllocator(range as string, options);
    } catch (error) {
      if (error instanceof AllocatorError && error.code === 'ERR_INVALID_PORT_RANGE') throw invalidSnapshotError(`range: ${error.message}`);
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

  /** The band layout: static 30000–30085, dynamic 30086–32767 for the default range. */
  get range(): PortRangeInfo {
    return portRangeInfoOf(this.#range, this.#bandOffset);
  }

  #live(): OffsetStore {
    return liveStore(this.#store);
  }

  // The offset of an integer port, or -1 outside the range. Anything but an integer is refused:
  // Kubernetes ports are Go ints, and rounding 30000.5 to some port would be a silent wrong answer.
  #offsetOf(port: unknown): number {
    if (typeof port !== 'number' || !Number.isInteger(port)) throw invalidPortError(port);
    const offset = port - this.#range.base;
    return offset >= 0 && offset < this.#range.size ? offset : -1;
  }

  /** Allocates a specific port (static). */
  allocate(port: number): number {
    const store = this.#live();
    const offset = this.#offsetOf(port);
    if (offset < 0) {
      this.#staticErrors++;
      throw portNotInRangeError(this.portRange);
    }
    if (!store.take(offset, 0)) {
      this.#staticErrors++;
      throw portAlreadyAllocatedError();
    }
    this.#staticAllocations++;
    return port;
  }

  /** Allocates a free port the way Kubernetes does (dynamic). */
  allocateNext(): number {
    const store = this.#live();
    const offset = store.takeNext();
    if (offset < 0) throw this.#takeNextFailed(store);
    this.#dynamicAllocations++;
    return this.#range.base + offset;
  }

  /** count dynamic allocations, all or nothing: equal to count calls of allocateNext(). */
  allocateMany(count: number): number[] {
    const store = this.#live();
    if (readCount(count) > this.#range.size - store.used()) {
      this.#dynamicErrors++;
      throw rangeFullError();
    }
    // A port range has at most 65,535 ports: one kernel call, read in place. Node port ranges are
    // dense; only this package's tests force the sparse store, which hands back u64 offsets.
    const offsets = store.kind === 'dense' ? store.takeManyView(count) : store.takeMany(count);
    if (offsets === undefined) throw drawsExhaustedError();
    this.#dynamicAllocations += count;
    const base = this.#range.base;
    const ports = new Array<number>(count);
    for (let i = 0; i < count; i++) ports[i] = base + Number(offsets[i]);
    return ports;
  }

  /** Frees a port. Returns true if it was allocated; out of range or free -> false (no error, as upstream). */
  release(port: number): boolean {
    const store = this.#live();
    const offset = this.#offsetOf(port);
    return offset >= 0 && store.release(offset, 0);
  }

  /** Frees every listed port; returns how many were allocated. Any non-integer -> nothing freed. */
  releaseMany(ports: Iterable<number>): number {
    this.#live();
    const offsets: number[] = [];
    for (const port of ports) {
      const offset = this.#offsetOf(port);
      if (offset >= 0) offsets.push(offset);
    }
    const store = this.#live();
    return store.releaseOffsets(offsets);
  }

  /** Whether the port is allocated (false for a port outside the range). */
  has(port: number): boolean {
    const store = this.#live();
    const offset = this.#offsetOf(port);
    return offset >= 0 && store.has(offset, 0);
  }

  /** Whether the port is in the range (allocated or not). */
  contains(port: number): boolean {
    this.#live();
    return this.#offsetOf(port) >= 0;
  }

  /** How many ports are allocated. */
  get used(): number { return this.#live().used(); }

  /** How many ports of the range are free. */
  get free(): bigint { return BigInt(this.#range.size - this.#live().used()); }

  /** Bytes of WebAssembly memory this allocator holds. */
  get memoryBytes(): number { return this.#live().memoryBytes(); }

  /** Per band: size, used and free; and the counts of allocations and errors, static and dynamic. */
  stats(): AllocatorStats {
    return statsOf(this.#live(), BigInt(this.#range.size), BigInt(this.#bandOffset),
      { static: this.#staticAllocations, dynamic: this.#dynamicAllocations }, { static: this.#staticErrors, dynamic: this.#dynamicErrors });
  }

  /** Allocated ports in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    const base = this.#range.base;
    for (const offset of this.#live().smallOffsets()) yield base + offset;
  }

  /** RangeAllocation: range "30000-32767", data the bitmap of port − base (big-endian, no leading zeros). */
  snapshot(): RangeSnapshot {
    return { range: this.portRange, data: this.#live().bitmapBytes() };
  }

  /**
   * Replaces the allocation state with a snapshot of the same range; counters are kept. The range
   * string is compared as Kubernetes does, after parsing ("30000-32767" and " 30000-32767" match).
   */
  restore(snapshot: RangeSnapshot): void {
    this.#live();
    const { range, significant } = checkSnapshotFields(snapshot, 'port range', parsePortRange);
    const store = this.#live();
    if (range.text !== this.portRange) throw mismatchedPortRangeError();
    if (!store.restoreBitmap(significant)) {
      throw invalidSnapshotError(`data has bits beyond the ${this.#range.size} ports of ${this.portRange}`);
    }
  }

  /** For this package's tests (src/internal.ts): the offset store behind the allocator. */
  [STORE](): OffsetStore | null {
    return this.#store;
  }

  /** `using ports = new NodePortAllocator(…)`: dispose() at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Frees the kernel memory. Every later call (but dispose) throws ERR_DISPOSED. */
  dispose(): void {
    this.#store = disposeStore(this.#store);
  }

  #takeNextFailed(store: OffsetStore): AllocatorError {
    const error = dynamicFailure(store, this.#range.size);
    if (error.code === 'ERR_FULL') this.#dynamicErrors++;
    return error;
  }
}
