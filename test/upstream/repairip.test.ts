// kubernetes/kubernetes pkg/registry/core/service/ipallocator/controller/repairip_test.go, ported
// as data (data/repairip_test.json). TestRepairServiceIP runs through ServiceIPAM.repair (one
// runOnce, applied); TestRepairIPAddress_syncIPAddress calls the IPAddress pass alone, as upstream.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, formatRepairEvent, type IPAddress, type IPAddressRepairReport, type ParentReference } from '../../src/index.js';
import { ServiceIndex, syncIPAddresses } from '../../src/services/repair-ipaddress.js';
import { allocationsOf } from '../../src/services/service-allocations.js';
import { AppliedAddress } from '../../src/services/network-objects.js';
import { testClock, upstreamTable } from './load.js';

interface Table {
  TestRepairServiceIP: Array<{
    name: string; svcs: Array<[string, string[]]>; ipAddresses: Array<[string, string]>; cidrs: string[][];
    expectedIPs: string[]; actions: string[][]; events: string[];
  }>;
  TestRepairIPAddress_syncIPAddress: Array<{ name: string; ip: string; family: string; managedBy: string; parentRef: ParentReference; actions: string[][] }>;
}

const table = upstreamTable<Table>('repairip_test.json');
const CREATED = '2012-01-01T00:00:00Z';
const NOW = '2026-01-01T00:00:00Z';

function newService(name: string, ips: string[]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bar', name }, spec: { clusterIP: ips[0], clusterIPs: ips, type: 'ClusterIP' } };
}

function newIPAddress(ip: string, service: string, labels?: { family: string; managedBy: string }, parentRef?: ParentReference): IPAddress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
    metadata: {
      name: ip,
      labels: { 'ipaddress.kubernetes.io/ip-family': labels?.family ?? (ip.includes(':') ? 'IPv6' : 'IPv4'), 'ipaddress.kubernetes.io/managed-by': labels?.managedBy ?? 'ipallocator.k8s.io' },
      creationTimestamp: CREATED,
    },
    spec: { parentRef: parentRef ?? { resource: 'services', namespace: 'bar', name: service } },
  };
}

describe('TestRepairServiceIP', () => {
  it.each(table.TestRepairServiceIP)('$name', (tc) => {
    const clock = testClock(CREATED);
    const [, ...flag] = tc.cidrs[0];
    const ipam = new ServiceIPAM({ serviceClusterIPRange: flag.join(','), reserveKubernetesService: false, now: clock.now });
    for (const [name, ...cidrs] of tc.cidrs.slice(1)) {
      ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs } });
    }
    for (const [ip, service] of tc.ipAddresses) ipam.applyIPAddress(newIPAddress(ip, service));
    clock.set(NOW);
    const report = ipam.repair(tc.svcs.map(([name, ips]) => newService(name, ips)), { apply: true }) as IPAddressRepairReport;
    const names = ipam.ipAddresses().map((a) => a.metadata.name);
    for (const ip of tc.expectedIPs) expect(names).toContain(ip);
    expect(report.actions.map((a) => [a.verb, a.resource])).toEqual(tc.actions);
    expect(report.events.map(formatRepairEvent)).toEqual(tc.events);
    ipam.dispose();
  });
});

describe('TestRepairIPAddress_syncIPAddress', () => {
  it.each(table.TestRepairIPAddress_syncIPAddress)('$name', (tc) => {
    const address = newIPAddress(tc.ip, 'foo', { family: tc.family, managedBy: tc.managedBy }, tc.parentRef);
    const report: IPAddressRepairReport = { model: 'ipaddress', events: [], actions: [] };
    const world = { serviceCIDRs: [], addresses: new Map([[tc.ip, new AppliedAddress(address)]]), now: Date.parse(NOW) };
    syncIPAddresses(world, report, new ServiceIndex([allocationsOf(newService('foo', [tc.ip]))]));
    expect(report.actions.map((a) => [a.verb, a.resource])).toEqual(tc.actions);
  });
});
