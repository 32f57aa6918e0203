// The 1.33+ objects: ServiceCIDRs (create, append-only update, delete with its finalizer and
// grace period), IPAddresses held by others, the MetaAllocator's rules and 1.33's dual write.
import { describe, expect, it } from 'vitest';
import {
  ClusterIPAllocator, NetworkingValidationError, ServiceIPAM, ServiceInternalError, ServiceNotFoundError, ServiceValidationError,
  type IPAddress, type ServiceCIDR,
} from '../../src/index.js';
import { emptyIPAM, svc } from './helpers.js';
import { testClock } from '../upstream/load.js';

const serviceCIDR = (name: string, ...cidrs: string[]): ServiceCIDR => ({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs } });
const ipAddress = (name: string): IPAddress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name },
  spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'infra', name: 'gw' } },
});
const ready = (o: ServiceCIDR | undefined) => o?.status?.conditions?.find((c) => c.type === 'Ready');

describe('ServiceCIDR objects', () => {
  it('the default "kubernetes" ServiceCIDR mirrors the flag, primary first, with finalizer and Ready', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = new ServiceIPAM({ serviceClusterIPRange: 'fd00:10:96::/112,10.96.0.0/16', now: clock.now });
    expect(ipam.serviceCIDRs()).toEqual([{
      apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR',
      metadata: { name: 'kubernetes', creationTimestamp: '2026-03-01T10:00:00Z', finalizers: ['networking.k8s.io/service-cidr-finalizer'] },
      spec: { cidrs: ['fd00:10:96::/112', '10.96.0.0/16'] },
      status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-03-01T10:00:00Z', reason: '', message: 'Kubernetes Service CIDR is ready' }] },
    }]);
  });

  it.each([
    [[], 'spec.cidrs: Required value: at least one CIDR required'],
    [['10.0.0.0/24', '10.1.0.0/24'], 'spec.cidrs: Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"10.0.0.0/24", "10.1.0.0/24"}}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64'],
    [['10.0.0.0/24', 'fd00::/64', '10.2.0.0/24'], 'spec.cidrs: Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"10.0.0.0/24", "fd00::/64", "10.2.0.0/24"}}: may only hold up to 2 values'],
    [['10.0.0.1/24'], 'spec.cidrs[0]: Invalid value: "10.0.0.1/24": must not have bits set beyond the prefix length'],
    [['010.0.0.0/24'], 'spec.cidrs[0]: Invalid value: "010.0.0.0/24": must not have leading 0s in IP or prefix length'],
    [['::ffff:10.0.0.0/120'], 'spec.cidrs[0]: Invalid value: "::ffff:10.0.0.0/120": must not have an IPv4-mapped IPv6 address'],
    [['fd00:0::/64'], 'spec.cidrs[0]: Invalid value: "fd00:0::/64": must be in canonical form ("fd00::/64")'],
    [['bogus'], 'spec.cidrs[0]: Invalid value: "bogus": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
  ])('create %j is refused: %s', (cidrs, text) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    const before = JSON.stringify(ipam.snapshot());
    let error: unknown;
    try {
      ipam.applyServiceCIDR(serviceCIDR('x', ...cidrs));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetworkingValidationError);
    expect((error as Error).message).toBe(`ServiceCIDR.networking.k8s.io "x" is invalid: ${text}`);
    expect(JSON.stringify(ipam.snapshot())).toBe(before);
  });

  it('an update may only append the other family', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    ipam.applyServiceCIDR(serviceCIDR('y', '10.5.0.0/24'));
    expect(() => ipam.applyServiceCIDR(serviceCIDR('y', '10.6.0.0/24'))).toThrow('spec.cidrs[0]: Invalid value: "10.6.0.0/24": field is immutable');
    expect(ipam.applyServiceCIDR(serviceCIDR('y', '10.5.0.0/24', 'fd00::/112')).spec.cidrs).toEqual(['10.5.0.0/24', 'fd00::/112']);
    expect(() => ipam.applyServiceCIDR(serviceCIDR('y', '10.5.0.0/24'))).toThrow('spec.cidrs: Invalid value: []string{"10.5.0.0/24"}: field is immutable');
  });

  it('a second ServiceCIDR extends a full range', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/29', seed: 4 });
    for (let i = 0; i < 6; i++) ipam.create(svc(`s${i}`));
    expect(() => ipam.create(svc('more'))).toThrow(ServiceInternalError);
    ipam.applyServiceCIDR(serviceCIDR('extra', '10.97.0.0/29'));
    expect(ipam.create(svc('more')).spec?.clusterIP).toMatch(/^10\.97\.0\.[1-6]$/);
  });

  it('overlapping ServiceCIDRs never hand out one IP twice', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 9 });
    ipam.applyServiceCIDR(serviceCIDR('inner', '10.96.0.0/25'));
    ipam.applyServiceCIDR(serviceCIDR('same', '10.96.0.0/24'));
    const ips = new Set<string>();
    for (;;) {
      try {
        ips.add(ipam.create(svc(`s${ips.size}`)).spec!.clusterIP!);
      } catch (error) {
        expect(error).toBeInstanceOf(ServiceInternalError);
        break;
      }
    }
    expect(ips.size).toBe(254);
    expect(ipam.ipAddresses()).toHaveLength(254);
  });

  it('the CIDR order is drawn from the seeded generator: a seed reproduces it, seeds differ', () => {
    const run = (seed: number) => {
      const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed });
      ipam.applyServiceCIDR(serviceCIDR('b', '10.97.0.0/24'));
      ipam.applyServiceCIDR(serviceCIDR('c', '10.98.0.0/24'));
      return Array.from({ length: 30 }, (_, i) => ipam.create(svc(`s${i}`)).spec!.clusterIP!);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    // Every ready CIDR gets picked.
    expect(new Set(run(3).map((ip) => ip.split('.').slice(0, 2).join('.')))).toEqual(new Set(['10.96', '10.97', '10.98']));
  });
});

