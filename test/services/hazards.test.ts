// The API server's own hazards (issue 24, item 2): where kube-apiserver can hand out a duplicate,
// ServiceIPAM does the same, the request that opens the hazard says so in `hazards`, the repair
// controllers report the duplicate, and the state still round-trips (item 1). Each case names the
// upstream code in hazards.ts; the verdicts are in the README's hazards table.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, type Hazard, type IPAddressRepairReport } from '../../src/index.js';
import { emptyIPAM, manualClock, svc } from './helpers.js';

const nodePort = (name: string, port: number): Service => svc(name, { type: 'NodePort', ports: [{ port: 80, nodePort: port }] });
const externalName = (name: string, port?: number): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { type: 'ExternalName', externalName: 'db.example.com', ...(port === undefined ? {} : { ports: [{ port: 80, nodePort: port }] }) },
});

function roundTrips(ipam: ServiceIPAM): Hazard[] {
  const state = JSON.parse(JSON.stringify(ipam.snapshot()));
  const copy = new ServiceIPAM({ serviceClusterIPRange: ipam.ranges.join(','), kubernetesVersion: ipam.kubernetesVersion });
  const hazards: Hazard[] = [];
  copy.restore(state, { hazards });
  expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(state));
  return hazards;
}

describe('1. a node port an ExternalName Service lists (accepted, not allocated) round-trips', () => {
  it.each(['1.36', '1.32'])('%s: update with ports[0].nodePort 30018, then restore(snapshot()) gives the same state', (version) => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: version, seed: 1 });
    ipam.create(externalName('b'));
    const hazards: Hazard[] = [];
    const stored = ipam.update(externalName('b'), externalName('b', 30018), { hazards });
    expect(stored.spec?.ports?.[0].nodePort).toBe(30018);
    expect(ipam.nodePortAllocator.has(30018)).toBe(false);
    expect(hazards).toEqual([expect.objectContaining({ code: 'node-port-not-allocated', service: 'default/b', port: 30018 })]);
    expect(roundTrips(ipam)).toEqual([expect.objectContaining({ code: 'node-port-not-allocated', port: 30018 })]);
  });
});

describe('2a. deleting an ExternalName Service releases a node port another Service holds (alloc.go releaseAllocatedResources)', () => {
  it('the delete reports it, the next request can take the port, and repair finds the duplicate', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.create(nodePort('a', 30024));
    const created: Hazard[] = [];
    ipam.create(externalName('b', 30024), { hazards: created });
    expect(created).toEqual([expect.objectContaining({ code: 'node-port-not-allocated', port: 30024, holders: ['default/a'] })]);
    const deleted: Hazard[] = [];
    ipam.delete(externalName('b'), { hazards: deleted });
    expect(deleted).toEqual([expect.objectContaining({ code: 'node-port-released-while-held', port: 30024, holders: ['default/a'] })]);
    expect(ipam.nodePortAllocator.has(30024)).toBe(false);
    // As in the API server, the port is free: a request for it succeeds while a still holds it.
    ipam.create(nodePort('c', 30024));
    expect(ipam.repair().nodePorts.duplicates).toEqual([{ port: 30024, services: ['default/a', 'default/c'] }]);
    expect(roundTrips(ipam).map((h) => h.code)).toEqual(['node-port-shared']);
  });
});

describe('2b. an ExternalName Service changed to NodePort keeps its listed port without allocating it (alloc.go updateNodePorts)', () => {
  it('two live NodePort Services share the port; the update reports it and repair finds it', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.create(nodePort('a', 30024));
    ipam.create(externalName('b', 30024));
    const hazards: Hazard[] = [];
    const b = ipam.update(externalName('b'), nodePort('b', 30024), { hazards });
    expect(b.spec?.ports?.[0].nodePort).toBe(30024);
    expect(hazards).toEqual([expect.objectContaining({ code: 'node-port-shared', service: 'default/b', port: 30024, holders: ['default/a'] })]);
    expect(ipam.repair().nodePorts.duplicates).toEqual([{ port: 30024, services: ['default/a', 'default/b'] }]);
    expect(roundTrips(ipam).map((h) => h.code)).toEqual(['node-port-shared']);
  });

  it('kept alone, the port is never allocated: the update says the next allocation may hand it out', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.create(externalName('b', 30500));
    const hazards: Hazard[] = [];
    ipam.update(externalName('b'), nodePort('b', 30500), { hazards });
    expect(hazards).toEqual([expect.objectContaining({ code: 'node-port-not-allocated', port: 30500 })]);
    expect(ipam.nodePortAllocator.has(30500)).toBe(false);
    expect(ipam.repair().nodePorts.notAllocated).toEqual([{ service: 'default/b', port: 30500 }]);
  });
});

