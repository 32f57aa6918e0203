// Defaulting and validation on create, table-driven like the API server's own tests.
import { describe, expect, it } from 'vitest';
import { ServiceExistsError, ServiceIPAM } from '../../src/index.js';
import { DUAL, SINGLE_V4, SINGLE_V6, bare, expectFieldErrors, ipamState, svc } from './helpers.js';

const v4 = /^10\.96\.\d+\.\d+$/;
const v6 = /^fd00:10:96::[0-9a-f]{1,4}$/;

describe('create: defaulting and family inference', () => {
  it.each([
    { name: 'no fields on single-stack', cluster: SINGLE_V4, spec: {}, policy: 'SingleStack', families: ['IPv4'], ips: [v4] },
    { name: 'no fields on IPv6 single-stack', cluster: SINGLE_V6, spec: {}, policy: 'SingleStack', families: ['IPv6'], ips: [v6] },
    { name: 'no fields on dual-stack: primary only', cluster: DUAL, spec: {}, policy: 'SingleStack', families: ['IPv4'], ips: [v4] },
    { name: 'PreferDualStack on dual-stack', cluster: DUAL, spec: { ipFamilyPolicy: 'PreferDualStack' }, policy: 'PreferDualStack', families: ['IPv4', 'IPv6'], ips: [v4, v6] },
    { name: 'PreferDualStack on single-stack', cluster: SINGLE_V4, spec: { ipFamilyPolicy: 'PreferDualStack' }, policy: 'PreferDualStack', families: ['IPv4'], ips: [v4] },
    { name: 'RequireDualStack on dual-stack', cluster: DUAL, spec: { ipFamilyPolicy: 'RequireDualStack' }, policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], ips: [v4, v6] },
    { name: 'IPv6 first by ipFamilies', cluster: DUAL, spec: { ipFamilies: ['IPv6'], ipFamilyPolicy: 'PreferDualStack' }, policy: 'PreferDualStack', families: ['IPv6', 'IPv4'], ips: [v6, v4] },
    { name: 'family inferred from a static IPv6', cluster: DUAL, spec: { clusterIP: 'fd00:10:96::a' }, policy: 'SingleStack', families: ['IPv6'], ips: [/^fd00:10:96::a$/] },
    { name: 'old client: clusterIP only', cluster: SINGLE_V4, spec: { clusterIP: '10.96.0.10' }, policy: 'SingleStack', families: ['IPv4'], ips: [/^10\.96\.0\.10$/] },
    { name: 'two static IPs', cluster: DUAL, spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:10:96::a'], ipFamilyPolicy: 'RequireDualStack' }, policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], ips: [/^10\.96\.0\.10$/, /^fd00:10:96::a$/] },
  ])('$name', ({ cluster, spec, policy, families, ips }) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: cluster, seed: 1 });
    const out = ipam.create(svc('s', spec as never));
    expect(out.spec?.ipFamilyPolicy).toBe(policy);
    expect(out.spec?.ipFamilies).toEqual(families);
    expect(out.spec?.clusterIPs?.length).toBe(ips.length);
    out.spec?.clusterIPs?.forEach((ip, i) => expect(ip).toMatch(ips[i]));
    expect(out.spec?.clusterIP).toBe(out.spec?.clusterIPs?.[0]);
    for (const [i, family] of families.entries()) expect(ipam.allocator(family as 'IPv4' | 'IPv6')?.has(out.spec!.clusterIPs![i])).toBe(true);
  });

  it.each([
    { name: 'headless with selector', cluster: DUAL, service: svc('h', { clusterIP: 'None' }), policy: 'SingleStack', families: ['IPv4'] },
    { name: 'headless without selector on dual-stack', cluster: DUAL, service: bare('h', { clusterIP: 'None' }), policy: 'RequireDualStack', families: ['IPv4', 'IPv6'] },
    { name: 'headless without selector on single-stack still gets both families', cluster: SINGLE_V4, service: bare('h', { clusterIP: 'None' }), policy: 'RequireDualStack', families: ['IPv4', 'IPv6'] },
    { name: 'headless without selector, SingleStack', cluster: DUAL, service: bare('h', { clusterIP: 'None', ipFamilyPolicy: 'SingleStack' }), policy: 'SingleStack', families: ['IPv4'] },
  ])('$name: nothing allocated', ({ cluster, service, policy, families }) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: cluster });
    const out = ipam.create(service);
    expect(out.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilyPolicy: policy, ipFamilies: families });
    for (const family of ipam.families) expect(ipam.allocator(family)?.used).toBe(0);
  });

  it('ExternalName gets nothing', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: DUAL });
    const out = ipam.create(bare('ext', { type: 'ExternalName', externalName: 'db.example.com' }));
    expect(out.spec).toEqual({ type: 'ExternalName', externalName: 'db.example.com' });
    expect(ipam.allocator('IPv4')?.used).toBe(0);
  });

  it('does not change the caller\'s object', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4 });
    const input = svc('s');
    ipam.create(input);
    expect(input.spec).toEqual({ selector: { app: 's' } });
  });
});

