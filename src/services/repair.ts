// The repair controller's check: compare the Services that exist with what the allocators hold.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { ClusterIPAllocator } from '../allocator.js';
import { canonicalIPText } from '../address-codec.js';
import { NONE, familyOf, isExternalName, serviceKey, type IPFamily } from './service-fields.js';

export interface RepairOptions {
  /** Mark missing IPs allocated and free leaked ones (after they were leaked in 3 passes). */
  apply?: boolean;
}

export interface ServiceIP { service: string; ip: string }

export interface RepairReport {
  /** Allocated but claimed by no Service; `released` once seen leaked in 3 applied passes in a row. */
  leaked: Array<{ ip: string; passes: number; released: boolean }>;
  /** Claimed by more than one Service. */
  duplicates: Array<{ ip: string; services: string[] }>;
  /** Claimed, but of a family the cluster lacks or outside its range. */
  outOfRange: ServiceIP[];
  /** Claimed and in range, but not marked allocated (marked when applied). */
  notAllocated: ServiceIP[];
  /** Not an IP at all. */
  invalid: ServiceIP[];
}

/** Kubernetes frees a leaked IP only on the third repair pass that finds it leaked. */
export const REPAIRS_BEFORE_LEAK_CLEANUP = 3;

interface Allocators {
  readonly families: readonly IPFamily[];
  allocator(family: IPFamily): ClusterIPAllocator | undefined;
}

export function repairAllocations(ipam: Allocators, services: Service[], options: RepairOptions, leakPasses: Map<string, number>): RepairReport {
  const report: RepairReport = { leaked: [], duplicates: [], outOfRange: [], notAllocated: [], invalid: [] };
  const claims = new Map<string, { family: IPFamily; services: string[] }>();
  for (const service of services) {
    if (isExternalName(service)) continue;
    const key = serviceKey(service);
    const spec = service.spec ?? {};
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    for (const ip of ips) {
      if (ip === NONE || ip === '') continue;
      const family = familyOf(ip);
      if (!family) {
        report.invalid.push({ service: key, ip });
        continue;
      }
      const allocator = ipam.allocator(family);
      if (!allocator || !allocator.contains(ip)) {
        report.outOfRange.push({ service: key, ip });
        continue;
      }
      const canonical = canonicalIPText(ip);
      const claim = claims.get(canonical);
      if (claim) claim.services.push(key);
      else claims.set(canonical, { family, services: [key] });
    }
  }
  for (const [ip, claim] of claims) {
    if (claim.services.length > 1) report.duplicates.push({ ip, services: claim.services });
    const allocator = ipam.allocator(claim.family)!;
    if (!allocator.has(ip)) {
      for (const service of claim.services) report.notAllocated.push({ service, ip });
      if (options.apply) allocator.allocate(ip);
    }
  }
  const stillLeaked = new Set<string>();
  for (const family of ipam.families) {
    const allocator = ipam.allocator(family)!;
    const leakedHere = [...allocator].filter((ip) => !claims.has(ip));
    for (const ip of leakedHere) {
      const passes = (leakPasses.get(ip) ?? 0) + 1;
      const released = options.apply === true && passes >= REPAIRS_BEFORE_LEAK_CLEANUP;
      if (options.apply) {
        if (released) allocator.release(ip);
        else {
          leakPasses.set(ip, passes);
          stillLeaked.add(ip);
        }
      }
      report.leaked.push({ ip, passes, released });
    }
  }
  // A report without apply changes nothing, the pass counts included.
  if (options.apply) for (const ip of [...leakPasses.keys()]) if (!stillLeaked.has(ip)) leakPasses.delete(ip);
  return report;
}
