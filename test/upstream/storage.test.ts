// kubernetes/kubernetes pkg/registry/core/service/storage/storage_test.go, ported as data
// (data/storage_test.json): the IP-family cases of Service creation, played through
// ServiceIPAM.create on a fresh cluster of the table's families (newStorage's ranges).
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, ServiceValidationError } from '../../src/index.js';
import { upstreamTable } from './load.js';

type Row = string[];
interface Table {
  newStorage: Record<'IPv4' | 'IPv6', string>;
  TestCreateInitIPFields: {
    ips: Record<'v4' | 'v6', string>;
    families: string[];
    clusters: Array<{ name: string; clusterFamilies: Array<'IPv4' | 'IPv6'>; groups: Record<string, Record<string, Row>> }>;
  };
  TestCreateInvalidClusterIPInputs: Array<{ name: string; families: Array<'IPv4' | 'IPv6'>; spec: Service['spec']; expect: string[] }>;
}

const table = upstreamTable<Table>('storage_test.json');
const FAMILY_LISTS: Record<string, Array<'IPv4' | 'IPv6'> | undefined> = {
  unset: undefined, v4: ['IPv4'], v6: ['IPv6'], v4v6: ['IPv4', 'IPv6'], v6v4: ['IPv6', 'IPv4'],
};

// svctest.MakeService: ClusterIP type, a selector, one TCP port.
function makeService(spec: Service['spec'] = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'foo', namespace: 'default' },
    spec: { type: 'ClusterIP', selector: { k: 'v' }, sessionAffinity: 'None', ports: [{ port: 93, targetPort: 76, protocol: 'TCP' }], ...spec },
  };
}

function newStorage(families: Array<'IPv4' | 'IPv6'>): ServiceIPAM {
  return new ServiceIPAM({ serviceClusterIPRange: families.map((f) => table.newStorage[f]).join(','), reserveKubernetesService: false, seed: 1 });
}

interface InitCase { name: string; spec: Service['spec']; headless: boolean; expected: string }

function initCases(groups: Record<string, Record<string, Row>>): InitCase[] {
  const { ips, families } = table.TestCreateInitIPFields;
  const cases: InitCase[] = [];
  for (const [group, policies] of Object.entries(groups)) {
    for (const [policyKey, row] of Object.entries(policies)) {
      const policy = policyKey.slice('Policy:'.length);
      row.forEach((expected, i) => {
        const spec: Service['spec'] = {};
        if (group.startsWith('ClusterIPs:') && group !== 'ClusterIPs:unset') {
          const list = group.slice('ClusterIPs:'.length).match(/v[46]/g)!.map((f) => ips[f as 'v4' | 'v6']);
          spec.clusterIP = list[0];
          spec.clusterIPs = list;
        }
        const headless = group.startsWith('Headless');
        if (headless) {
          spec.clusterIP = 'None';
          spec.clusterIPs = ['None'];
        }
        if (policy !== 'unset') spec.ipFamilyPolicy = policy;
        const familyList = FAMILY_LISTS[families[i]];
        if (familyList) spec.ipFamilies = familyList;
        const service = makeService(spec);
        if (group === 'HeadlessSelectorless') delete service.spec!.selector;
        cases.push({ name: `${group}_${policyKey}_Families:${families[i]}`, spec: service.spec, headless, expected });
      });
    }
  }
  return cases;
}

describe.each(table.TestCreateInitIPFields.clusters)('TestCreateInitIPFields $name', (cluster) => {
  it.each(initCases(cluster.groups))('$name', (tc) => {
    const ipam = newStorage(cluster.clusterFamilies);
    const request: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'foo', namespace: 'default' }, spec: tc.spec };
    if (tc.expected === 'error') {
      expect(() => ipam.create(request)).toThrow(ServiceValidationError);
      expect(ipam.list()).toEqual([]);
    } else {
      const [policy, families] = tc.expected.split(' ');
      const created = ipam.create(request);
      expect(created.spec!.ipFamilyPolicy).toBe(policy);
      expect(created.spec!.ipFamilies).toEqual(families.split(','));
      if (tc.headless) {
        expect(created.spec!.clusterIPs).toEqual(['None']);
      } else {
        // proveClusterIPsAllocated: one IP per family, of that family, held by the allocator.
        expect(created.spec!.clusterIPs).toHaveLength(created.spec!.ipFamilies!.length);
        created.spec!.clusterIPs!.forEach((ip, i) => expect(ip.includes(':')).toBe(created.spec!.ipFamilies![i] === 'IPv6'));
        for (const ip of created.spec!.clusterIPs!) expect(ipam.isAllocated(ip)).toBe(true);
      }
    }
    ipam.dispose();
  });
});

describe('TestCreateInvalidClusterIPInputs', () => {
  it.each(table.TestCreateInvalidClusterIPInputs)('$name', (tc) => {
    const ipam = newStorage(tc.families);
    const spec = { ...tc.spec };
    if (spec.clusterIPs) spec.clusterIP = spec.clusterIPs[0];
    let message = '';
    try {
      ipam.create(makeService(spec));
    } catch (error) {
      message = (error as Error).message;
    }
    for (const text of tc.expect) expect(message).toContain(text);
    expect(ipam.list()).toEqual([]);
    ipam.dispose();
  });
});
