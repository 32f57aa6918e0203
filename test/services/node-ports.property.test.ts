// Random Service requests with node ports (create, update, delete; NodePort, LoadBalancer with and
// without node ports and with the health-check port, ClusterIP) on a 20-port range, so requests
// collide and the range fills. After every request: the port bitmap holds exactly the ports the
// stored Services hold, no port has two holders, every NodePort entry has its port, and a request
// that failed changed nothing at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM } from '../../src/index.js';

const RANGE = '30000-30019';

type Kind = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'LoadBalancerLocal' | 'LoadBalancerNoPorts';
interface Shape { kind: Kind; entries: Array<{ port: number; protocol: 'TCP' | 'UDP'; nodePort?: number }>; hc?: number }
type Op = { op: 'create' | 'update'; name: number; shape: Shape } | { op: 'delete'; name: number };

const shape: fc.Arbitrary<Shape> = fc.record({
  kind: fc.constantFrom<Kind>('ClusterIP', 'NodePort', 'LoadBalancer', 'LoadBalancerLocal', 'LoadBalancerNoPorts'),
  entries: fc.array(fc.record({
    port: fc.constantFrom(53, 80, 443),
    protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP'),
    nodePort: fc.option(fc.integer({ min: 29998, max: 30021 }), { nil: undefined, freq: 3 }),
  }), { minLength: 1, maxLength: 3 }),
  hc: fc.option(fc.integer({ min: 29999, max: 30020 }), { nil: undefined, freq: 3 }),
});
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), name: fc.nat(5), shape }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('update' as const), name: fc.nat(5), shape }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), name: fc.nat(5) }) },
);

function serviceOf(name: string, s: Shape, old?: Service): Service {
  const type = s.kind.startsWith('LoadBalancer') ? 'LoadBalancer' : s.kind;
  const ports: ServicePort[] = s.entries.map((e, i) => ({ name: `p${i}`, port: e.port, protocol: e.protocol, ...(e.nodePort ? { nodePort: e.nodePort } : {}) }));
  const spec: NonNullable<Service['spec']> = { type, selector: { app: name }, ports };
  if (s.kind === 'LoadBalancerNoPorts') spec.allocateLoadBalancerNodePorts = false;
  if (s.kind === 'LoadBalancerLocal') {
    spec.externalTrafficPolicy = 'Local';
    if (s.hc) spec.healthCheckNodePort = s.hc;
  }
  if (old) {
    spec.clusterIP = old.spec!.clusterIP;
    spec.clusterIPs = old.spec!.clusterIPs;
  }
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}

function heldPorts(s: Service): number[] {
  const ports = new Set((s.spec!.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
  if (s.spec!.type === 'LoadBalancer' && s.spec!.externalTrafficPolicy === 'Local') ports.add(s.spec!.healthCheckNodePort!);
  return [...ports];
}

function checkInvariants(ipam: ServiceIPAM): void {
  const holders = new Map<number, string>();
  for (const s of ipam.list()) {
    const type = s.spec!.type;
    if (type === 'ClusterIP') expect(heldPorts(s)).toEqual([]);
    if (type === 'NodePort' || (type === 'LoadBalancer' && s.spec!.allocateLoadBalancerNodePorts !== false)) {
      for (const p of s.spec!.ports!) expect(p.nodePort).toBeGreaterThan(0);
    }
    if (type === 'LoadBalancer' && s.spec!.externalTrafficPolicy === 'Local') expect(s.spec!.healthCheckNodePort).toBeGreaterThan(0);
    for (const port of heldPorts(s)) {
      expect(holders.has(port), `port ${port} held by ${holders.get(port)} and ${s.metadata!.name}`).toBe(false);
      holders.set(port, s.metadata!.name!);
    }
  }
  expect([...ipam.nodePortAllocator]).toEqual([...holders.keys()].sort((a, b) => a - b));
  const { nodePorts } = ipam.repair();
  expect(nodePorts).toEqual({ range: RANGE, notAllocated: [], duplicates: [], outOfRange: [], leaked: [] });
}

describe('node ports in Service requests (property)', () => {
  it('the bitmap always equals what Services hold, and failed requests change nothing', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), fc.nat(1000), (ops, seed) => {
        const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', serviceNodePortRange: RANGE, reserveKubernetesService: false, seed });
        for (const step of ops) {
          const name = `s${step.name}`;
          const stored = ipam.get('default', name);
          const before = JSON.stringify(ipam.snapshot());
          try {
            if (step.op === 'delete') {
              if (stored) ipam.delete(stored);
            } else if (step.op === 'create' || !stored) {
              ipam.create(serviceOf(name, step.shape));
            } else {
              ipam.update(stored, serviceOf(name, step.shape, stored));
            }
          } catch (error) {
            expect((error as { code?: string }).code).toMatch(/^ERR_SERVICE_(INVALID|INTERNAL|EXISTS)$/);
            expect(JSON.stringify(ipam.snapshot())).toBe(before);
          }
          checkInvariants(ipam);
        }
        ipam.dispose();
      }),
      { numRuns: 150 },
    );
  });
});