describe('2c. 1.36: clusterIP in non-canonical IPv6 text loses its IPAddress to repair (repairip.go compares texts)', () => {
  it('the create says so; repair deletes the IPAddress; the IP can be taken again; the next pass reports the duplicate', () => {
    const clock = manualClock();
    const ipam = emptyIPAM({ serviceClusterIPRange: 'fd00:10:96::/112', seed: 1, now: clock.now });
    const hazards: Hazard[] = [];
    const warnings: string[] = [];
    ipam.create(svc('upper', { clusterIP: 'FD00:10:96::4' }), { hazards, warnings });
    expect(warnings[0]).toContain('should be in RFC 5952 canonical format');
    expect(hazards).toEqual([expect.objectContaining({ code: 'ip-text-not-canonical', ip: 'fd00:10:96::4', service: 'default/upper' })]);
    const first = ipam.repair(undefined, { apply: true }) as IPAddressRepairReport;
    expect(first.events.map((e) => e.reason)).toEqual(['IPAddressWrongReference']);
    expect(ipam.isAllocated('fd00:10:96::4')).toBe(false);
    ipam.create(svc('second', { clusterIP: 'fd00:10:96::4' }));
    const second = ipam.repair() as IPAddressRepairReport;
    expect(second.events.map((e) => e.reason)).toEqual(['ClusterIPAlreadyAllocated']);
    expect(roundTrips(ipam).map((h) => h.code)).toEqual(['ip-shared']);
  });

  it('1.32 (bitmap model) has no such hazard: the bit is set by the canonical address', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: 'fd00:10:96::/112', seed: 1, kubernetesVersion: '1.32' });
    const hazards: Hazard[] = [];
    ipam.create(svc('upper', { clusterIP: 'FD00:10:96::4' }), { hazards });
    expect(hazards).toEqual([]);
    ipam.repair(undefined, { apply: true });
    expect(ipam.isAllocated('fd00:10:96::4')).toBe(true);
  });
});

describe('2d. deleting an IPAddress a Service holds frees the IP until repair recreates it', () => {
  it('deleteIPAddress reports it; a static request can take the IP; repair reports the duplicate', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.create(svc('a', { clusterIP: '10.96.0.5' }));
    const hazards: Hazard[] = [];
    expect(ipam.deleteIPAddress('10.96.0.5', { hazards })).toBe(true);
    expect(hazards).toEqual([expect.objectContaining({ code: 'ipaddress-deleted-while-held', ip: '10.96.0.5', service: 'default/a' })]);
    ipam.create(svc('b', { clusterIP: '10.96.0.5' }));
    const report = ipam.repair() as IPAddressRepairReport;
    expect(report.events.map((e) => e.reason)).toContain('ClusterIPAlreadyAllocated');
    expect(roundTrips(ipam).map((h) => h.code)).toEqual(['ip-shared']);
  });

  it('deleting an IPAddress nobody holds is not a hazard', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.9' }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'x', name: 'gw' } } });
    const hazards: Hazard[] = [];
    expect(ipam.deleteIPAddress('10.96.0.9', { hazards })).toBe(true);
    expect(hazards).toEqual([]);
  });
});

describe('no hazard on the ordinary paths', () => {
  it('NodePort, LoadBalancer and ClusterIP Services created, updated and deleted report nothing', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24,fd00::/112', seed: 3 });
    const hazards: Hazard[] = [];
    ipam.create(nodePort('a', 30100), { hazards });
    ipam.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }), { hazards });
    ipam.create(svc('c', { ipFamilyPolicy: 'PreferDualStack' }), { hazards });
    ipam.update(nodePort('a', 30100), svc('a', { type: 'ClusterIP', ports: [{ port: 80 }] }), { hazards });
    ipam.delete(svc('lb'), { hazards });
    ipam.delete(svc('c'), { hazards });
    expect(hazards).toEqual([]);
  });
});
