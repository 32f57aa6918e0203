// kubernetes/kubernetes pkg/controller/servicecidrs/servicecidrs_controller_test.go, ported as
// data (data/servicecidrs_controller_test.json). The controller's API calls are observed as the
// object states they produce in a ServiceIPAM (finalizer, Ready condition, object gone); its
// tree helpers are our pure functions in service-cidr-index.ts.
import { describe, expect, it } from 'vitest';
import { ServiceIPAM, type IPAddress, type ServiceCIDR } from '../../src/index.js';
import { parseIPSloppy } from '../../src/ip-sloppy.js';
import { containingServiceCIDRs, overlappingServiceCIDRs } from '../../src/services/service-cidr-index.js';
import { testClock, upstreamTable } from './load.js';

type CIDRRef = { ref: string } | { name: string; cidrs: string[] };
interface Table {
  serviceCIDRs: Record<string, { cidrs: string[]; deleted: 'now' | 'past-grace' }>;
  TestControllerSync: Array<{ name: string; cidrs: CIDRRef[]; ips: string[]; cidrSynced: string; actions: string[][] }>;
  TestController_canDeleteCIDR: Array<{ name: string; cidrs: string[][]; ips: string[]; want: boolean }>;
  canDeleteCIDRSynced: string[];
  TestController_ipToCidrs: Array<{ name: string; cidrs: string[][]; ip: string; want: string[] }>;
  TestController_cidrToCidrs: Array<{ name: string; cidrs: string[][]; want: string[] }>;
  cidrToCidrsTarget: string[];
}

const table = upstreamTable<Table>('servicecidrs_controller_test.json');
const GRACE_MS = 10_000;
const TERMINATING = 'There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR';

const serviceCIDR = (name: string, ...cidrs: string[]): ServiceCIDR =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs } });

// makeIPAddress. The API server only stores canonical names, so upstream's "2001:0db2::…"
// fixture (put straight into an informer cache) is created under its canonical name.
function ipAddress(name: string): IPAddress {
  const ip = parseIPSloppy(name)!;
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
    metadata: { name: ip.canonical, labels: { 'ipaddress.kubernetes.io/ip-family': ip.family === 4 ? 'IPv4' : 'IPv6', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
    spec: { parentRef: { resource: 'services', namespace: 'bar', name: 'holder' } },
  };
}

const ready = (object: ServiceCIDR | undefined) => object?.status?.conditions?.find((c) => c.type === 'Ready');

describe('TestControllerSync', () => {
  it.each(table.TestControllerSync)('$name', (tc) => {
    const clock = testClock('2026-01-01T00:00:00Z');
    const objects = tc.cidrs.map((c) => ('ref' in c ? { name: c.ref, ...table.serviceCIDRs[c.ref] } : { ...c, deleted: undefined }));
    const isDefault = tc.cidrSynced === 'kubernetes';
    const flag = isDefault ? objects[0].cidrs.join(',') : '172.16.0.0/24';
    const ipam = new ServiceIPAM({ serviceClusterIPRange: flag, reserveKubernetesService: false, now: clock.now });
    for (const o of objects) if (!isDefault) ipam.applyServiceCIDR(serviceCIDR(o.name, ...o.cidrs));
    for (const ip of tc.ips) ipam.applyIPAddress(ipAddress(ip));
    const deleted = objects.find((o) => o.name === tc.cidrSynced)?.deleted;
    if (deleted) ipam.deleteServiceCIDR(tc.cidrSynced);
    if (deleted === 'past-grace') clock.advance(GRACE_MS + 1000);

    const synced = ipam.serviceCIDRs().find((o) => o.metadata.name === tc.cidrSynced);
    const verbs = tc.actions.map(([verb, , sub]) => `${verb} ${sub}`);
    if (tc.cidrSynced === '') {
      expect(ipam.serviceCIDRs().map((o) => o.metadata.name)).toEqual(['kubernetes']);
    } else if (verbs.join() === 'patch ,patch status') {
      // Finalizer added, then the Ready condition.
      expect(synced?.metadata.finalizers).toContain('networking.k8s.io/service-cidr-finalizer');
      expect(ready(synced)).toMatchObject({ status: 'True', message: 'Kubernetes Service CIDR is ready' });
    } else if (verbs.join() === 'patch ') {
      // The finalizer is removed: the object is gone.
      expect(synced).toBeUndefined();
    } else if (verbs.join() === 'patch status') {
      expect(ready(synced)).toMatchObject({ status: 'False', reason: 'Terminating', message: TERMINATING });
    } else {
      expect(verbs).toEqual([]);
      expect(synced?.metadata.deletionTimestamp).toBeDefined();
      expect(synced?.metadata.finalizers).toContain('networking.k8s.io/service-cidr-finalizer');
      expect(ready(synced)?.reason).not.toBe('Terminating');
    }
    ipam.dispose();
  });
});

describe('TestController_canDeleteCIDR', () => {
  it.each(table.TestController_canDeleteCIDR)('$name', (tc) => {
    const clock = testClock('2026-01-01T00:00:00Z');
    const [name, ...cidrs] = table.canDeleteCIDRSynced;
    const ipam = new ServiceIPAM({ serviceClusterIPRange: cidrs.join(','), reserveKubernetesService: false, now: clock.now });
    for (const [other, ...otherCIDRs] of tc.cidrs) if (other !== name) ipam.applyServiceCIDR(serviceCIDR(other, ...otherCIDRs));
    for (const ip of tc.ips) ipam.applyIPAddress(ipAddress(ip));
    const during = ipam.deleteServiceCIDR(name);
    expect(ready(during)?.reason === 'Terminating').toBe(!tc.want);
    clock.advance(GRACE_MS);
    const after = ipam.serviceCIDRs().find((o) => o.metadata.name === name)!;
    // Deleted and recreated by the default-ServiceCIDR controller, or still blocked.
    expect(after.metadata.deletionTimestamp === undefined).toBe(tc.want);
    ipam.dispose();
  });
});

const objectsOf = (rows: string[][]) => rows.map(([name, ...cidrs]) => serviceCIDR(name, ...cidrs));

describe('TestController_ipToCidrs', () => {
  it.each(table.TestController_ipToCidrs)('$name', (tc) => {
    expect(containingServiceCIDRs(objectsOf(tc.cidrs), tc.ip).sort()).toEqual([...tc.want].sort());
  });
});

describe('TestController_cidrToCidrs', () => {
  it.each(table.TestController_cidrToCidrs)('$name', (tc) => {
    const [target] = objectsOf([table.cidrToCidrsTarget]);
    expect(overlappingServiceCIDRs(objectsOf(tc.cidrs), target).sort()).toEqual([...tc.want].sort());
  });
});
