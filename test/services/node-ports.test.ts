// Node ports in the Service pipeline (kubernetes-semantics §10): what create, update and delete
// allocate and release, the errors a user sees, and that a failed request changes nothing.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { NodePortAllocator, ServiceIPAM, ServiceInternalError } from '../../src/index.js';
import { SINGLE_V4, emptyIPAM, expectFieldErrors, ipamState, svc } from './helpers.js';

const ipamWith = (range = '30000-32767') => emptyIPAM({ serviceClusterIPRange: SINGLE_V4, serviceNodePortRange: range, seed: 21 });
const ports = (s: Service) => s.spec!.ports!.map((p) => p.nodePort);
const twoPorts = [{ name: 'a', port: 80 }, { name: 'b', port: 443 }];
const dns = [{ name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'dns-udp', port: 53, protocol: 'UDP' }];

describe('node ports on create', () => {
  it('a NodePort Service gets one port per entry, from the dynamic band first', () => {
    const ipam = ipamWith();
    const created = ipam.create(svc('web', { type: 'NodePort', ports: twoPorts }));
    const [a, b] = ports(created) as number[];
    expect(a).not.toBe(b);
    for (const port of [a, b]) {
      expect(port).toBeGreaterThanOrEqual(30086);
      expect(port).toBeLessThanOrEqual(32767);
      expect(ipam.nodePortAllocator.has(port)).toBe(true);
    }
    expect(ipam.get('default', 'web')).toEqual(created);
  });

  it('entries with the same port number share one nodePort (53/TCP and 53/UDP)', () => {
    const ipam = ipamWith();
    const [tcp, udp] = ports(ipam.create(svc('dns', { type: 'NodePort', ports: dns })));
    expect(tcp).toBe(udp);
    expect(ipam.nodePortAllocator.used).toBe(1);
  });

  it('a nodePort requested on a later entry of the same number is used for the earlier one too', () => {
    const ipam = ipamWith();
    const created = ipam.create(svc('dns', { type: 'NodePort', ports: [dns[0], { ...dns[1], nodePort: 30053 }] }));
    expect(ports(created)).toEqual([30053, 30053]);
  });

  it('LoadBalancer with allocateLoadBalancerNodePorts false reserves only the requested ports', () => {
    const ipam = ipamWith();
    const created = ipam.create(svc('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ ...twoPorts[0], nodePort: 31000 }, twoPorts[1]] }));
    expect(ports(created)).toEqual([31000, undefined]);
    expect([...ipam.nodePortAllocator]).toEqual([31000]);
  });

  it('LoadBalancer + Local gets a healthCheckNodePort apart from its nodePorts, even without node ports', () => {
    const ipam = ipamWith();
    const created = ipam.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', allocateLoadBalancerNodePorts: false }));
    const hc = created.spec!.healthCheckNodePort!;
    expect(ipam.nodePortAllocator.has(hc)).toBe(true);
    expect([...ipam.nodePortAllocator]).toEqual([hc]);
  });

  it('a taken requested port is Invalid at spec.ports[i].nodePort with the upstream text, and nothing changes', () => {
    const ipam = ipamWith();
    ipam.create(svc('first', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }));
    const before = ipamState(ipam);
    expectFieldErrors(() => ipam.create(svc('second', { type: 'NodePort', ports: [{ port: 81 }, { port: 80, nodePort: 30100 }] })), [
      { type: 'Invalid', field: 'spec.ports[1].nodePort', value: 30100, detail: 'provided port is already allocated' },
    ]);
    expect(ipamState(ipam)).toBe(before);
  });

  it('an out-of-range requested port names the valid range', () => {
    const ipam = ipamWith();
    const before = ipamState(ipam);
    const [error] = expectFieldErrors(() => ipam.create(svc('x', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })), [
      { type: 'Invalid', field: 'spec.ports[0].nodePort', value: 8080 },
    ]);
    expect(error.detail).toBe('provided port is not in the valid range. The range of valid ports is 30000-32767');
    expect(ipamState(ipam)).toBe(before);
  });

  it('a full range is an internal error, and the cluster IP taken for the request is given back', () => {
    const ipam = ipamWith('30000-30001');
    ipam.create(svc('a', { type: 'NodePort', ports: twoPorts }));
    const before = ipamState(ipam);
    let error: unknown;
    try {
      ipam.create(svc('b', { type: 'NodePort' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServiceInternalError);
    expect((error as Error).message).toBe('Internal error occurred: failed to allocate a nodePort: range is full');
    expect(ipamState(ipam)).toBe(before);
  });

  it('a failed health-check port is an internal error naming the requested port', () => {
    const ipam = ipamWith();
    ipam.create(svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }));
    const before = ipamState(ipam);
    expect(() => ipam.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30500 })))
      .toThrow('Internal error occurred: failed to allocate requested HealthCheck NodePort 30500: provided port is already allocated');
    expect(ipamState(ipam)).toBe(before);
  });

  it('a validation failure after allocation gives the ports back', () => {
    const ipam = ipamWith();
    const before = ipamState(ipam);
    // headless NodePort: ports are allocated, then validation refuses the Service
    expect(() => ipam.create(svc('h', { type: 'NodePort', clusterIP: 'None' }))).toThrow(/may not be set to 'None' for NodePort services/);
    expect(ipamState(ipam)).toBe(before);
  });
});

