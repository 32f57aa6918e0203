// The law of the shared store: several clients on one prefix behave as one ServiceIPAM. Random
// operation sequences, each operation sent by one of two clients, against real etcd; then the same
// operations replayed, in the order they landed, on one in-process ServiceIPAM — dynamic picks
// given back as the IPs and ports the shared run got — must succeed and fail alike and end in the
// same Services and IPAddresses. A third client, opened afterwards, loads exactly that state.
import fc from 'fast-check';
import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ServiceIPAM, type IPAMState } from '../../src/index.js';
import { SharedServiceIPAM } from '../../src/shared/index.js';
import { etcdForFile } from './etcd-per-file.js';


const etcd = etcdForFile();

const RANGE = '10.96.0.0/27';
const PORTS = '30000-30015';

type Op =
  | { kind: 'create'; client: number; name: number; type: 'ClusterIP' | 'NodePort'; host?: number }
  | { kind: 'delete'; client: number; name: number }
  | { kind: 'retype'; client: number; name: number; type: 'ClusterIP' | 'NodePort' }
  | { kind: 'foreign'; client: number; host: number }
  | { kind: 'unforeign'; client: number; host: number };

const client = fc.integer({ min: 0, max: 1 });
const name = fc.integer({ min: 0, max: 9 });
const type = fc.constantFrom('ClusterIP' as const, 'NodePort' as const);
const host = fc.integer({ min: 1, max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('create' as const), client, name, type, host: fc.option(host, { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), client, name }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retype' as const), client, name, type }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('foreign' as const), client, host }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unforeign' as const), client, host }) },
);

const serviceOf = (n: number, t: string, ip?: string, port?: number): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `s${n}`, namespace: 'default' },
  spec: { type: t as 'ClusterIP', ports: [{ port: 80, ...(port ? { nodePort: port } : {}) }], ...(ip ? { clusterIP: ip } : {}) },
});
const foreignOf = (h: number) => ({
  apiVersion: 'networking.k8s.io/v1' as const, kind: 'IPAddress' as const, metadata: { name: `10.96.0.${h}` },
  spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'g' } },
});
const outcome = async (fn: () => unknown): Promise<{ ok: unknown } | { error: string }> => {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? (error as Error).name };
  }
};

// The state without what only storage adds (uid, creationTimestamp, resourceVersion), sorted by name.
function comparable(state: IPAMState) {
  const strip = (o: { metadata?: Record<string, unknown> }) => {
    const { uid, creationTimestamp, resourceVersion, ...metadata } = o.metadata ?? {};
    void uid; void creationTimestamp; void resourceVersion;
    return { ...o, metadata };
  };
  const byName = <T extends { metadata?: { name?: string } }>(list: T[]) => [...list].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  return {
    services: byName(state.services as Array<{ metadata?: { name?: string } }>).map(strip),
    ipAddresses: byName(state.ipAddresses as Array<{ metadata?: { name?: string } }>).map(strip),
    nodePorts: state.nodePorts,
  };
}

let runs = 0;

describe.skipIf(!etcd.available)('several clients of one prefix are one ServiceIPAM', () => {
  it('random operations from two clients, replayed on one ServiceIPAM: the same outcomes and the same state', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      const prefix = `/law${++runs}`;
      const options = { endpoints: [etcd.server().endpoint], prefix, serviceClusterIPRange: RANGE, serviceNodePortRange: PORTS };
      const clients = [await SharedServiceIPAM.open({ ...options, seed: 1 }), await SharedServiceIPAM.open({ ...options, seed: 2 })];
      const replay = new ServiceIPAM({ serviceClusterIPRange: RANGE, serviceNodePortRange: PORTS, seed: 1 });
      try {
        for (const o of ops) {
          const shared = clients[o.client];
          if (o.kind === 'create') {
            const got = await outcome(() => shared.create(serviceOf(o.name, o.type, o.host ? `10.96.0.${o.host}` : undefined)));
            if ('ok' in got) {
              // Replayed with the picks the shared run made: a static request that must succeed.
              const made = got.ok as Service;
              expect(await outcome(() => replay.create(serviceOf(o.name, o.type, made.spec!.clusterIP, made.spec!.ports![0].nodePort)))).toHaveProperty('ok');
            } else {
              expect(await outcome(() => replay.create(serviceOf(o.name, o.type, o.host ? `10.96.0.${o.host}` : undefined))), JSON.stringify(o)).toEqual(got);
            }
          } else if (o.kind === 'delete') {
            const got = await outcome(() => shared.delete(serviceOf(o.name, 'ClusterIP')));
            expect(await outcome(() => replay.delete(serviceOf(o.name, 'ClusterIP'))), JSON.stringify(o)).toEqual('ok' in got ? { ok: undefined } : got);
          } else if (o.kind === 'retype') {
            const current = replay.get('default', `s${o.name}`);
            if (!current) continue;
            const next = { ...current, spec: { ...current.spec, type: o.type, ports: [{ port: 80 }] } } as Service;
            const got = await outcome(() => shared.update(current, structuredClone(next)));
            if ('ok' in got) {
              const made = got.ok as Service;
              const pinned = { ...next, spec: { ...next.spec, ports: [{ port: 80, ...(made.spec!.ports![0].nodePort ? { nodePort: made.spec!.ports![0].nodePort } : {}) }] } } as Service;
              expect(await outcome(() => replay.update(current, pinned)), JSON.stringify(o)).toHaveProperty('ok');
            } else {
              expect(await outcome(() => replay.update(current, structuredClone(next))), JSON.stringify(o)).toEqual(got);
            }
          } else if (o.kind === 'foreign') {
            const got = await outcome(() => shared.applyIPAddress(foreignOf(o.host)));
            const want = await outcome(() => replay.applyIPAddress(foreignOf(o.host)));
            expect('ok' in want, JSON.stringify(o)).toBe('ok' in got);
          } else {
            const got = await outcome(() => shared.deleteIPAddress(`10.96.0.${o.host}`));
            expect(await outcome(() => replay.deleteIPAddress(`10.96.0.${o.host}`)), JSON.stringify(o)).toEqual(got);
          }
        }
        const want = comparable(replay.snapshot());
        for (const c of clients) expect(comparable(await c.snapshot())).toEqual(want);
        const reader = await SharedServiceIPAM.open({ ...options, readOnly: true });
        try {
          expect(comparable(await reader.snapshot())).toEqual(want);
        } finally {
          await reader.close();
        }
      } finally {
        replay.dispose();
        await Promise.all(clients.map((c) => c.close()));
      }
    }), { numRuns: 25 });
  });
});
