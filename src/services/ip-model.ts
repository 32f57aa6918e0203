// What the Service pipeline asks of a version's IP allocation model, and nothing else: Kubernetes
// keeps one ipallocator.Interface per family (implemented by the bitmap Range up to 1.32 and by
// the IPAddress allocator from 1.33) and its repair controller beside it. ServiceIPAM holds one
// ServiceIPModel and never asks which kind it is.
import type { ClusterIPAllocator } from '../allocator.js';
import type { SloppyIP } from '../ip-sloppy.js';
import type { FamilyAllocator } from './family-allocator.js';
import type { Hazard } from './hazards.js';
import type { CheckedState, IPAMState } from './ipam-state.js';
import type { CIDRMetrics } from './metrics.js';
import type { BitmapRepairReport, RepairOptions } from './repair.js';
import type { IPAddressRepairReport, ServiceLookup } from './repair-ipaddress.js';
import type { ServiceCIDRRegistry } from './service-cidrs.js';
import type { IPFamily } from './service-fields.js';
import type { ServiceAllocations } from './service-allocations.js';

/** The part of the whole state an IP model writes and reads back. */
export type IPModelState = Pick<IPAMState, 'ranges' | 'serviceCIDRs' | 'ipAddresses' | 'cidrAllocators'>;

export interface ServiceIPModel {
  /** The family's allocator for the pipeline; undefined for a family the cluster lacks. */
  family(family: IPFamily): FamilyAllocator | undefined;
  /** The controllers' work at the current time (1.33+: ServiceCIDRs); before every request. */
  prepare(): void;
  /** Whether an IP is taken (its bit set, or an IPAddress of that name exists). */
  isAllocated(ip: SloppyIP): boolean;
  /** The range allocator of a family's --service-cluster-ip-range entry, to read. */
  flagAllocator(family: IPFamily): ClusterIPAllocator | undefined;
  /** The repair controller over these Services (changes made only with `apply`); `lookup` finds one of them by name. */
  repair(services: Iterable<ServiceAllocations>, lookup: ServiceLookup, options: RepairOptions): BitmapRepairReport | IPAddressRepairReport;
  metricRows(): CIDRMetrics[];
  snapshot(): IPModelState;
  /**
   * Loads a checked state into this (fresh) model, the Services already read. Refuses, with
   * ERR_INVALID_SNAPSHOT, what no sequence of API calls can reach; reports in `hazards` the
   * disagreements between Services and allocations that the API server itself can reach.
   */
  load(state: CheckedState, hazards: Hazard[]): void;
  /** The RangeAllocation bitmaps the version writes to storage, flag order (1.29–1.32; 1.33's dual write). */
  rangeAllocators(): ClusterIPAllocator[];
  /** ServiceCIDR and IPAddress objects (1.33+), or undefined. */
  objects(): ServiceCIDRRegistry | undefined;
  dispose(): void;
}