describe('node ports on update and delete', () => {
  it('each new entry without a nodePort gets its own port on update (no sharing by number)', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('dns', { type: 'NodePort', ports: [dns[0]] }));
    const [tcp] = ports(old);
    const updated = ipam.update(old, svc('dns', { type: 'NodePort', clusterIP: old.spec!.clusterIP, ports: [{ ...dns[0], nodePort: tcp }, dns[1]] }));
    const [tcp2, udp] = ports(updated);
    expect(tcp2).toBe(tcp);
    expect(udp).not.toBe(tcp);
    expect(ipam.nodePortAllocator.used).toBe(2);
  });

  it('nodePorts are kept by port name when the update leaves them empty', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('web', { type: 'NodePort', ports: twoPorts }));
    const updated = ipam.update(old, svc('web', { type: 'NodePort', clusterIP: old.spec!.clusterIP, ports: twoPorts }));
    expect(ports(updated)).toEqual(ports(old));
    expect(ipam.nodePortAllocator.used).toBe(2);
  });

  it('leaving NodePort releases every nodePort and clears the fields', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('web', { type: 'NodePort', ports: twoPorts }));
    const updated = ipam.update(old, { ...old, spec: { ...old.spec, type: 'ClusterIP', externalTrafficPolicy: undefined } });
    expect(ports(updated)).toEqual([undefined, undefined]);
    expect(ipam.nodePortAllocator.used).toBe(0);
  });

  it('an update changing a nodePort releases the old one at commit and takes the new one', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 30200 }] }));
    ipam.update(old, { ...old, spec: { ...old.spec, ports: [{ port: 80, nodePort: 30201, protocol: 'TCP', targetPort: 80 }] } });
    expect([...ipam.nodePortAllocator]).toEqual([30201]);
  });

  it('a failed update keeps the old ports and frees none of the new ones', () => {
    const ipam = ipamWith();
    ipam.create(svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort: 30300 }] }));
    const old = ipam.create(svc('web', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30200 }, { name: 'b', port: 81 }] }));
    const before = ipamState(ipam);
    const bad = { ...old, spec: { ...old.spec, ports: [{ name: 'a', port: 80, nodePort: 30201, protocol: 'TCP', targetPort: 80 }, { name: 'b', port: 81, nodePort: 30300, protocol: 'TCP', targetPort: 81 }] } };
    expectFieldErrors(() => ipam.update(old, bad), [{ field: 'spec.ports[1].nodePort', detail: 'provided port is already allocated' }]);
    expect(ipamState(ipam)).toBe(before);
  });

  it('two entries with the same protocol and nodePort on update fail as upstream\'s plain error, changing nothing', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('web', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30400 }] }));
    const before = ipamState(ipam);
    const bad = { ...old, spec: { ...old.spec, ports: [{ name: 'a', port: 80, nodePort: 30400, protocol: 'TCP' }, { name: 'b', port: 81, nodePort: 30400, protocol: 'TCP' }] } };
    expect(() => ipam.update(old, bad)).toThrow(new ServiceInternalError('duplicate nodePort: {TCP 30400}', { bare: true }).message);
    expect(ipamState(ipam)).toBe(before);
  });

  it('the health-check port is allocated when it becomes needed, immutable while needed, released when not', () => {
    const ipam = ipamWith();
    const old = ipam.create(svc('lb', { type: 'LoadBalancer' }));
    const local = ipam.update(old, { ...old, spec: { ...old.spec, externalTrafficPolicy: 'Local' } });
    const hc = local.spec!.healthCheckNodePort!;
    expect(ipam.nodePortAllocator.has(hc)).toBe(true);
    expectFieldErrors(() => ipam.update(local, { ...local, spec: { ...local.spec, healthCheckNodePort: hc === 30000 ? 30001 : 30000 } }), [
      { type: 'Forbidden', field: 'spec.healthCheckNodePort', detail: 'field is immutable' },
    ]);
    expect(ipam.nodePortAllocator.has(hc)).toBe(true);
    const cluster = ipam.update(local, { ...local, spec: { ...local.spec, externalTrafficPolicy: 'Cluster', healthCheckNodePort: undefined } });
    expect(cluster.spec!.healthCheckNodePort).toBeUndefined();
    expect(ipam.nodePortAllocator.has(hc)).toBe(false);
  });

  it('delete releases the nodePorts and the health-check port', () => {
    const ipam = ipamWith();
    const created = ipam.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: dns }));
    expect(ipam.nodePortAllocator.used).toBe(2);
    ipam.delete(created);
    expect(ipam.nodePortAllocator.used).toBe(0);
  });
});

