// The legacy repair controller (1.29–1.32, ipallocator/controller/repair.go): compare the Services
// that exist with what the range bitmaps hold. Leaked IPs are freed on the third consecutive pass
// that finds them; missing ones are marked at once.
import type { ClusterIPAllocator } from '../allocator.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { allocationsKey, type ServiceAllocations } from './service-allocations.js';
import { NONE, type IPFamily } from './service-fields.js';

/** repair() options. */
export interface RepairOptions {
  /** Make the changes: mark missing IPs (and free leaked ones after 3 passes) or, from 1.33, create and delete IPAddresses. */
  apply?: boolean;
}

/** An IP as one Service claims it. */
export interface ServiceIP {
  /** The Service's "namespace/name". */
  service: string;
  /** The IP, as the Service lists it. */
  ip: string;
}

/** What the bitmap repair controller (1.29–1.32) finds, by kind of finding. */
export interface BitmapRepairReport {
  /** Which repair controller ran: the bitmap one. */
  model: 'bitmap';
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

export function repairBitmaps(
  allocators: ReadonlyMap<IPFamily, ClusterIPAllocator>, services: Iterable<ServiceAllocations>, options: RepairOptions, leakPasses: Map<string, number>,
): BitmapRepairReport {
  const report: BitmapRepairReport = { model: 'bitmap', leaked: [], duplicates: [], outOfRange: [], notAllocated: [], invalid: [] };
  const claims = new Map<string, { family: IPFamily; services: string[] }>();
  for (const service of services) {
    if (service.type === 'ExternalName') continue;
    const key = allocationsKey(service);
    const ips = service.clusterIPs.length > 0 ? service.clusterIPs : service.clusterIP ? [service.clusterIP] : [];
    for (const text of ips) {
      if (text === NONE || text === '') continue;
      const ip = parseIPSloppy(text);
      if (ip === null) {
        report.invalid.push({ service: key, ip: text });
        continue;
      }
      const family: IPFamily = ip.family === 4 ? 'IPv4' : 'IPv6';
      const allocator = allocators.get(family);
      if (!allocator || !allocator.contains(ip.canonical)) {
        report.outOfRange.push({ service: key, ip: text });
        continue;
      }
      const claim = claims.get(ip.canonical);
      if (claim) claim.services.push(key);
      else claims.set(ip.canonical, { family, services: [key] });
    }
  }
  for (const [ip, claim] of claims) {
    if (claim.services.length > 1) report.duplicates.push({ ip, services: claim.services });
    const allocator = allocators.get(claim.family)!;
    if (!allocator.has(ip)) {
      for (const service of claim.services) report.notAllocated.push({ service, ip });
      if (options.apply) allocator.allocate(ip);
    }
  }
  const leaks = [...allocators.values()].flatMap((allocator) =>
    [...allocator].filter((ip) => !claims.has(ip)).map((ip) => ({ key: ip, release: () => allocator.release(ip) })));
  for (const { key, passes, released } of countLeaks(leaks, options, leakPasses)) report.leaked.push({ ip: key, passes, released });
  return report;
}

/**
 * The leak bookkeeping both repair controllers share: a leak is freed on the third consecutive
 * applied pass that finds it; a pass that no longer finds it forgets its count. A report without
 * apply changes nothing, the pass counts included.
 */
export function countLeaks<K>(
  leaks: ReadonlyArray<{ key: K; release: () => unknown }>, options: RepairOptions, leakPasses: Map<K, number>,
): Array<{ key: K; passes: number; released: boolean }> {
  const found: Array<{ key: K; passes: number; released: boolean }> = [];
  const stillLeaked = new Set<K>();
  for (const { key, release } of leaks) {
    const passes = (leakPasses.get(key) ?? 0) + 1;
    const released = options.apply === true && passes >= REPAIRS_BEFORE_LEAK_CLEANUP;
    if (options.apply) {
      if (released) release();
      else {
        leakPasses.set(key, passes);
        stillLeaked.add(key);
      }
    }
    found.push({ key, passes, released });
  }
  if (options.apply) for (const key of [...leakPasses.keys()]) if (!stillLeaked.has(key)) leakPasses.delete(key);
  return found;
}
