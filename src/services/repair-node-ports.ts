// The node port repair controller (portallocator/controller/repair.go), in every version: compare
// the ports Services hold with the port bitmap. Missing ports are marked at once; leaked ones are
// freed on the third consecutive applied pass that finds them, as for IPs.
import type { NodePortAllocator } from '../node-port-allocator.js';
import { countLeaks, type RepairOptions } from './repair.js';
import { nodePortHolders, type ServiceAllocations } from './service-allocations.js';

export interface ServicePortClaim { service: string; port: number }

export interface NodePortRepairReport {
  range: string;
  /** PortNotAllocated: held by a Service but not marked allocated (marked when applied). */
  notAllocated: ServicePortClaim[];
  /** PortAlreadyAllocated: held by more than one Service ("please recreate"). */
  duplicates: Array<{ port: number; services: string[] }>;
  /** PortOutOfRange: held by a Service but outside the range ("please recreate"). */
  outOfRange: ServicePortClaim[];
  /** Allocated but held by no Service; `released` on the third applied pass in a row. */
  leaked: Array<{ port: number; passes: number; released: boolean }>;
}

export function repairNodePorts(
  allocator: NodePortAllocator, services: Iterable<ServiceAllocations>, options: RepairOptions, leakPasses: Map<number, number>,
): NodePortRepairReport {
  const report: NodePortRepairReport = { range: allocator.portRange, notAllocated: [], duplicates: [], outOfRange: [], leaked: [] };
  // A Service holds a port once however many of its entries share it (53/TCP and 53/UDP).
  const holders = nodePortHolders(services);
  for (const [port, keys] of holders) {
    if (!Number.isInteger(port) || !allocator.contains(port)) {
      for (const key of keys) report.outOfRange.push({ service: key, port });
      holders.delete(port);
      continue;
    }
    if (keys.length > 1) report.duplicates.push({ port, services: keys });
    if (!allocator.has(port)) {
      report.notAllocated.push({ service: keys[0], port });
      if (options.apply) allocator.allocate(port);
    }
  }
  const leaks = [...allocator].filter((port) => !holders.has(port)).map((port) => ({ key: port, release: () => allocator.release(port) }));
  for (const { key, passes, released } of countLeaks(leaks, options, leakPasses)) report.leaked.push({ port: key, passes, released });
  return report;
}
