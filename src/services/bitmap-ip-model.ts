// The IP model of 1.29–1.32: one RangeAllocation bitmap per --service-cluster-ip-range entry
// (ipallocator.Range), and the legacy repair controller over them.
import { ClusterIPAllocator, type AllocatorOptions } from '../allocator.js';
import { invalidSnapshotError } from '../errors.js';
import type { SloppyIP } from '../ip-sloppy.js';
import type { ParsedCIDR } from '../cidr.js';
import type { FamilyAllocator } from './family-allocator.js';
import type { Hazard } from './hazards.js';
import { forEachHeldServiceIP, toBase64, type CheckedState } from './ipam-state.js';
import type { IPModelState, ServiceIPModel } from './ip-model.js';
import type { CIDRMetrics } from './metrics.js';
import { repairBitmaps, type BitmapRepairReport, type RepairOptions } from './repair.js';
import { familyOf, type IPFamily } from './service-fields.js';
import type { ServiceAllocations } from './service-allocations.js';

/** One family's bitmap, as the pipeline uses it. */
export class BitmapFamilyAllocator implements FamilyAllocator {
  readonly allocator: ClusterIPAllocator;

  constructor(readonly family: IPFamily, cidr: string, options: AllocatorOptions) {
    this.allocator = new ClusterIPAllocator(cidr, { ...options, legacy: true });
  }

  allocateNext(): string {
    return this.allocator.allocateNext();
  }

  allocate(_owner: unknown, ip: SloppyIP): void {
    this.allocator.allocate(ip.canonical);
  }

  release(ip: SloppyIP): void {
    this.allocator.release(ip.canonical);
  }
}

export class BitmapIPModel implements ServiceIPModel {
  readonly #families = new Map<IPFamily, BitmapFamilyAllocator>();
  // The repair controller's memory of how many passes in a row found each IP leaked.
  readonly #leakPasses = new Map<string, number>();

  constructor(flag: readonly ParsedCIDR[], allocatorOptions: (cidr: string) => AllocatorOptions) {
    try {
      for (const cidr of flag) {
        const family: IPFamily = cidr.family === 4 ? 'IPv4' : 'IPv6';
        this.#families.set(family, new BitmapFamilyAllocator(family, cidr.cidr, allocatorOptions(cidr.cidr)));
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  family(family: IPFamily): FamilyAllocator | undefined {
    return this.#families.get(family);
  }

  prepare(): void {
    // No controllers besides repair in this model.
  }

  isAllocated(ip: SloppyIP): boolean {
    return this.#families.get(ip.family === 4 ? 'IPv4' : 'IPv6')?.allocator.has(ip.canonical) === true;
  }

  flagAllocator(family: IPFamily): ClusterIPAllocator | undefined {
    return this.#families.get(family)?.allocator;
  }

  repair(services: Iterable<ServiceAllocations>, _lookup: unknown, options: RepairOptions): BitmapRepairReport {
    const allocators = new Map<IPFamily, ClusterIPAllocator>();
    for (const [family, bitmap] of this.#families) allocators.set(family, bitmap.allocator);
    return repairBitmaps(allocators, services, options, this.#leakPasses);
  }

  metricRows(): CIDRMetrics[] {
    return [...this.#families.values()].map(({ allocator }) => {
      const stats = allocator.stats();
      return { cidr: allocator.cidr, allocated: stats.used, available: stats.free, allocations: stats.allocations, errors: stats.errors };
    });
  }

  snapshot(): IPModelState {
    const ranges = [...this.#families.values()].map(({ allocator }) => {
      const snap = allocator.snapshot();
      return { range: snap.range, data: toBase64(snap.data) };
    });
    return { ranges, serviceCIDRs: [], ipAddresses: [] };
  }

  // Every Service IP is allocated in its family's bitmap and held once: no API call can make it
  // otherwise in this model (releases follow the Services), so a state that says otherwise is
  // corrupt. Leaked bits (allocated, held by nobody) are reachable and kept.
  load(state: CheckedState, _hazards: Hazard[]): void {
    const targets = [...this.#families.values()];
    if (state.ranges.length !== targets.length) throw invalidSnapshotError(`expected ${targets.length} range bitmaps, found ${state.ranges.length}`, 'ranges');
    state.ranges.forEach((range, i) => targets[i].allocator.restore(range));
    forEachHeldServiceIP(state.services, (ip, key) => {
      const allocator = this.#families.get(familyOf(ip)!)?.allocator;
      if (!allocator || !allocator.has(ip)) throw invalidSnapshotError(`service ${key} holds ${ip}, which the ranges do not have allocated`);
    });
  }

  rangeAllocators(): ClusterIPAllocator[] {
    return [...this.#families.values()].map(({ allocator }) => allocator);
  }

  objects(): undefined {
    return undefined;
  }

  dispose(): void {
    for (const bitmap of this.#families.values()) bitmap.allocator.dispose();
  }
}
