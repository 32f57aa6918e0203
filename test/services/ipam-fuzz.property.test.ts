// Fuzzing ServiceIPAM's entry points (issue 24) as test/fuzz.property.test.ts fuzzes the range
// allocator's: valid objects with one field replaced by anything, and arbitrary values, handed to
// create, update, delete, the ServiceCIDR and IPAddress calls, repair, restore and the readers.
// For each call: a result or one of the typed errors, the state exactly as before when it throws
// (transactional, so a failed dual-stack request keeps nothing either), and at the end a state
// that still round-trips. Sized by runs, never by time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import {
  AllocatorError, NetworkingValidationError, ObjectShapeError, ServiceExistsError, ServiceIPAM, ServiceInternalError, ServiceNotFoundError,
  ServiceValidationError,
} from '../../src/index.js';

const SERVICE_PATHS = [
  [], ['metadata'], ['metadata', 'name'], ['metadata', 'namespace'], ['metadata', 'labels'], ['metadata', 'uid'], ['spec'], ['spec', 'type'],
  ['spec', 'ports'], ['spec', 'ports', 0], ['spec', 'ports', 0, 'port'], ['spec', 'ports', 0, 'nodePort'], ['spec', 'ports', 0, 'protocol'],
  ['spec', 'ports', 0, 'targetPort'], ['spec', 'clusterIP'], ['spec', 'clusterIPs'], ['spec', 'clusterIPs', 0], ['spec', 'ipFamilies'],
  ['spec', 'ipFamilyPolicy'], ['spec', 'selector'], ['spec', 'externalTrafficPolicy'], ['spec', 'healthCheckNodePort'],
  ['spec', 'allocateLoadBalancerNodePorts'], ['spec', 'externalName'], ['spec', 'sessionAffinity'], ['spec', 'sessionAffinityConfig'], ['status'],
] as const;

const base = (name: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ipFamilyPolicy: 'PreferDualStack', selector: { app: name }, ports: [{ port: 80, name: 'http' }] },
});

const value = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom('', 'None', '10.96.0.5', '10.96.000.5', 'fd00::5', 'FD00::5', '::ffff:10.96.0.5', 'ExternalName', 'NodePort', 'IPv6', 'RequireDualStack', 30080, 0, -1, 65536, 2 ** 31, 1.5, NaN, null),
  fc.bigInt().map((b) => b),
);

function setPath(target: any, path: readonly (string | number)[], replacement: unknown): any {
  if (path.length === 0) return replacement;
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== 'object') return target;
    node = node[path[i]];
  }
  if (node !== null && typeof node === 'object') node[path[path.length - 1]] = replacement;
  return target;
}

const hostileService = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom(...SERVICE_PATHS), value)
  .map(([name, path, replacement]) => setPath(structuredClone(base(name)), path, replacement) as Service);

type Call = { name: string; run: (ipam: ServiceIPAM) => unknown };

