// The node port cases of kubernetes/kubernetes pkg/registry/core/service/storage/storage_test.go
// (data/storage_test.json) and rest_test.go's TestUpdateNodePorts (data/rest_test.json), played
// through ServiceIPAM on newStorage's ranges (10.0.0.0/16, 2000::/108, ports 30000-32767). Where
// upstream only checks that a request fails, we also check that it changed nothing.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM } from '../../src/index.js';
import { upstreamTable } from './load.js';
import { makeService, type Tweak } from './svctest.js';

interface Case { name: string; tweaks: Tweak[]; expectError?: boolean; expectNodePorts?: boolean; expectHCNP?: boolean; clusterFamilies?: Array<'IPv4' | 'IPv6'> }
interface Table {
  newStorage: Record<'IPv4' | 'IPv6', string>;
  nodePortRange: string;
  TestCreateInitNodePorts: { cases: Case[] };
  TestCreateExternalTrafficPolicy: Case[];
  TestCreateDeleteReuse: Case[];
  TestCreateSkipsAllocationsForHeadless: { cases: Case[] };
  TestDeleteTypes: Case[];
}
interface RestTable {
  TestUpdateNodePorts: Array<{ name: string; old: Tweak[]; new: Tweak[]; expectSpecifiedNodePorts: number[] }>;
}

const table = upstreamTable<Table>('storage_test.json');
const rest = upstreamTable<RestTable>('rest_test.json');

function newStorage(families: Array<'IPv4' | 'IPv6'> = ['IPv4']): ServiceIPAM {
  return new ServiceIPAM({
    serviceClusterIPRange: families.map((f) => table.newStorage[f]).join(','),
    serviceNodePortRange: table.nodePortRange, reserveKubernetesService: false, seed: 11,
  });
}

const state = (ipam: ServiceIPAM) => JSON.stringify(ipam.snapshot());
const nodePortsOf = (service: Service) => (service.spec!.ports ?? []).map((p) => p.nodePort ?? 0);

/** Creates, or — for an expected error — requires a failure that leaves every range as it was. */
function createOrFail(ipam: ServiceIPAM, tc: Case): Service | undefined {
  const request = makeService('foo', tc.tweaks);
  if (tc.expectError) {
    const before = state(ipam);
    expect(() => ipam.create(request)).toThrow();
    expect(state(ipam)).toBe(before);
    return undefined;
  }
  return ipam.create(request);
}

describe('TestCreateInitNodePorts', () => {
  it.each(table.TestCreateInitNodePorts.cases)('$name', (tc) => {
    const ipam = newStorage();
    const created = createOrFail(ipam, tc);
    if (created) {
      const requested = makeService('foo', tc.tweaks).spec!.ports!;
      const ports = nodePortsOf(created);
      const allocated = ports.filter((n) => n !== 0);
      if (!tc.expectNodePorts) {
        expect(allocated).toEqual([]);
      } else {
        expect(allocated.length).toBe(requested.length);
        for (const port of allocated) expect(ipam.nodePortAllocator.has(port)).toBe(true);
        requested.forEach((p, i) => { if (p.nodePort) expect(ports[i]).toBe(p.nodePort); });
        // The same nodePort only for entries of the same port number (different protocols).
        const portFor = new Map<number, number>();
        created.spec!.ports!.forEach((p) => {
          if (portFor.has(p.nodePort!)) expect(portFor.get(p.nodePort!)).toBe(p.port);
          portFor.set(p.nodePort!, p.port);
        });
        expect(ipam.nodePortAllocator.used).toBe(new Set(allocated).size);
      }
    }
    ipam.dispose();
  });
});

describe('TestCreateExternalTrafficPolicy', () => {
  it.each(table.TestCreateExternalTrafficPolicy)('$name', (tc) => {
    const ipam = newStorage();
    const created = createOrFail(ipam, tc);
    if (created) {
      const hcnp = created.spec!.healthCheckNodePort ?? 0;
      if (!tc.expectHCNP) {
        expect(hcnp).toBe(0);
      } else {
        expect(hcnp).not.toBe(0);
        expect(ipam.nodePortAllocator.has(hcnp)).toBe(true);
        const requested = makeService('foo', tc.tweaks).spec!.healthCheckNodePort ?? 0;
        if (requested !== 0) expect(hcnp).toBe(requested);
        for (const port of nodePortsOf(created)) expect(port).not.toBe(hcnp);
      }
    }
    ipam.dispose();
  });
});

describe('TestCreateDeleteReuse', () => {
  it.each(table.TestCreateDeleteReuse)('$name', (tc) => {
    const ipam = newStorage(['IPv4', 'IPv6']);
    const created = ipam.create(makeService('foo', tc.tweaks));
    const ips = created.spec!.clusterIPs!;
    const ports = nodePortsOf(created);
    for (const ip of ips) expect(ipam.isAllocated(ip)).toBe(true);
    for (const port of ports) expect(ipam.nodePortAllocator.has(port)).toBe(true);
    ipam.delete(created);
    for (const ip of ips) expect(ipam.isAllocated(ip)).toBe(false);
    for (const port of ports) expect(ipam.nodePortAllocator.has(port)).toBe(false);
    const again = makeService('foo2', tc.tweaks);
    again.spec!.clusterIP = created.spec!.clusterIP;
    again.spec!.clusterIPs = ips;
    again.spec!.ports = created.spec!.ports;
    ipam.create(again);
    for (const ip of ips) expect(ipam.isAllocated(ip)).toBe(true);
    for (const port of ports) expect(ipam.nodePortAllocator.has(port)).toBe(true);
    ipam.dispose();
  });
});

describe('TestCreateSkipsAllocationsForHeadless', () => {
  it.each(table.TestCreateSkipsAllocationsForHeadless.cases)('$name', (tc) => {
    const ipam = newStorage(tc.clusterFamilies);
    createOrFail(ipam, tc);
    expect(ipam.nodePortAllocator.used).toBe(0);
    ipam.dispose();
  });
});

describe('TestDeleteTypes', () => {
  it.each(table.TestDeleteTypes)('$name', (tc) => {
    const ipam = newStorage(['IPv4', 'IPv6']);
    const empty = state(ipam);
    const created = ipam.create(makeService('foo', tc.tweaks));
    ipam.delete(created);
    // Everything it held (IPs, node ports, the health-check port) is free again.
    expect(state(ipam)).toBe(empty);
    ipam.dispose();
  });
});

describe('TestUpdateNodePorts', () => {
  it.each(rest.TestUpdateNodePorts)('$name', (tc) => {
    const ipam = newStorage();
    const old = ipam.create(makeService('foo', tc.old));
    const update = makeService('foo', tc.new);
    update.spec!.clusterIP = old.spec!.clusterIP;
    update.spec!.clusterIPs = old.spec!.clusterIPs;
    const updated = ipam.update(old, update);
    const ports = nodePortsOf(updated).filter((n) => n !== 0);
    if (tc.expectSpecifiedNodePorts.length === 0) {
      expect(ports.length).toBe(updated.spec!.ports!.length);
    } else {
      expect(ports).toEqual(tc.expectSpecifiedNodePorts);
    }
    for (const port of ports) expect(ipam.nodePortAllocator.has(port)).toBe(true);
    // Nothing else stays allocated: the old Service's ports that the update dropped were released.
    expect([...ipam.nodePortAllocator]).toEqual([...new Set(ports)].sort((a, b) => a - b));
    ipam.dispose();
  });
});
