// Random sequences of Service create/delete, ServiceCIDR add/delete, foreign IPAddresses, clock
// moves and repair, against a small reference model of the 1.33+ rules. Invariants: no IP held
// twice, every Service IP has its IPAddress pointing back, repair finds nothing to fix (so no
// IPAddress is left without a holder), and deleting a ServiceCIDR never orphans an IP.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, ServiceInternalError, ServiceValidationError, type IPAddressRepairReport } from '../../src/index.js';

// Small, overlapping IPv4 CIDRs inside 10.0.0.0/26, so overlaps and exhaustion happen often.
const POOL: Record<string, { network: number; prefix: number }> = {
  a: { network: 0, prefix: 29 }, b: { network: 8, prefix: 29 }, c: { network: 0, prefix: 28 },
  d: { network: 16, prefix: 28 }, e: { network: 0, prefix: 27 }, f: { network: 32, prefix: 29 },
};
const FLAG = { network: 0, prefix: 28 };
const cidrText = ({ network, prefix }: { network: number; prefix: number }) => `10.0.0.${network}/${prefix}`;
const isHost = ({ network, prefix }: { network: number; prefix: number }, x: number) => {
  const size = 2 ** (32 - prefix);
  return x > network && x < network + size - 1; // neither network nor broadcast
};
const contains = (outer: { network: number; prefix: number }, inner: { network: number; prefix: number }) =>
  outer.prefix <= inner.prefix && inner.network >= outer.network && inner.network < outer.network + 2 ** (32 - outer.prefix);
const GRACE = 10_000;

type Op =
  | { kind: 'dynamic' }
  | { kind: 'static'; host: number }
  | { kind: 'delete'; index: number }
  | { kind: 'addCIDR'; name: string }
  | { kind: 'deleteCIDR'; index: number }
  | { kind: 'foreign'; host: number }
  | { kind: 'unforeign'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'repair' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'dynamic' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('static' as const), host: fc.integer({ min: 0, max: 63 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addCIDR' as const), name: fc.constantFrom(...Object.keys(POOL)) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteCIDR' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('foreign' as const), host: fc.integer({ min: 0, max: 63 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unforeign' as const), index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1_000, 9_999, 10_000, 61_000) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'repair' as const }) },
);

interface ModelCIDR { range: { network: number; prefix: number }; deletedAt?: number }

class Model {
  cidrs = new Map<string, ModelCIDR>([['kubernetes', { range: FLAG }]]);
  services = new Map<string, number>();
  foreign = new Set<number>();
  now = 0;
  /**
   * The MetaAllocator's allocators, one per CIDR text, and whether each is ready (syncAllocators):
   * a CIDR one ServiceCIDR holds is ready while that ServiceCIDR is not being deleted; one that
   * several hold turns ready when any of them is, and keeps its readiness when none is — so
   * a CIDR whose every holder is terminating can still hand out IPs, as upstream does.
   */
  ready = new Map<string, boolean>([[cidrText(FLAG), true]]);

  taken(x: number): boolean {
    return this.foreign.has(x) || [...this.services.values()].includes(x);
  }
  /** Hosts of a ready allocator's CIDR: where allocations may go. */
  allocatable(x: number): boolean {
    return [...this.cidrs.values()].some((c) => this.ready.get(cidrText(c.range)) === true && isHost(c.range, x));
  }
  anyFree(): boolean {
    for (let x = 0; x < 64; x++) if (this.allocatable(x) && !this.taken(x)) return true;
    return false;
  }
  // canDeleteCIDR: another ServiceCIDR holds the whole CIDR, or no Service IP is held only here.
  canDelete(name: string): boolean {
    const target = this.cidrs.get(name)!;
    const others = [...this.cidrs].filter(([n]) => n !== name).map(([, c]) => c);
    if (others.some((o) => contains(o.range, target.range))) return true;
    return ![...this.services.values()].some((x) => isHost(target.range, x) && !others.some((o) => isHost(o.range, x)));
  }
  // The controllers until nothing more changes: a removal (or a recreated "kubernetes") can let
  // another terminating ServiceCIDR go.
  settle(): void {
    for (let changed = true; changed;) {
      changed = false;
      for (const [name, c] of [...this.cidrs]) {
        if (c.deletedAt !== undefined && this.canDelete(name) && this.now - c.deletedAt >= GRACE) {
          this.cidrs.delete(name);
          changed = true;
        }
      }
      if (!this.cidrs.has('kubernetes')) this.cidrs.set('kubernetes', { range: FLAG });
    }
    this.syncAllocators();
  }
  syncAllocators(): void {
    const holders = new Map<string, ModelCIDR[]>();
    for (const c of this.cidrs.values()) holders.set(cidrText(c.range), [...(holders.get(cidrText(c.range)) ?? []), c]);
    for (const text of [...this.ready.keys()]) if (!holders.has(text)) this.ready.delete(text);
    for (const [text, list] of holders) {
      const live = list.some((c) => c.deletedAt === undefined);
      if (!this.ready.has(text) || list.length === 1 || live) this.ready.set(text, live);
    }
  }
}

const service = (name: string, clusterIP?: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
});
const host = (ip: string) => Number(ip.split('.')[3]);

function run(ops: Op[], seed: number): void {
  const model = new Model();
  const ipam = new ServiceIPAM({ serviceClusterIPRange: cidrText(FLAG), reserveKubernetesService: false, seed, now: () => model.now });
  let n = 0;
  for (const op of ops) {
    switch (op.kind) {
      case 'dynamic': {
        const expectOk = model.anyFree();
        const name = `s${n++}`;
        if (expectOk) {
          const ip = ipam.create(service(name)).spec!.clusterIP!;
          expect(model.allocatable(host(ip)) && !model.taken(host(ip))).toBe(true);
          model.services.set(name, host(ip));
        } else {
          expect(() => ipam.create(service(name))).toThrow(ServiceInternalError);
        }
        break;
      }
      case 'static': {
        const name = `s${n++}`;
        const ip = `10.0.0.${op.host}`;
        if (model.allocatable(op.host) && !model.taken(op.host)) {
          ipam.create(service(name, ip));
          model.services.set(name, op.host);
        } else {
          expect(() => ipam.create(service(name, ip))).toThrow(ServiceValidationError);
        }
        break;
      }
      case 'delete': {
        const names = [...model.services.keys()];
        if (names.length === 0) break;
        const name = names[op.index % names.length];
        ipam.delete(ipam.get('default', name)!);
        model.services.delete(name);
        break;
      }
      case 'addCIDR': {
        if (model.cidrs.has(op.name)) break;
        ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: op.name }, spec: { cidrs: [cidrText(POOL[op.name])] } });
        model.cidrs.set(op.name, { range: POOL[op.name] });
        break;
      }
      case 'deleteCIDR': {
        const names = [...model.cidrs.keys()];
        const name = names[op.index % names.length];
        ipam.deleteServiceCIDR(name);
        // deletionTimestamp is a metav1.Time: whole seconds.
        model.cidrs.get(name)!.deletedAt ??= Math.floor(model.now / 1000) * 1000;
        break;
      }
      case 'foreign': {
        if (model.taken(op.host) || op.host === 0) break;
        ipam.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: `10.0.0.${op.host}` }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'g' } } });
        model.foreign.add(op.host);
        break;
      }
      case 'unforeign': {
        const hosts = [...model.foreign];
        if (hosts.length === 0) break;
        const x = hosts[op.index % hosts.length];
        expect(ipam.deleteIPAddress(`10.0.0.${x}`)).toBe(true);
        model.foreign.delete(x);
        break;
      }
      case 'advance':
        model.now += op.ms;
        break;
      case 'repair': {
        model.now += 61_000;
        const report = ipam.repair(ipam.list(), { apply: true }) as IPAddressRepairReport;
        expect(report.events).toEqual([]);
        expect(report.actions).toEqual([]);
        break;
      }
    }
    model.settle();
    checkInvariants(ipam, model);
  }
  ipam.dispose();
}