describe('create: rejected, nothing changed', () => {
  it.each([
    { name: 'RequireDualStack on single-stack', cluster: SINGLE_V4, service: svc('s', { ipFamilyPolicy: 'RequireDualStack' }),
      errors: [{ type: 'Invalid', field: 'spec.ipFamilyPolicy', detail: 'this cluster is not configured for dual-stack services' }] },
    { name: 'SingleStack with two IPs', cluster: DUAL, service: svc('s', { ipFamilyPolicy: 'SingleStack', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:10:96::a'] }),
      errors: [{ type: 'Invalid', field: 'spec.ipFamilyPolicy', detail: "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified" }] },
    { name: 'SingleStack with two families', cluster: DUAL, service: svc('s', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }),
      errors: [{ type: 'Invalid', field: 'spec.ipFamilyPolicy', detail: "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified" }] },
    { name: 'an IP of the wrong family for ipFamilies', cluster: DUAL, service: svc('s', { clusterIP: 'fd00:10:96::a', clusterIPs: ['fd00:10:96::a'], ipFamilies: ['IPv4'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', value: 'fd00:10:96::a', detail: 'expected an IPv4 value as indicated by `ipFamilies[0]`' }] },
    { name: 'IPv6 on an IPv4-only cluster', cluster: SINGLE_V4, service: svc('s', { clusterIP: 'fd00::1' }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', detail: 'IPv6 is not configured on this cluster' }] },
    { name: 'a family the cluster lacks', cluster: SINGLE_V4, service: svc('s', { ipFamilies: ['IPv6'] }),
      errors: [{ type: 'Invalid', field: 'spec.ipFamilies[0]', value: 'IPv6', detail: 'not configured on this cluster' }] },
    { name: 'two IPs of one family', cluster: DUAL, service: svc('s', { ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', '10.96.0.11'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs', detail: 'may specify no more than one IP for each IP family' }] },
    { name: 'duplicate family', cluster: DUAL, service: svc('s', { ipFamilies: ['IPv4', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' }),
      errors: [{ type: 'Duplicate', field: 'spec.ipFamilies[1]', value: 'IPv4' }] },
    { name: 'unknown family', cluster: DUAL, service: svc('s', { ipFamilies: ['IPv5'] as never }),
      errors: [{ type: 'NotSupported', field: 'spec.ipFamilies[0]', value: 'IPv5' }] },
    { name: 'unknown policy', cluster: DUAL, service: svc('s', { ipFamilyPolicy: 'Sometimes' }),
      errors: [{ type: 'NotSupported', field: 'spec.ipFamilyPolicy', value: 'Sometimes' }] },
    { name: 'not an IP', cluster: SINGLE_V4, service: svc('s', { clusterIP: '10.96.0.010' }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', value: '10.96.0.010', detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' }] },
    { name: 'clusterIPs[0] differs from clusterIP', cluster: SINGLE_V4, service: svc('s', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.11'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs', detail: 'first value must match `clusterIP`' }] },
    { name: 'clusterIPs without clusterIP', cluster: SINGLE_V4, service: svc('s', { clusterIPs: ['10.96.0.11'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs', detail: 'must be empty when `clusterIP` is not specified' }] },
    { name: 'None not first and only', cluster: DUAL, service: svc('s', { clusterIP: 'None', clusterIPs: ['None', '10.96.0.1'] }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs', detail: "'None' must be the first and only value" }] },
    { name: 'None for NodePort', cluster: SINGLE_V4, service: svc('s', { type: 'NodePort', clusterIP: 'None' }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', value: 'None', detail: "may not be set to 'None' for NodePort services" }] },
    { name: 'None for LoadBalancer', cluster: SINGLE_V4, service: svc('s', { type: 'LoadBalancer', clusterIP: 'None' }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs[0]', value: 'None', detail: "may not be set to 'None' for LoadBalancer services" }] },
    { name: 'ExternalName with IP fields', cluster: DUAL, service: bare('s', { type: 'ExternalName', externalName: 'x.example.com', clusterIP: '10.96.0.5', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }),
      errors: [
        { type: 'Forbidden', field: 'spec.clusterIP', detail: 'may not be set for ExternalName services' },
        { type: 'Forbidden', field: 'spec.clusterIPs', detail: 'may not be set for ExternalName services' },
        { type: 'Forbidden', field: 'spec.ipFamilies', detail: 'may not be set for ExternalName services' },
        { type: 'Forbidden', field: 'spec.ipFamilyPolicy', detail: 'may not be set for ExternalName services' },
      ] },
    { name: 'ExternalName without a name', cluster: DUAL, service: bare('s', { type: 'ExternalName' }),
      errors: [{ type: 'Required', field: 'spec.externalName' }] },
    { name: 'out of range', cluster: SINGLE_V4, service: svc('s', { clusterIP: '10.97.0.1' }),
      errors: [{ type: 'Invalid', field: 'spec.clusterIPs', detail: 'failed to allocate IP 10.97.0.1: the provided IP (10.97.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/16' }] },
    { name: 'no name', cluster: SINGLE_V4, service: { spec: {} },
      errors: [{ type: 'Required', field: 'metadata.name' }] },
  ])('$name', ({ cluster, service, errors }) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: cluster, seed: 2 });
    ipam.create(svc('existing', { clusterIP: cluster.startsWith('fd') ? 'fd00:10:96::5' : '10.96.0.5' }));
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.create(service as never), errors as never);
    expect(ipamState(ipam)).toBe(before);
  });

  it('an IP already taken -> Invalid with the allocator\'s text', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4 });
    ipam.create(svc('dns', { clusterIP: '10.96.0.10' }));
    expectFieldErrors(() => ipam.create(svc('other', { clusterIP: '10.96.0.10' })), [
      { type: 'Invalid', field: 'spec.clusterIPs', value: ['10.96.0.10'], detail: 'failed to allocate IP 10.96.0.10: provided IP is already allocated' },
    ]);
  });

  it('is transactional across families: a taken secondary releases the new primary', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 3 });
    ipam.create(svc('six', { clusterIP: 'fd00:10:96::a', ipFamilies: ['IPv6'] }));
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.create(svc('both', { ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00:10:96::a'] })), [
      { type: 'Invalid', field: 'spec.clusterIPs', detail: 'failed to allocate IP fd00:10:96::a: provided IP is already allocated' },
    ]);
    expect(ipamState(ipam)).toBe(before);
    expect(ipam.allocator('IPv4')?.has('10.96.0.20')).toBe(false);
  });

  it('a full range -> Internal error, nothing kept', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/29,fd00::/120' });
    for (let i = 0; i < 6; i++) ipam.create(svc(`s${i}`));
    expectFieldErrors(() => ipam.create(svc('one-more', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] })), [
      { type: 'Internal', field: 'spec.clusterIPs', detail: 'failed to allocate a serviceIP: range is full' },
    ]);
    expect(ipam.allocator('IPv6')?.used).toBe(0);
  });

  it('creating an existing Service is an error', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4 });
    ipam.create(svc('a'));
    expect(() => ipam.create(svc('a'))).toThrow(ServiceExistsError);
    expect(ipam.create(svc('a', {}, 'other-namespace')).metadata?.namespace).toBe('other-namespace');
  });
});

describe('the service CIDR flag', () => {
  it.each([
    ['10.96.0.0/16,10.97.0.0/16', false, '--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family'],
    ['10.96.0.0/16,fd00::/112,fd01::/112', false, '--service-cluster-ip-range must not contain more than two entries'],
    ['10.96.0.0/30', false, 'the service cluster IP range must be at least 8 IP addresses'],
    ['10.0.0.0/11', true, 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12'],
    ['10.96.0.0/16,fd00::/107', true, 'specified --service-cluster-ip-range[1] is too large; for 128-bit addresses, the mask must be >= 108'],
    ['10.96.0.5/16', false, 'the network is 10.96.0.0/16'],
    ['fd00::/48', false, 'shortest allowed prefix length for service CIDR is 64'],
  ])('%s (legacy %s) -> %s', (flag, legacy, message) => {
    expect(() => new ServiceIPAM({ serviceClusterIPRange: flag, legacy })).toThrow(message);
  });

  it('accepts the limits, defaults to 10.0.0.0/24 and makes the first family primary', () => {
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.0.0.0/12', legacy: true }).ranges).toEqual(['10.0.0.0/12']);
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.0.0.0/11' }).ranges).toEqual(['10.0.0.0/11']);
    expect(new ServiceIPAM({}).ranges).toEqual(['10.0.0.0/24']);
    expect(new ServiceIPAM({ serviceClusterIPRange: 'fd00::/112,10.96.0.0/16' }).families).toEqual(['IPv6', 'IPv4']);
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/29' }).ranges).toEqual(['10.96.0.0/29']);
  });
});
