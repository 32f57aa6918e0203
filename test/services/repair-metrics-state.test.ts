import { describe, expect, it } from 'vitest';
import { AllocatorError, ServiceIPAM, type Hazard } from '../../src/index.js';
import { DUAL, SINGLE_V4, cleanNodePorts, emptyIPAM, svc } from './helpers.js';

describe('legacy repair (1.29–1.32)', () => {
  it('reports every category and changes nothing without apply', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: DUAL, seed: 5, kubernetesVersion: '1.32' });
    const a = ipam.create(svc('a', { clusterIP: '10.96.0.20' }));
    ipam.create(svc('leaky', { clusterIP: '10.96.0.21' }));
    const before = JSON.stringify(ipam.snapshot());
    const observed = [
      a,
      svc('twin', { clusterIP: '10.96.0.20' }),
      svc('missing', { clusterIP: '10.96.0.30' }),
      svc('sloppy', { clusterIP: '10.96.0.031' }),
      svc('outside', { clusterIP: '10.97.0.1' }),
      svc('wrong-family', { clusterIP: '192.168.0.1' }),
      svc('garbage', { clusterIP: 'not-an-ip' }),
      svc('headless', { clusterIP: 'None' }),
    ];
    const report = ipam.repair(observed);
    if (report.model !== 'bitmap') throw new Error('expected the bitmap repair');
    expect(report.duplicates).toEqual([{ ip: '10.96.0.20', services: ['default/a', 'default/twin'] }]);
    expect(report.notAllocated).toEqual([{ service: 'default/missing', ip: '10.96.0.30' }, { service: 'default/sloppy', ip: '10.96.0.31' }]);
    expect(report.outOfRange).toEqual([{ service: 'default/outside', ip: '10.97.0.1' }, { service: 'default/wrong-family', ip: '192.168.0.1' }]);
    expect(report.invalid).toEqual([{ service: 'default/garbage', ip: 'not-an-ip' }]);
    expect(report.leaked).toEqual([{ ip: '10.96.0.21', passes: 1, released: false }]);
    expect(JSON.stringify(ipam.snapshot())).toBe(before);
  });

  it('with apply: marks missing IPs at once and frees a leak on its third pass', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: SINGLE_V4, seed: 5, kubernetesVersion: '1.31' });
    ipam.create(svc('leaky', { clusterIP: '10.96.0.21' }));
    const observed = [svc('missing', { clusterIP: '10.96.0.30' })];
    const pass = () => {
      const report = ipam.repair(observed, { apply: true });
      if (report.model !== 'bitmap') throw new Error('expected the bitmap repair');
      return report;
    };
    const first = pass();
    expect(first.notAllocated).toHaveLength(1);
    expect(ipam.allocator('IPv4')?.has('10.96.0.30')).toBe(true);
    expect(first.leaked).toEqual([{ ip: '10.96.0.21', passes: 1, released: false }]);
    expect(pass().leaked).toEqual([{ ip: '10.96.0.21', passes: 2, released: false }]);
    expect(ipam.allocator('IPv4')?.has('10.96.0.21')).toBe(true);
    expect(pass().leaked).toEqual([{ ip: '10.96.0.21', passes: 3, released: true }]);
    expect(ipam.allocator('IPv4')?.has('10.96.0.21')).toBe(false);
    expect(pass()).toEqual({ model: 'bitmap', leaked: [], duplicates: [], outOfRange: [], notAllocated: [], invalid: [], nodePorts: cleanNodePorts });
  });
});

describe('metrics', () => {
  it('exposes the Kubernetes metric names with cidr and scope labels (1.36)', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 6 });
    ipam.create(svc('a', { ipFamilyPolicy: 'RequireDualStack' }));
    ipam.create(svc('dns', { clusterIP: '10.96.0.10' }));
    try { ipam.create(svc('clash', { clusterIP: '10.96.0.10' })); } catch { /* counted as a static error */ }
    const text = ipam.metrics();
    expect(text).toContain('# TYPE kube_apiserver_clusterip_allocator_allocated_ips gauge');
    // default/kubernetes, a and dns
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocated_ips{cidr="10.96.0.0/16"} 3');
    expect(text).toContain('kube_apiserver_clusterip_allocator_available_ips{cidr="10.96.0.0/16"} 65531');
    expect(text).toContain('kube_apiserver_clusterip_allocator_available_ips{cidr="fd00:10:96::/112"} 65534');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_total{cidr="10.96.0.0/16",scope="static"} 2');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_total{cidr="10.96.0.0/16",scope="dynamic"} 1');
    expect(text).toContain('kube_apiserver_clusterip_allocator_allocation_errors_total{cidr="10.96.0.0/16",scope="static"} 1');
    expect(text).toContain('# TYPE kube_apiserver_clusterip_allocator_allocation_errors_total counter');
  });

  it('prints large gauges as Go does (float64, shortest %g)', () => {
    const ipam = emptyIPAM({ serviceClusterIPRange: '10.0.0.0/12,fd00::/64' });
    const text = ipam.metrics();
    expect(text).toContain('kube_apiserver_clusterip_allocator_available_ips{cidr="10.0.0.0/12"} 1.048574e+06');
    expect(text).toContain('kube_apiserver_clusterip_allocator_available_ips{cidr="fd00::/64"} 9.223372036854776e+18');
  });
});

