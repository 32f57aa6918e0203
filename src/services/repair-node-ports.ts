// The node port repair controller (portallocator/controller/repair.go), in every version: compare
// the ports Services hold with the port bitmap. Missing ports are marked at once; leaked ones are
// freed on the third consecutive applied pass that finds them, as for IPs.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { NodePortAllocator } from '../node-port-allocator.js';
import { countLeaks, type RepairOptions } from './repair.js';
import { heldNodePorts } from './node-ports.js';
import { serviceKey } from './service-fields.js';

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
  allocator: NodePortAllocator, services: readonly Service[], options: RepairOptions, leakPasses: Map<number, number>,
): NodePortRepairReport {
  const report: NodePortRepairReport = { range: allocator.portRange, notAllocated: [], duplicates: [], outOfRange: [], leaked: [] };
  const holders = new Map<number, string[]>();
  for (const service of services) {
    const key = serviceKey(service);
    // A Service holds a port once however many of its entries share it (53/TCP and 53/UDP).
    for (const port of heldNodePorts(service)) {
      if (!Number.isInteger(port) || !allocator.contains(port)) {
        report.outOfRange.push({ service: key, port });
        continue;
      }
      const list = holders.get(port);
      if (list) list.push(key);
      else holders.set(port, [key]);
    }
  }
  for (const [port, keys] of holders) {
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