const call: fc.Arbitrary<Call> = fc.oneof(
  hostileService.map((s) => ({ name: `create(${fc.stringify(s)})`, run: (i: ServiceIPAM) => i.create(s) })),
  fc.tuple(fc.constantFrom('a', 'b', 'c'), hostileService).map(([name, s]) => ({
    name: `update(${name}, ${fc.stringify(s)})`, run: (i: ServiceIPAM) => i.update(i.get('default', name) ?? base(name), s),
  })),
  fc.oneof(hostileService, value).map((s) => ({ name: `delete(${fc.stringify(s)})`, run: (i: ServiceIPAM) => i.delete(s as Service) })),
  fc.tuple(fc.constantFrom(['metadata', 'name'], ['spec', 'cidrs'], ['spec', 'cidrs', 0], ['spec'], ['status'], []), value).map(([path, v]) => {
    const object = setPath({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: ['10.97.0.0/28'] } }, path, v);
    return { name: `applyServiceCIDR(${fc.stringify(object)})`, run: (i: ServiceIPAM) => i.applyServiceCIDR(object) };
  }),
  fc.tuple(fc.constantFrom(['metadata', 'name'], ['spec', 'parentRef'], ['spec', 'parentRef', 'name'], ['spec', 'parentRef', 'namespace'], ['spec'], []), value).map(([path, v]) => {
    const object = setPath({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.9' }, spec: { parentRef: { resource: 'gateways', group: 'gateway.networking.k8s.io', namespace: 'x', name: 'gw' } } }, path, v);
    return { name: `applyIPAddress(${fc.stringify(object)})`, run: (i: ServiceIPAM) => i.applyIPAddress(object) };
  }),
  value.map((v) => ({ name: `deleteServiceCIDR(${fc.stringify(v)})`, run: (i: ServiceIPAM) => i.deleteServiceCIDR(v as string) })),
  value.map((v) => ({ name: `deleteIPAddress(${fc.stringify(v)})`, run: (i: ServiceIPAM) => i.deleteIPAddress(v as string) })),
  fc.array(hostileService, { maxLength: 3 }).map((list) => ({ name: `repair(${fc.stringify(list)})`, run: (i: ServiceIPAM) => i.repair(list) })),
  fc.tuple(value, value).map(([a, b]) => ({ name: `get(${fc.stringify(a)}, ${fc.stringify(b)})`, run: (i: ServiceIPAM) => i.get(a as string, b as string) })),
  value.map((v) => ({ name: `isAllocated(${fc.stringify(v)})`, run: (i: ServiceIPAM) => i.isAllocated(v as string) })),
  fc.tuple(fc.constantFrom('services', 'ipAddresses', 'serviceCIDRs', 'nodePorts', 'cidrAllocators', 'ranges'), fc.nat(3), fc.constantFrom(...SERVICE_PATHS), value).map(([key, index, path, v]) => ({
    name: `restore(${key}[${index}].${path.join('.')} = ${fc.stringify(v)})`,
    run: (i: ServiceIPAM) => {
      const state: any = JSON.parse(JSON.stringify(i.snapshot()));
      const list = state[key];
      if (Array.isArray(list) && list.length > 0) list[index % list.length] = setPath(list[index % list.length], path, v);
      else state[key] = v;
      i.restore(state);
    },
  })),
);

function isTypedError(error: unknown): boolean {
  return error instanceof ObjectShapeError || error instanceof ServiceValidationError || error instanceof ServiceInternalError
    || error instanceof ServiceExistsError || error instanceof ServiceNotFoundError || error instanceof NetworkingValidationError
    || error instanceof AllocatorError;
}

let tried = 0;

describe('fuzz: ServiceIPAM entry points with hostile input', () => {
  it.each(['1.36', '1.33', '1.32'])('%s: a result or a typed error, no change on error, a state that round-trips', (version) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(call, { minLength: 1, maxLength: 20 }), (seed, calls) => {
        const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/27,fd00::/123', kubernetesVersion: version, seed, transactional: true });
        try {
          ipam.create(base('a'));
          for (const { name, run } of calls) {
            tried++;
            const before = JSON.stringify(ipam.snapshot());
            let threw: unknown;
            try {
              run(ipam);
            } catch (error) {
              threw = error;
            }
            if (threw !== undefined) {
              expect(isTypedError(threw), `${name} threw ${String(threw)}`).toBe(true);
              expect(JSON.stringify(ipam.snapshot()), name).toBe(before);
            }
          }
          const state = JSON.parse(JSON.stringify(ipam.snapshot()));
          const copy = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/27,fd00::/123', kubernetesVersion: version, reserveKubernetesService: false });
          copy.restore(state);
          expect(JSON.stringify(copy.snapshot())).toBe(JSON.stringify(state));
          copy.dispose();
        } finally {
          ipam.dispose();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports how many calls were tried', () => {
    console.log(`ServiceIPAM fuzz: ${tried} hostile calls, 0 failures`);
    expect(tried).toBeGreaterThan(1000);
  });
});
