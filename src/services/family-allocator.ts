// What the Service pipeline asks of one IP family's allocator, and the legacy implementation: one
// RangeAllocation bitmap for the family's --service-cluster-ip-range entry (1.29–1.32).
import { ClusterIPAllocator, type AllocatorOptions } from '../allocator.js';
import type { SloppyIP } from '../ip-sloppy.js';
import type { IPFamily } from './service-fields.js';

/** The Service an allocation is made for (the IPAddress parentRef in the 1.33+ model). */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export interface FamilyAllocator {
  readonly family: IPFamily;
  /** A dynamic allocation; its canonical text. Throws AllocatorError (ERR_FULL). */
  allocateNext(owner: ServiceRef): string;
  /** A static allocation of a parsed IP. Throws AllocatorError (not in range, taken, no matching CIDR). */
  allocate(owner: ServiceRef, ip: SloppyIP): void;
  /** Frees an IP; addresses it does not hold are ignored, as the API server ignores them. */
  release(ip: SloppyIP): void;
  dispose(): void;
}

export class BitmapFamilyAllocator implements FamilyAllocator {
  readonly allocator: ClusterIPAllocator;

  constructor(readonly family: IPFamily, cidr: string, options: AllocatorOptions) {
    this.allocator = new ClusterIPAllocator(cidr, { ...options, legacy: true });
  }

  allocateNext(): string {
    return this.allocator.allocateNext();
  }

  allocate(_owner: ServiceRef, ip: SloppyIP): void {
    this.allocator.allocate(ip.canonical);
  }

  release(ip: SloppyIP): void {
    this.allocator.release(ip.canonical);
  }

  dispose(): void {
    this.allocator.dispose();
  }
}
