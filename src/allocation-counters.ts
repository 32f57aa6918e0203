// The Kubernetes-style counters both engines keep, and the stats() shape built from them.
import type { AllocatorStats, BandStats } from './engine.js';

export class AllocationCounters {
  staticAllocations = 0;
  dynamicAllocations = 0;
  staticErrors = 0;
  dynamicErrors = 0;
}

function band(size: bigint, used: number): BandStats {
  return { size, used, free: size - BigInt(used) };
}

export function statsFrom(size: bigint, bandOffset: bigint, used: number, usedStatic: number, counts: AllocationCounters): AllocatorStats {
  return {
    ...band(size, used),
    static: band(bandOffset, usedStatic),
    dynamic: band(size - bandOffset, used - usedStatic),
    allocations: { static: counts.staticAllocations, dynamic: counts.dynamicAllocations },
    errors: { static: counts.staticErrors, dynamic: counts.dynamicErrors },
  };
}