describe('snapshot and restore of the whole state', () => {
  it.each(['1.30', '1.33', '1.36'])('round-trips both families, the objects and the Service records (%s)', (version) => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7, kubernetesVersion: version, now: () => 0 });
    a.create(svc('x', { ipFamilyPolicy: 'RequireDualStack' }));
    a.create(svc('y', { clusterIP: 'fd00:10:96::a' }));
    const state = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new ServiceIPAM({ serviceClusterIPRange: DUAL, kubernetesVersion: version, now: () => 0 });
    b.restore(state);
    expect(b.list()).toEqual(a.list());
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
    expect(() => b.create(svc('z', { clusterIP: 'fd00:10:96::a' }))).toThrow('already allocated');
  });

  it('a 0.1.0 (version 1) state restores into 1.36 with an IPAddress per Service IP', () => {
    const v1 = {
      kind: 'ClusterIPState', version: 1, serviceClusterIPRange: SINGLE_V4, legacy: false,
      ranges: [{ range: SINGLE_V4, data: Buffer.from([0x02, 0x00]).toString('base64') }],
      services: [{ ...svc('old', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }) }],
    };
    const ipam = new ServiceIPAM({ serviceClusterIPRange: SINGLE_V4 });
    ipam.restore(v1);
    expect(ipam.ipAddresses().map((a) => [a.metadata.name, a.spec.parentRef.name])).toEqual([['10.96.0.10', 'old']]);
    expect(ipam.list().map((s) => s.metadata?.name)).toEqual(['old']);
  });

  it.each([
    ['another configuration', (s: any) => ({ ...s, serviceClusterIPRange: '10.96.0.0/16' }), 'ERR_MISMATCHED_NETWORK'],
    ['another version', (s: any) => ({ ...s, kubernetesVersion: '1.35' }), 'ERR_MISMATCHED_NETWORK'],
    ['not a state', () => ({ kind: 'Other' }), 'ERR_INVALID_SNAPSHOT'],
    ['an IPAddress that is not one', (s: any) => ({ ...s, ipAddresses: [{ kind: 'Pod' }] }), 'ERR_INVALID_SNAPSHOT'],
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

  // In the IPAddress model deleting an IPAddress (or the repair controller doing so) frees an IP a
  // Service holds, so these states are reachable: they load, and the hazards say what repair would do.
  it.each([
    ['a Service whose IP has no IPAddress', (s: any) => ({ ...s, services: [...s.services, svc('ghost', { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'], ipFamilies: ['IPv4'] })] }), ['ip-not-allocated']],
    ['two Services holding one IP', (s: any) => ({ ...s, services: [...s.services, { ...s.services[1], metadata: { name: 'copy', namespace: 'default' } }] }), ['ip-shared']],
  ])('1.36: restores %s and reports it as a hazard', (_label, change, codes) => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7 });
    a.create(svc('x'));
    const hazards: Hazard[] = [];
    a.restore(change(a.snapshot()), { hazards });
    expect(hazards.map((h) => h.code)).toEqual(codes);
  });

  it.each([
    ['a Service whose IP is not allocated', (s: any) => ({ ...s, services: [...s.services, svc('ghost', { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'], ipFamilies: ['IPv4'] })] }), 'ranges do not have allocated'],
    ['two Services holding one IP', (s: any) => ({ ...s, services: [...s.services, { ...s.services[1], metadata: { name: 'copy', namespace: 'default' } }] }), 'is held by two services'],
  ])('1.32: refuses %s (no request can reach it in the bitmap model) and keeps its state', (_label, corrupt, text) => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7, kubernetesVersion: '1.32' });
    a.create(svc('x'));
    const before = JSON.stringify(a.snapshot());
    expect(() => a.restore(corrupt(a.snapshot()))).toThrow(text);
    expect(JSON.stringify(a.snapshot())).toBe(before);
  });

  it('refuses bad base64 in a bitmap state', () => {
    const a = new ServiceIPAM({ serviceClusterIPRange: DUAL, seed: 7, kubernetesVersion: '1.32' });
    const state = a.snapshot();
    expect(() => a.restore({ ...state, ranges: [{ ...state.ranges[0], data: '%%%' }, state.ranges[1]] })).toThrow('is not base64');
  });
});
