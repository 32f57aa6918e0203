// Update and delete: immutability, dual-stack upgrade/downgrade, type changes, releases.
import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ServiceIPAM, ServiceNotFoundError } from '../../src/index.js';
import { DUAL, SINGLE_V4, emptyIPAM, expectFieldErrors, ipamState, svc } from './helpers.js';

function withSpec(service: Service, spec: Partial<NonNullable<Service['spec']>>): Service {
  return { ...service, spec: { ...service.spec, ...spec } };
}

describe('update', () => {
  it('an unchanged update keeps the IPs; a client that omits them keeps them too', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    const created = ipam.create(svc('a', { ipFamilyPolicy: 'PreferDualStack' }));
    expect(ipam.update(created, created).spec).toEqual(created.spec);
    const applied = ipam.update(created, svc('a', { ports: [{ port: 8080 }] }));
    expect(applied.spec).toMatchObject({ clusterIP: created.spec!.clusterIP, clusterIPs: created.spec!.clusterIPs, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] });
    expect(ipam.allocator('IPv4')?.used).toBe(1);
  });

  it.each([
    { name: 'changing the primary IP', change: (s: Service) => withSpec(s, { clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', detail: 'may not change once set' }] },
    { name: 'changing to headless', change: (s: Service) => withSpec(s, { clusterIP: 'None', clusterIPs: ['None'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', detail: 'may not change once set' }] },
    { name: 'changing the family', change: (s: Service) => withSpec(s, { ipFamilies: ['IPv6'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', detail: 'expected an IPv6 value as indicated by `ipFamilies[0]`' }] },
    { name: 'changing the family with a matching IP', change: (s: Service) => withSpec(s, { ipFamilies: ['IPv6'], clusterIP: 'fd00:10:96::50', clusterIPs: ['fd00:10:96::50'] }),
      errors: [
        { type: 'Invalid', field: 'spec.clusterIPs[0]', detail: 'may not change once set' },
        { type: 'Invalid', field: 'spec.ipFamilies[0]', detail: 'may not change once set' },
      ] },
  ])('rejects $name and changes nothing', ({ change, errors }) => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    const created = ipam.create(svc('a', { clusterIP: '10.96.0.50' }));
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.update(created, change(created)), errors as never);
    expect(ipamState(ipam)).toBe(before);
  });

  it('upgrades to dual-stack by policy, allocating the secondary', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    const created = ipam.create(svc('a', { clusterIP: '10.96.0.50' }));
    const upgraded = ipam.update(created, withSpec(created, { ipFamilyPolicy: 'RequireDualStack' }));
    expect(upgraded.spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(upgraded.spec?.clusterIPs?.[0]).toBe('10.96.0.50');
    expect(ipam.allocator('IPv6')?.has(upgraded.spec!.clusterIPs![1])).toBe(true);
  });

  it('upgrades with a named secondary; a taken one fails and changes nothing', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    ipam.create(svc('holder', { clusterIP: 'fd00:10:96::7' }));
    const created = ipam.create(svc('a', { clusterIP: '10.96.0.50' }));
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.update(created, withSpec(created, { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.50', 'fd00:10:96::7'] })), [
      { type: 'Invalid', field: 'spec.clusterIPs', detail: 'failed to allocate IP fd00:10:96::7: provided IP is already allocated' },
    ]);
    expect(ipamState(ipam)).toBe(before);
    const ok = ipam.update(created, withSpec(created, { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.50', 'fd00:10:96::8'] }));
    expect(ok.spec?.clusterIPs).toEqual(['10.96.0.50', 'fd00:10:96::8']);
  });

  it('downgrades only via SingleStack, releasing the secondary', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    const created = ipam.create(svc('a', { ipFamilyPolicy: 'RequireDualStack' }));
    const secondary = created.spec!.clusterIPs![1];
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.update(created, withSpec(created, { clusterIPs: [created.spec!.clusterIP!], ipFamilies: ['IPv4'] })), [
      { type: 'Invalid', field: 'spec.ipFamilyPolicy', detail: "must be 'SingleStack' to release the secondary cluster IP" },
      { type: 'Invalid', field: 'spec.ipFamilyPolicy', detail: "must be 'SingleStack' to release the secondary IP family" },
    ]);
    expect(ipamState(ipam)).toBe(before);
    const down = ipam.update(created, withSpec(created, { ipFamilyPolicy: 'SingleStack' }));
    expect(down.spec).toMatchObject({ clusterIPs: [created.spec!.clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(ipam.allocator('IPv6')?.has(secondary)).toBe(false);
    expect(ipam.allocator('IPv4')?.has(created.spec!.clusterIP!)).toBe(true);
  });

  it('moving to ExternalName releases every IP; moving back allocates again', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 1 });
    const created = ipam.create(svc('a', { ipFamilyPolicy: 'PreferDualStack' }));
    const ext = ipam.update(created, withSpec(created, { type: 'ExternalName', externalName: 'db.example.com' }));
    expect(ext.spec?.clusterIPs).toBeUndefined();
    expect(ipam.allocator('IPv4')?.used).toBe(0);
    expect(ipam.allocator('IPv6')?.used).toBe(0);
    const back = ipam.update(ext, svc('a', { type: 'ClusterIP', clusterIP: '10.96.0.77' }));
    expect(back.spec?.clusterIPs).toEqual(['10.96.0.77']);
    expect(ipam.allocator('IPv4')?.has('10.96.0.77')).toBe(true);
  });

  it('an unknown Service -> ServiceNotFoundError', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4 });
    expect(() => ipam.update(svc('ghost'), svc('ghost'))).toThrow(ServiceNotFoundError);
  });
});

describe('delete', () => {
  it('releases every family and forgets the Service', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 4 });
    const created = ipam.create(svc('a', { ipFamilyPolicy: 'RequireDualStack' }));
    ipam.delete(created);
    expect(ipam.allocator('IPv4')?.used).toBe(0);
    expect(ipam.allocator('IPv6')?.used).toBe(0);
    expect(ipam.get('default', 'a')).toBeUndefined();
    expect(() => ipam.delete(created)).toThrow(ServiceNotFoundError);
    expect(ipam.create(svc('a', { clusterIP: created.spec!.clusterIP })).spec?.clusterIP).toBe(created.spec!.clusterIP);
  });
});