describe('node ports in repair, metrics and state', () => {
  it('repair finds ports not allocated, duplicates, out of range and leaks (freed on the third applied pass)', () => {
    const ipam = ipamWith();
    const a = ipam.create(svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30010 }] }));
    ipam.nodePortAllocator.allocate(31111); // a leak
    const listed: Service[] = [
      a,
      { ...svc('b'), spec: { ...svc('b').spec, type: 'NodePort', ports: [{ port: 80, nodePort: 30010 }] } },
      { ...svc('c'), spec: { ...svc('c').spec, type: 'NodePort', ports: [{ port: 80, nodePort: 30020 }, { port: 81, nodePort: 40000 }] } },
    ];
    const first = ipam.repair(listed, { apply: true }).nodePorts;
    expect(first).toEqual({
      range: '30000-32767',
      notAllocated: [{ service: 'default/c', port: 30020 }],
      duplicates: [{ port: 30010, services: ['default/a', 'default/b'] }],
      outOfRange: [{ service: 'default/c', port: 40000 }],
      leaked: [{ port: 31111, passes: 1, released: false }],
    });
    expect(ipam.nodePortAllocator.has(30020)).toBe(true);
    expect(ipam.repair(listed, { apply: true }).nodePorts.leaked).toEqual([{ port: 31111, passes: 2, released: false }]);
    expect(ipam.repair(listed, { apply: true }).nodePorts.leaked).toEqual([{ port: 31111, passes: 3, released: true }]);
    expect(ipam.nodePortAllocator.has(31111)).toBe(false);
  });

  it('metrics carry the node port gauges and counters without a cidr label', () => {
    const ipam = ipamWith();
    ipam.create(svc('a', { type: 'NodePort', ports: twoPorts }));
    const text = ipam.metrics();
    expect(text).toContain('kube_apiserver_nodeport_allocator_allocated_ports 2\n');
    expect(text).toContain('kube_apiserver_nodeport_allocator_available_ports 2766\n');
    expect(text).toContain('kube_apiserver_nodeport_allocator_allocation_total{scope="dynamic"} 2\n');
    expect(text).toContain('# TYPE kube_apiserver_nodeport_allocator_allocation_errors_total counter');
  });

  it('snapshot and restore keep the ports; a state of another port range is refused', () => {
    const ipam = ipamWith();
    ipam.create(svc('a', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: twoPorts }));
    const state = ipam.snapshot();
    expect(state.serviceNodePortRange).toBe('30000-32767');
    const copy = ipamWith();
    copy.restore(state);
    expect([...copy.nodePortAllocator]).toEqual([...ipam.nodePortAllocator]);
    expect(copy.nodePortAllocator.used).toBe(3);
    const other = ipamWith('31000-31999');
    expect(() => other.restore(state)).toThrow(/port range does not match/);
    expect(other.nodePortAllocator.used).toBe(0);
  });

  it('a state written before node ports existed gets its ports from the Services; conflicting holders are refused', () => {
    const ipam = ipamWith();
    ipam.create(svc('a', { type: 'NodePort', ports: twoPorts }));
    const { serviceNodePortRange: _range, nodePorts: _ports, ...old } = ipam.snapshot();
    const copy = ipamWith();
    copy.restore(old);
    expect([...copy.nodePortAllocator]).toEqual([...ipam.nodePortAllocator]);
    const clash = structuredClone(old);
    const b = structuredClone(clash.services[0]);
    b.metadata!.name = 'b';
    // headless, so only its node ports collide (a restore checks holders, not validity)
    b.spec!.clusterIP = 'None';
    b.spec!.clusterIPs = ['None'];
    clash.services.push(b);
    const fresh = ipamWith();
    expect(() => fresh.restore(clash)).toThrow(/held by two services/);
    expect(fresh.list()).toEqual([]);
  });

  it('the node port range option is parsed as the flag is, and a bad one is a typed error', () => {
    expect(new ServiceIPAM({ serviceNodePortRange: ' 30000-30100 ' }).serviceNodePortRange).toBe('30000-30100');
    expect(() => new ServiceIPAM({ serviceNodePortRange: '32767-30000' })).toThrow(/end port cannot be less than start port/);
    expect(() => new NodePortAllocator('30000-70000')).toThrow(/cannot be greater than 65535/);
  });
});
