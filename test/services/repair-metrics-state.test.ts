import { describe, expect, it } from 'vitest';
import { AllocatorError, ServiceIPAM } from '../../src/index.js';
import { DUAL, SINGLE_V4, svc } from './helpers.js';

describe('repair', () => {
  it('reports every category and changes nothing without apply', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 5 });
    const a = ipam.create(svc('a', { clusterIP: '10.96.0.20' }));
    ipam.create(svc('leaky', { clusterIP: '10.96.0.21' }));
    const before = JSON.stringify(ipam.snapshot());
    const observed = [
      a,
      svc('twin', { clusterIP: '10.96.0.20' }),
      svc('missing', { clusterIP: '10.96.0.30' }),
      svc('outside', { clusterIP: '10.97.0.1' }),
      svc('wrong-family', { clusterIP: '192.168.0.1' }),
      svc('garbage', { clusterIP: 'not-an-ip' }),
      svc('headless', { clusterIP: 'None' }),
    ];
    const report = ipam.repair(observed);
    expect(report.duplicates).toEqual([{ ip: '10.96.0.20', services: ['default/a', 'default/twin'] }]);
    expect(report.notAllocated).toEqual([{ service: 'default/missing', ip: '10.96.0.30' }]);
    expect(report.outOfRange).toEqual([{ service: 'default/outside', ip: '10.97.0.1' }, { service: 'default/wrong-family', ip: '192.168.0.1' }]);
    expect(report.invalid).toEqual([{ service: 'default/garbage', ip: 'not-an-ip' }]);
    expect(report.leaked).toEqual([{ ip: '10.96.0.21', passes: 1, released: false }]);
    expect(JSON.stringify(ipam.snapshot())).toBe(before);
  });

  it('with apply: marks missing IPs at once and frees a leak on its third pass', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4, seed: 5 });
    ipam.create(svc('leaky', { clusterIP: '10.96.0.21' }));
    const observed = [svc('missing', { clusterIP: '10.96.0.30' })];
    const first = ipam.repair(observed, { apply: true });
    expect(first.notAllocated).toHaveLength(1);
    expect(ipam.allocator('IPv4')?.has('10.96.0.30')).toBe(true);
    expect(first.leaked).toEqual([{ ip: '10.96.0.21', passes: 1, released: false }]);
    expect(ipam.repair(observed, { apply: true }).leaked).toEqual([{ ip: '10.96.0.21', passes: 2, released: false }]);
    expect(ipam.allocator('IPv4')?.has('10.96.0.21')).toBe(true);
    expect(ipam.repair(observed, { apply: true }).leaked).toEqual([{ ip: '10.96.0.21', passes: 3, released: true }]);
    expect(ipam.allocator('IPv4')?.has('10.96.0.21')).toBe(false);
    expect(ipam.repair(observed, { apply: true })).toEqual({ leaked: [], duplicates: [], outOfRange: [], notAllocated: [], invalid: [] });
  });
});

describe('metrics', () => {
  it('exposes the Kubernetes metric names with cidr and scope labels', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 6 });
    ipam.create(svc('a', { ipFamilyPolicy: 'RequireDualStack' }));
    ipam.create(svc('dns', { clusterIP: '10.96.0.10' }));
    try { ipam.create(svc('clash', { clusterIP: '10.96.0.10' })); } catch { /* counted as a static error */ }
    const text = ipam.metrics();
    expect(text).toContain('# TYPE kube_apiserver_clusterip_allocator_allocated_ips gauge');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocated_ips{cidr="10.96.0.0/16"} 2');
    expect(text).toContain('kube_apiserver_clusterip_allocator_available_ips{cidr="fd00:10:96::/112"} 65534');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_total{cidr="10.96.0.0/16",scope="static"} 1');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_total{cidr="10.96.0.0/16",scope="dynamic"} 1');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_errors_total{cidr="10.96.0.0/16",scope="static"} 1');
    expect(text).toContain('# TYPE kube_apiserver_clusterip_allocator_allocation_errors_total counter');
  });
});

describe('snapshot and restore of the whole state', () => {
  it('round-trips both families and the Service records', () => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7 });
    a.create(svc('x', { ipFamilyPolicy: 'RequireDualStack' }));
    a.create(svc('y', { clusterIP: 'fd00:10:96::a' }));
    const state = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new ServiceIPAM({ serviceClusterIPRange: DUAL });
    b.restore(state);
    expect(b.list()).toEqual(a.list());
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
    expect(() => b.create(svc('z', { clusterIP: 'fd00:10:96::a' }))).toThrow('already allocated');
  });

  it.each([
    ['another configuration', (s: any) => ({ ...s, serviceClusterIPRange: '10.96.0.0/16' }), 'ERR_MISMATCHED_NETWORK'],
    ['not a state', () => ({ kind: 'Other' }), 'ERR_INVALID_SNAPSHOT'],
    ['a Service whose IP is not allocated', (s: any) => ({ ...s, services: [...s.services, svc('ghost', { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'], ipFamilies: ['IPv4'] })] }), 'ERR_INVALID_SNAPSHOT'],
    ['bad base64', (s: any) => ({ ...s, ranges: [{ ...s.ranges[0], data: '%%%' }, s.ranges[1]] }), 'ERR_INVALID_SNAPSHOT'],
  ])('refuses %s and keeps its state', (_label, corrupt, code) => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7 });
    a.create(svc('x'));
    const before = JSON.stringify(a.snapshot());
    try {
      a.restore(corrupt(a.snapshot()));
      throw new Error('restore accepted it');
    } catch (error) {
      expect(error).toBeInstanceOf(AllocatorError);
      expect((error as AllocatorError).code).toBe(code);
    }
    expect(JSON.stringify(a.snapshot())).toBe(before);
  });
});