describe('deleting a ServiceCIDR', () => {
  it('is blocked while IPAddresses only it holds exist, takes no allocation meanwhile, and ends once unblocked', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/29', seed: 2, now: clock.now });
    ipam.applyServiceCIDR(serviceCIDR('extra', '10.97.0.0/29'));
    const held = ipam.create(svc('held', { clusterIP: '10.97.0.3' }));
    const blocked = ipam.deleteServiceCIDR('extra')!;
    expect(blocked.metadata.deletionTimestamp).toBe('2026-03-01T10:00:00Z');
    expect(ready(blocked)).toEqual({
      type: 'Ready', status: 'False', lastTransitionTime: '2026-03-01T10:00:00Z', reason: 'Terminating',
      message: 'There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR',
    });
    // Terminating: no static, no dynamic allocation from it.
    expect(() => ipam.create(svc('static', { clusterIP: '10.97.0.4' }))).toThrow('the provided network does not match the current range');
    for (let i = 0; i < 6; i++) expect(ipam.create(svc(`d${i}`)).spec?.clusterIP).toMatch(/^10\.96\.0\./);
    expect(() => ipam.create(svc('none-left'))).toThrow(ServiceInternalError);
    clock.advance(60_000);
    expect(ready(ipam.serviceCIDRs().find((o) => o.metadata.name === 'extra'))?.reason).toBe('Terminating');
    // The 10 s grace period counts from the deletion timestamp, long past here.
    ipam.delete(held);
    expect(ipam.serviceCIDRs().map((o) => o.metadata.name)).toEqual(['kubernetes']);
    expect(ipam.deleteServiceCIDR('kubernetes')?.metadata.name).toBe('kubernetes');
  });

  it('a CIDR also held by another ServiceCIDR goes at once (after the grace period)', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', now: clock.now });
    ipam.applyServiceCIDR(serviceCIDR('inner', '10.96.0.0/25'));
    ipam.create(svc('a', { clusterIP: '10.96.0.5' }));
    expect(ready(ipam.deleteServiceCIDR('inner'))?.reason).not.toBe('Terminating');
    clock.advance(9_999);
    expect(ipam.serviceCIDRs().map((o) => o.metadata.name)).toEqual(['kubernetes', 'inner']);
    clock.advance(1);
    expect(ipam.serviceCIDRs().map((o) => o.metadata.name)).toEqual(['kubernetes']);
    expect(ipam.isAllocated('10.96.0.5')).toBe(true);
  });

  // cidrallocator.go syncAllocators: an existing allocator turns not-ready only when its single
  // ServiceCIDR is not ready; shared by several, it stays as it was while they terminate.
  it('an allocator shared by two ServiceCIDRs stays ready while both terminate, and not once one remains', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', now: clock.now });
    ipam.applyServiceCIDR(serviceCIDR('a', '10.100.0.0/28'));
    ipam.applyServiceCIDR(serviceCIDR('b', '10.100.0.0/28'));
    ipam.deleteServiceCIDR('a');
    ipam.deleteServiceCIDR('b');
    expect(ipam.serviceCIDRs().map((o) => [o.metadata.name, ready(o)?.status])).toEqual([['kubernetes', 'True'], ['a', 'True'], ['b', 'True']]);
    // Both are being deleted, yet the allocator they share was ready and stays ready.
    expect(ipam.create(svc('during', { clusterIP: '10.100.0.5' })).spec?.clusterIP).toBe('10.100.0.5');
    const state = ipam.snapshot();
    expect(state.cidrAllocators).toContainEqual({ cidr: '10.100.0.0/28', ready: true });
    // The readiness survives a snapshot and restore (it is not in the objects).
    const copy = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', now: clock.now });
    copy.restore(state);
    expect(copy.create(svc('copy', { clusterIP: '10.100.0.7' })).spec?.clusterIP).toBe('10.100.0.7');
    clock.advance(10_000);
    // "a" goes (its CIDR is in "b"); "b" alone holds IPs only it contains: blocked, and now not ready.
    expect(ipam.serviceCIDRs().map((o) => [o.metadata.name, ready(o)?.reason])).toEqual([['kubernetes', ''], ['b', 'Terminating']]);
    expect(() => ipam.create(svc('after', { clusterIP: '10.100.0.6' }))).toThrow('the provided network does not match the current range');
  });

  it('a single ServiceCIDR being deleted takes no allocation at once', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', now: clock.now });
    ipam.applyServiceCIDR(serviceCIDR('solo', '10.100.0.0/28'));
    ipam.deleteServiceCIDR('solo');
    expect(() => ipam.create(svc('x', { clusterIP: '10.100.0.5' }))).toThrow('the provided network does not match the current range');
  });

  it('the default ServiceCIDR comes back as a new object once gone', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', now: clock.now });
    ipam.deleteServiceCIDR('kubernetes');
    clock.advance(10_000);
    const again = ipam.serviceCIDRs();
    expect(again.map((o) => [o.metadata.name, o.metadata.creationTimestamp, o.spec.cidrs])).toEqual([['kubernetes', '2026-03-01T10:00:10Z', ['10.96.0.0/24']]]);
  });

  it('an unknown name is a NotFound error', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    expect(() => ipam.deleteServiceCIDR('nope')).toThrow(ServiceNotFoundError);
    expect(() => ipam.deleteServiceCIDR('nope')).toThrow('servicecidrs.networking.k8s.io "nope" not found');
  });
});

