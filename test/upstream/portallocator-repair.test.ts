// kubernetes/kubernetes pkg/registry/core/service/portallocator/controller/repair_test.go, ported
// as data (data/portallocator_repair_test.json): ServiceIPAM.repair's node port part, applied, on a
// ServiceIPAM whose node port range is the test's. Upstream's registry (the RangeAllocation it
// reads and writes back) is the ServiceIPAM's own node port allocator here.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM } from '../../src/index.js';
import { upstreamTable } from './load.js';

interface Table {
  TestRepairLeak: { range: string; leaked: number; numRepairsBeforeLeakCleanup: number };
  TestRepairWithExisting: { range: string; services: Array<{ namespace: string; name: string; nodePorts: number[] }>; has: number[]; free: number };
}
const table = upstreamTable<Table>('portallocator_repair_test.json');
const ipamFor = (range: string) => new ServiceIPAM({ serviceNodePortRange: range, reserveKubernetesService: false, seed: 1 });

describe('TestRepairLeak', () => {
  it('a leaked port survives the hold-off passes and is freed on the last', () => {
    const tc = table.TestRepairLeak;
    const ipam = ipamFor(tc.range);
    ipam.nodePortAllocator.allocate(tc.leaked);
    for (let i = 0; i < tc.numRepairsBeforeLeakCleanup - 1; i++) {
      ipam.repair([], { apply: true });
      expect(ipam.nodePortAllocator.has(tc.leaked)).toBe(true);
    }
    const last = ipam.repair([], { apply: true });
    expect(last.nodePorts.leaked).toEqual([{ port: tc.leaked, passes: tc.numRepairsBeforeLeakCleanup, released: true }]);
    expect(ipam.nodePortAllocator.has(tc.leaked)).toBe(false);
    ipam.dispose();
  });
});

describe('TestRepairWithExisting', () => {
  it('marks the ports Services hold, and reports (does not mark) out-of-range and duplicate ones', () => {
    const tc = table.TestRepairWithExisting;
    const ipam = ipamFor(tc.range);
    const services: Service[] = tc.services.map((s) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: s.namespace, name: s.name },
      spec: { ports: s.nodePorts.map((nodePort) => ({ port: 80, ...(nodePort ? { nodePort } : {}) })) },
    }));
    const report = ipam.repair(services, { apply: true }).nodePorts;
    for (const port of tc.has) expect(ipam.nodePortAllocator.has(port)).toBe(true);
    expect(ipam.nodePortAllocator.free).toBe(BigInt(tc.free));
    expect(report.outOfRange).toEqual([{ service: 'three/three', port: 201 }]);
    expect(report.duplicates).toEqual([{ port: 111, services: ['one/one', 'five/five'] }]);
    ipam.dispose();
  });
});