function checkInvariants(ipam: ServiceIPAM, model: Model): void {
  const services = ipam.list();
  const serviceIPs = services.map((s) => s.spec!.clusterIP!);
  // No IP held twice, and none by a Service and something else.
  expect(new Set(serviceIPs).size).toBe(serviceIPs.length);
  expect(serviceIPs.filter((ip) => model.foreign.has(host(ip)))).toEqual([]);
  // Every Service IP has its IPAddress, pointing back at it; nothing else is allocated.
  const addresses = new Map(ipam.ipAddresses().map((a) => [a.metadata.name!, a]));
  for (const s of services) {
    const address = addresses.get(s.spec!.clusterIP!);
    expect(address?.spec.parentRef).toEqual({ resource: 'services', namespace: 'default', name: s.metadata!.name });
    expect(address?.metadata.labels?.['ipaddress.kubernetes.io/managed-by']).toBe('ipallocator.k8s.io');
  }
  expect([...addresses.keys()].sort()).toEqual([...serviceIPs, ...[...model.foreign].map((x) => `10.0.0.${x}`)].sort());
  expect(new Map(services.map((s) => [s.metadata!.name!, host(s.spec!.clusterIP!)]))).toEqual(model.services);
  // The ServiceCIDRs the model expects, and no Service IP outside all of them.
  const objects = ipam.serviceCIDRs();
  expect(objects.map((o) => o.metadata.name).sort()).toEqual([...model.cidrs.keys()].sort());
  for (const x of model.services.values()) expect([...model.cidrs.values()].some((c) => isHost(c.range, x))).toBe(true);
}

describe('ServiceIPAM (1.36) against a reference model of ServiceCIDRs and IPAddresses', () => {
  it('random operation sequences keep every invariant', () => {
    fc.assert(fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 1 << 30 }), (ops, seed) => run(ops, seed)), { numRuns: 150 });
  });

  it('two ServiceCIDRs deleted together: the first goes, the second then holds the IPs alone and waits', () => {
    // Each counts the other as holding its IPs; processed one after the other (as the controller
    // does once its cache has seen the first removal), the second is then blocked.
    let now = 0;
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/28', reserveKubernetesService: false, now: () => now });
    for (const name of ['x', 'y']) ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs: ['10.0.0.0/29'] } });
    ipam.create(service('a', '10.0.0.3'));
    ipam.deleteServiceCIDR('x');
    ipam.deleteServiceCIDR('y');
    now += GRACE;
    const left = ipam.serviceCIDRs();
    expect(left.map((o) => o.metadata.name)).toEqual(['kubernetes', 'y']);
    expect(left[1].status?.conditions?.[0].reason).toBe('Terminating');
    expect((ipam.repair() as IPAddressRepairReport).events).toEqual([]);
  });
});
