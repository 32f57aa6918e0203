// What ClusterIPAllocator asks of a range representation. DenseEngine (a bitmap, up to 2^24
// addresses) and SparseEngine (hash-table summaries, any size) each implement all of it.
import type { CheckedSnapshot, RangeSnapshot } from './snapshot-input.js';

export interface BandStats { size: bigint; used: number; free: bigint }

export interface AllocatorStats extends BandStats {
  static: BandStats;
  dynamic: BandStats;
  /** Successful allocations, like kube_apiserver_clusterip_allocator_allocation_total. */
  allocations: { static: number; dynamic: number };
  /** Failed allocations, like kube_apiserver_clusterip_allocator_allocation_errors_total. */
  errors: { static: number; dynamic: number };
}

export interface Engine {
  allocate(ip: string): string;
  allocateNext(): string;
  allocateMany(count: number): string[];
  release(ip: string): boolean;
  releaseMany(ips: Iterable<string>): number;
  has(ip: string): boolean;
  contains(ip: string): boolean;
  readonly used: number;
  readonly free: bigint;
  readonly memoryBytes: number;
  stats(): AllocatorStats;
  ips(): IterableIterator<string>;
  snapshot(): RangeSnapshot;
  restore(snapshot: CheckedSnapshot): void;
  allocateNextOffset(): number;
  allocateOffset(offset: number): void;
  releaseOffset(offset: number): boolean;
  hasOffset(offset: number): boolean;
  allocateManyOffsets(out: Uint32Array): void;
  releaseManyOffsets(offsets: Uint32Array): number;
  ipAt(offset: number): string;
  offsetOf(ip: string): number;
  /** Frees the kernel memory; idempotent. */
  destroy(): void;
}
