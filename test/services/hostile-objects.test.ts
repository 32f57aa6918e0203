// Hostile objects handed to ServiceIPAM directly (issue 24, item 6): getters that throw, Proxies,
// cycles, huge lists, "__proto__" and "constructor" keys, frozen objects. Each call ends in a
// typed error or a correct result, leaves the state as it was when it fails, and is bounded:
// the million-element cases are refused by the size limit after reading about 3 MiB.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ObjectShapeError, ServiceIPAM, ServiceValidationError } from '../../src/index.js';
import { ipamState, svc } from './helpers.js';

function fresh(): ServiceIPAM {
  const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 4 });
  ipam.create(svc('existing', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  return ipam;
}

function refusedUnchanged(call: (ipam: ServiceIPAM) => unknown, type: new (...args: never[]) => Error = ObjectShapeError): Error {
  const ipam = fresh();
  const before = ipamState(ipam);
  let error: unknown;
  try {
    call(ipam);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(type);
  expect(ipamState(ipam)).toBe(before);
  return error as Error;
}

const withGetter = (path: 'metadata' | 'spec', key: string, name = 'hostile'): Service => {
  const service = svc(name) as Record<string, any>;
  Object.defineProperty(service[path], key, { enumerable: true, get: () => { throw new Error('boom'); } });
  return service as Service;
};

describe('hostile objects handed to create() and update()', () => {
  it('a getter that throws is a typed error naming the field, with the thrown error as cause', () => {
    const error = refusedUnchanged((ipam) => ipam.create(withGetter('spec', 'ports'))) as ObjectShapeError;
    expect(error.path).toBe('spec.ports');
    expect((error.cause as Error).message).toBe('boom');
    refusedUnchanged((ipam) => ipam.create(withGetter('metadata', 'name')));
  });

  it('update() with a hostile old or new object is a typed error', () => {
    refusedUnchanged((ipam) => ipam.update(withGetter('metadata', 'name'), svc('existing')));
    refusedUnchanged((ipam) => ipam.update(ipam.get('default', 'existing')!, withGetter('spec', 'type', 'existing')));
    refusedUnchanged((ipam) => ipam.delete(withGetter('metadata', 'namespace')));
  });

  it('a Proxy is read once through its traps; one whose traps throw is a typed error', () => {
    const ipam = fresh();
    const created = ipam.create(new Proxy(svc('proxied'), {}) as Service);
    expect(created.spec?.clusterIP).toMatch(/^10\.96\.0\./);
    const lying = new Proxy(svc('liar'), { ownKeys: () => { throw new TypeError('no keys'); } });
    refusedUnchanged((i) => i.create(lying as Service));
  });

  it('a cyclic object is refused where the cycle closes', () => {
    const service = svc('cycle') as any;
    service.spec.selector = { app: 'x' };
    service.metadata.annotations = { note: 'x' };
    service.metadata.labels = {};
    service.spec.self = service.spec;
    const error = refusedUnchanged((ipam) => ipam.create(service)) as ObjectShapeError;
    expect(error.message).toContain('contains itself');
    expect(error.path).toBe('spec.self');
  });

  it.each([
    ['1,000,000 ports', () => svc('many', { ports: Array.from({ length: 1_000_000 }, (_, i) => ({ port: (i % 65535) + 1 })) })],
    ['1,000,000 clusterIPs', () => svc('many', { clusterIPs: Array.from({ length: 1_000_000 }, () => '10.96.0.9') })],
    ['one port a million times over (shared object)', () => svc('many', { ports: new Array(1_000_000).fill({ port: 80 }) })],
  ])('%s: refused by the API server\'s 3 MiB request limit, after reading about that much', (_label, make) => {
    const error = refusedUnchanged((ipam) => ipam.create(make())) as ObjectShapeError;
    expect(error.message).toContain('3 MiB');
  });

  it('20,000 NodePort ports (under the limit) fail as the API server fails them, in one pass', () => {
    const ports = Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}`, port: (i % 60000) + 1 }));
    const error = refusedUnchanged((ipam) => ipam.create(svc('wide', { type: 'NodePort', ports })), Error);
    expect(error.message).toContain('failed to allocate a nodePort: range is full');
  });

  it('"__proto__" and "constructor" keys stay plain data and pollute nothing', () => {
    const ipam = fresh();
    const input = JSON.parse('{"apiVersion":"v1","kind":"Service","metadata":{"name":"proto","namespace":"default","labels":{"__proto__":"x","constructor":"y"},"annotations":{"__proto__":"polluted"}},"spec":{"selector":{"app":"a"},"ports":[{"port":80}],"__proto__":{"type":"NodePort"}}}');
    const created = ipam.create(input);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
    expect(created.metadata!.annotations!.__proto__).toBe('polluted');
    expect(Object.getPrototypeOf(created.metadata!.labels)).toBe(Object.prototype);
    expect(Object.hasOwn(created.metadata!.labels!, '__proto__')).toBe(true);
    expect(created.metadata!.labels!.constructor).toBe('y');
    expect(created.spec?.type).toBe('ClusterIP');
    expect(ipam.get('default', 'proto')!.metadata!.labels).toEqual(created.metadata!.labels);
  });

  it('frozen input is read, not changed; the stored object is the pipeline\'s own', () => {
    const ipam = fresh();
    const input = structuredClone(svc('frozen'));
    const deepFreeze = (o: any): any => { Object.values(o).forEach((v) => v && typeof v === 'object' && deepFreeze(v)); return Object.freeze(o); };
    deepFreeze(input);
    const created = ipam.create(input);
    expect(created.spec?.clusterIP).toMatch(/^10\.96\.0\./);
    expect(input.spec?.clusterIP).toBeUndefined();
    expect(() => ipam.update(input, { ...input, spec: { ...input.spec, sessionAffinity: 'ClientIP' } })).not.toThrow();
  });

  it('a field of the wrong type is the decoder\'s refusal, not a validation error or a TypeError', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ports: 'abc' }, 'spec.ports'], [{ ports: [{ port: '80' }] }, 'spec.ports[0].port'], [{ clusterIPs: {} }, 'spec.clusterIPs'],
      [{ ports: [{ port: 80, nodePort: 2 ** 31 }] }, 'spec.ports[0].nodePort'], [{ allocateLoadBalancerNodePorts: 'yes' }, 'spec.allocateLoadBalancerNodePorts'],
      [{ selector: { app: 7 } }, 'spec.selector.app'],
    ];
    for (const [spec, path] of cases) {
      const error = refusedUnchanged((ipam) => ipam.create(svc('typed', spec as Service['spec']))) as ObjectShapeError;
      expect(error.path).toBe(path);
    }
    // Validation errors stay validation errors.
    refusedUnchanged((ipam) => ipam.create(svc('bad', { ports: [{ port: 0 }] })), ServiceValidationError);
  });
});
