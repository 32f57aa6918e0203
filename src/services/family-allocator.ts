// What the Service pipeline asks of one IP family's allocator (ipallocator.Interface): the bitmap
// Range up to 1.32 (bitmap-ip-model.ts) and the MetaAllocator over ServiceCIDRs from 1.33
// (meta-allocator.ts) implement it.
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
}