describe('IPAddress objects held by others', () => {
  it('take the IP whoever owns them, and free it when deleted', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    const stored = ipam.applyIPAddress(ipAddress('10.96.0.50'));
    expect(stored.spec.parentRef).toEqual({ group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'infra', name: 'gw' });
    expect(ipam.isAllocated('10.96.0.50')).toBe(true);
    expect(() => ipam.create(svc('t', { clusterIP: '10.96.0.50' }))).toThrow('failed to allocate IP 10.96.0.50: provided IP is already allocated');
    expect(ipam.deleteIPAddress('10.96.0.50')).toBe(true);
    expect(ipam.deleteIPAddress('10.96.0.50')).toBe(false);
    expect(ipam.create(svc('t', { clusterIP: '10.96.0.50' })).spec?.clusterIP).toBe('10.96.0.50');
  });

  it('the Services\' own IPAddresses carry the two labels and a parentRef', () => {
    const clock = testClock('2026-03-01T10:00:00Z');
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24,fd00::/112', now: clock.now });
    ipam.create(svc('dual', { ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['10.96.0.7', 'fd00::7'], clusterIP: '10.96.0.7' }));
    // Families are allocated in Go's map order (random), so the list is compared sorted.
    const byName = ipam.ipAddresses().sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    expect(byName).toEqual(['10.96.0.7', 'fd00::7'].map((name) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
      metadata: { name, creationTimestamp: '2026-03-01T10:00:00Z', labels: { 'ipaddress.kubernetes.io/ip-family': name.includes(':') ? 'IPv6' : 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
      spec: { parentRef: { resource: 'services', namespace: 'default', name: 'dual' } },
    })));
    // The order the fields print in, too (the allocator builds these with constructors, whose
    // field order is the class's, not a literal's).
    ipam.create(svc('dynamic'));
    const dynamic = ipam.ipAddresses().find((a) => a.spec.parentRef.name === 'dynamic')!;
    expect(JSON.stringify(dynamic)).toBe(`{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"${dynamic.metadata.name}",`
      + '"labels":{"ipaddress.kubernetes.io/ip-family":"IPv4","ipaddress.kubernetes.io/managed-by":"ipallocator.k8s.io"},"creationTimestamp":"2026-03-01T10:00:00Z"},'
      + '"spec":{"parentRef":{"resource":"services","namespace":"default","name":"dynamic"}}}');
  });

  it.each([
    ['10.96.0.051', 'metadata.name: Invalid value: "10.96.0.051": must not have leading 0s'],
    ['fd00:0::1', 'metadata.name: Invalid value: "fd00:0::1": must be in canonical form ("fd00::1")'],
    ['::ffff:10.96.0.1', 'metadata.name: Invalid value: "::ffff:10.96.0.1": must not be an IPv4-mapped IPv6 address'],
    ['nope', 'metadata.name: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  ])('a bad name %s is refused and changes nothing', (name, text) => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    expect(() => ipam.applyIPAddress(ipAddress(name))).toThrow(`IPAddress.networking.k8s.io "${name}" is invalid: ${text}`);
    expect(ipam.ipAddresses()).toEqual([]);
  });

  it('the parentRef is required and immutable', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    expect(() => ipam.applyIPAddress({ ...ipAddress('10.96.0.9'), spec: {} as IPAddress['spec'] })).toThrow('spec.parentRef: Required value');
    ipam.applyIPAddress(ipAddress('10.96.0.9'));
    const moved = ipAddress('10.96.0.9');
    moved.spec.parentRef.name = 'other';
    expect(() => ipam.applyIPAddress(moved)).toThrow('spec.parentRef: Invalid value');
  });
});

// 1.33 writes the flag's legacy bitmap next to the IPAddress objects, in upstream's order and with
// upstream's leaks: a static IP is marked in the bitmap before its IPAddress is created.
describe('1.33 dual write', () => {
  const bitmapHas = (ipam: ServiceIPAM, ip: string) => {
    const [range] = ipam.snapshot().ranges;
    const bitmap = ClusterIPAllocator.fromSnapshot({ range: range.range, data: Uint8Array.from(Buffer.from(range.data, 'base64')) } as never, { legacy: true });
    return bitmap.has(ip);
  };

  it('marks both stores for Service IPs and clears both on delete', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: '1.33', seed: 1 });
    const created = ipam.create(svc('a'));
    const ip = created.spec!.clusterIP!;
    expect(bitmapHas(ipam, ip)).toBe(true);
    expect(ipam.isAllocated(ip)).toBe(true);
    ipam.delete(created);
    expect(bitmapHas(ipam, ip)).toBe(false);
    expect(ipam.isAllocated(ip)).toBe(false);
  });

  it('a static IP whose IPAddress exists fails, but stays marked in the bitmap; the bitmap then refuses it alone', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: '1.33' });
    ipam.applyIPAddress(ipAddress('10.96.0.40'));
    expect(() => ipam.create(svc('a', { clusterIP: '10.96.0.40' }))).toThrow(ServiceValidationError);
    expect(bitmapHas(ipam, '10.96.0.40')).toBe(true);
    ipam.deleteIPAddress('10.96.0.40');
    expect(() => ipam.create(svc('b', { clusterIP: '10.96.0.40' }))).toThrow('failed to allocate IP 10.96.0.40: provided IP is already allocated');
    expect(ipam.isAllocated('10.96.0.40')).toBe(false);
  });

  it('1.34 no longer writes the bitmap', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: '1.34' });
    ipam.create(svc('a'));
    expect(ipam.snapshot().ranges).toEqual([]);
  });
});
