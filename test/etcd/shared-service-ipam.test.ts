// SharedServiceIPAM on a real etcd (Debian's etcd-server, one member): the keys and values
// kube-apiserver writes, the semantics of ServiceIPAM (same results for the same seed and
// requests, same errors), several clients on one prefix, and what is refused.
import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ServiceIPAM, type Hazard } from '../../src/index.js';
import { SharedServiceIPAM, StoreError } from '../../src/shared/index.js';
import { etcdForFile } from './etcd-per-file.js';


const etcd = etcdForFile();

let prefixes = 0;
const freshPrefix = () => `/t${++prefixes}`;

const service = (name: string, spec: Record<string, unknown> = {}, namespace = 'default'): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

async function keysUnder(prefix: string): Promise<string[]> {
  return (await etcd.client().getAll().prefix(`${prefix}/`).keys()).sort();
}

async function stored(key: string): Promise<Record<string, unknown>> {
  return JSON.parse((await etcd.client().get(key).string())!);
}

// A stored Service read straight from etcd.
async function storedService(prefix: string, namespace: string, name: string): Promise<{ spec: { clusterIP: string } }> {
  return stored(`${prefix}/services/specs/${namespace}/${name}`) as Promise<{ spec: { clusterIP: string } }>;
}

async function open(prefix: string, options: Record<string, unknown> = {}): Promise<SharedServiceIPAM> {
  return SharedServiceIPAM.open({ endpoints: [etcd.server().endpoint], prefix, serviceClusterIPRange: '10.96.0.0/16', seed: 7, ...options });
}

describe.skipIf(!etcd.available)('SharedServiceIPAM: the keys and values kube-apiserver writes', () => {
  it('1.36: one key per Service, IPAddress and ServiceCIDR, the node port RangeAllocation; no IP bitmap', async () => {
    const prefix = freshPrefix();
    const shared = await open(prefix);
    const web = await shared.create(service('web', { type: 'NodePort' }), {});
    await shared.create(service('db', {}, 'data'));
    await shared.close();
    const ip = web.spec!.clusterIP!;
    const keys = await keysUnder(prefix);
    const db = (await storedService(prefix, 'data', 'db')).spec.clusterIP;
    expect(keys.filter((k) => !k.startsWith(`${prefix}/clusterip/`))).toEqual([
      `${prefix}/ipaddresses/10.96.0.1`, `${prefix}/ipaddresses/${ip}`, `${prefix}/ipaddresses/${db}`,
      `${prefix}/ranges/servicenodeports`,
      `${prefix}/servicecidrs/kubernetes`,
      `${prefix}/services/specs/data/db`, `${prefix}/services/specs/default/kubernetes`, `${prefix}/services/specs/default/web`,
    ].sort());
    const value = await stored(`${prefix}/services/specs/default/web`);
    expect(value).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: ip, type: 'NodePort' } });
    const metadata = value.metadata as Record<string, unknown>;
    expect(metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(metadata).not.toHaveProperty('resourceVersion');
    const address = await stored(`${prefix}/ipaddresses/${ip}`);
    expect(address).toMatchObject({
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: ip, labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
      spec: { parentRef: { resource: 'services', namespace: 'default', name: 'web' } },
    });
    expect((address.metadata as Record<string, unknown>).uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stored(`${prefix}/ranges/servicenodeports`)).toMatchObject({ kind: 'RangeAllocation', apiVersion: 'v1', range: '30000-32767' });
    expect(await stored(`${prefix}/servicecidrs/kubernetes`)).toMatchObject({ kind: 'ServiceCIDR', spec: { cidrs: ['10.96.0.0/16'] }, metadata: { finalizers: ['networking.k8s.io/service-cidr-finalizer'] } });
    // The client's markers live on its lease: closing revoked it, and they are gone.
    expect(keys.filter((k) => k.startsWith(`${prefix}/clusterip/`))).toEqual([]);
  });

  it('1.32: the RangeAllocation bitmaps of both families, no ServiceCIDR or IPAddress; 1.33 writes both (dual write)', async () => {
    const v132 = freshPrefix();
    const old = await open(v132, { kubernetesVersion: '1.32', serviceClusterIPRange: '10.96.0.0/16,fd00::/108' });
    const made = await old.create(service('a', { ipFamilyPolicy: 'RequireDualStack' }));
    await old.close();
    expect(await keysUnder(v132)).toEqual([
      `${v132}/ranges/secondaryserviceips`, `${v132}/ranges/serviceips`, `${v132}/ranges/servicenodeports`,
      `${v132}/services/specs/default/a`, `${v132}/services/specs/default/kubernetes`,
    ]);
    expect(await stored(`${v132}/ranges/serviceips`)).toMatchObject({ kind: 'RangeAllocation', range: '10.96.0.0/16' });
    expect(await stored(`${v132}/ranges/secondaryserviceips`)).toMatchObject({ kind: 'RangeAllocation', range: 'fd00::/108' });
    expect(made.spec!.clusterIPs).toHaveLength(2);

    const v133 = freshPrefix();
    const dual = await open(v133, { kubernetesVersion: '1.33' });
    await dual.create(service('a'));
    await dual.close();
    const keys = await keysUnder(v133);
    expect(keys).toContain(`${v133}/ranges/serviceips`);
    expect(keys.filter((k) => k.includes('/ipaddresses/'))).toHaveLength(2);
  });

  it('every value it writes reads back into the same state in a new client (round trip through etcd)', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix, { serviceClusterIPRange: '10.96.0.0/16,fd00::/64' });
    await a.create(service('one', { ipFamilyPolicy: 'PreferDualStack', type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    await a.create(service('two', { clusterIP: '10.96.0.20' }));
    await a.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: ['10.97.0.0/24'] } });
    await a.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.30' }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'g' } } });
    const before = await a.snapshot();
    await a.close();
    const b = await open(prefix, { serviceClusterIPRange: '10.96.0.0/16,fd00::/64' });
    const after = await b.snapshot();
    await b.close();
    // etcd lists keys in order; the in-memory state keeps insertion order: compare as sets.
    const byName = (list: Array<{ metadata: { name?: string } }>) => [...list].sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)));
    const normal = (state: typeof before) => ({ ...state, services: byName(state.services as never), ipAddresses: byName(state.ipAddresses), serviceCIDRs: byName(state.serviceCIDRs) });
    expect(normal(after)).toEqual(normal(before));
  });
});

describe.skipIf(!etcd.available)('SharedServiceIPAM: the semantics of ServiceIPAM', () => {
  it('the same seed and requests give the same objects and the same errors as an in-process ServiceIPAM', async () => {
    const plain = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24,fd00::/120', seed: 11, now: () => 0 });
    const shared = await open(freshPrefix(), { serviceClusterIPRange: '10.96.0.0/24,fd00::/120', seed: 11 });
    const requests: Array<[string, Service]> = [
      ['create', service('a')],
      ['create', service('b', { ipFamilyPolicy: 'PreferDualStack', type: 'NodePort' })],
      ['create', service('c', { clusterIP: '10.96.0.50' })],
      ['create', service('d', { clusterIP: '10.96.0.50' })], // taken
      ['create', service('a')], // exists
      ['create', service('e', { clusterIP: '10.97.0.1' })], // outside every range
      ['create', service('f', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })],
      ['create', service('g', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })], // port taken
      ['create', service('h', { ipFamilies: ['IPv6'] })],
      ['create', service('i', { type: 'ExternalName', externalName: 'x.example.com', ports: undefined, selector: undefined })],
    ];
    const strip = (s: Service) => {
      const { uid, creationTimestamp, resourceVersion, ...metadata } = s.metadata as Record<string, unknown>;
      void uid; void creationTimestamp; void resourceVersion;
      return { ...s, metadata };
    };
    for (const [verb, input] of requests) {
      const warningsPlain: string[] = [];
      const warningsShared: string[] = [];
      let want: unknown;
      let got: unknown;
      try {
        want = strip(verb === 'create' ? plain.create(structuredClone(input), { warnings: warningsPlain }) : plain.create(input));
      } catch (error) {
        want = { error: (error as Error).constructor.name, message: (error as Error).message };
      }
      try {
        got = strip(await shared.create(structuredClone(input), { warnings: warningsShared }));
      } catch (error) {
        got = { error: (error as Error).constructor.name, message: (error as Error).message };
      }
      expect(got, `${verb} ${input.metadata!.name}`).toEqual(want);
      expect(warningsShared).toEqual(warningsPlain);
    }
    const update = { ...plain.get('default', 'a')!, spec: { ...plain.get('default', 'a')!.spec, type: 'NodePort' as const } };
    expect(strip(await shared.update(update, structuredClone(update)))).toEqual(strip(plain.update(update, structuredClone(update))));
    await shared.delete(service('c'));
    plain.delete(service('c'));
    expect((await shared.list()).map(strip).sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name))))
      .toEqual(plain.list().map(strip).sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name))));
    await expect(shared.delete(service('nope'))).rejects.toMatchObject({ code: 'ERR_SERVICE_NOT_FOUND' });
    plain.dispose();
    await shared.close();
  });

  it('hazards are reported as ServiceIPAM reports them', async () => {
    const shared = await open(freshPrefix());
    const hazards: Hazard[] = [];
    await shared.create(service('ext', { type: 'ExternalName', externalName: 'x.example.com', selector: undefined, ports: [{ port: 80, nodePort: 30100 }] }), { hazards });
    expect(hazards.map((h) => h.code)).toEqual(['node-port-not-allocated']);
    await shared.close();
  });

  it('an update naming an old resourceVersion is a 409 Conflict; get and list give the current one', async () => {
    const shared = await open(freshPrefix());
    const created = await shared.create(service('rv'));
    const version = created.metadata!.resourceVersion!;
    expect((await shared.get('default', 'rv'))!.metadata!.resourceVersion).toBe(version);
    const changed = await shared.update(created, { ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
    expect(Number(changed.metadata!.resourceVersion)).toBeGreaterThan(Number(version));
    await expect(shared.update(created, { ...created, metadata: { ...created.metadata, labels: { v: '3' } } }))
      .rejects.toMatchObject({ code: 'ERR_SERVICE_CONFLICT', message: 'Operation cannot be fulfilled on services "rv": the object has been modified; please apply your changes to the latest version and try again' });
    // uid and creationTimestamp stay the stored object's, whatever the update says.
    const again = await shared.update(changed, { ...changed, metadata: { ...changed.metadata, uid: 'other', creationTimestamp: '2000-01-01T00:00:00Z' } });
    expect(again.metadata!.uid).toBe(created.metadata!.uid);
    expect(again.metadata!.creationTimestamp).toBe(created.metadata!.creationTimestamp);
    await shared.close();
  });
});

describe.skipIf(!etcd.available)('SharedServiceIPAM: several clients on one prefix', () => {
  it('a client sees another\'s writes, and refuses only on the current state', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix, { seed: 1 });
    const b = await open(prefix, { seed: 1 }); // the same seed: their first picks collide
    const fromA = await a.create(service('x'));
    const fromB = await b.create(service('y'));
    expect(fromB.spec!.clusterIP).not.toBe(fromA.spec!.clusterIP);
    expect((await b.get('default', 'x'))!.spec!.clusterIP).toBe(fromA.spec!.clusterIP);
    // b deletes x; a, whose view may still hold x, creates x again: it must see the delete first.
    await b.delete(fromA);
    const recreated = await a.create(service('x'));
    expect(recreated.metadata!.uid).not.toBe(fromA.metadata!.uid);
    // a static IP b holds: refused by a with the API server's error.
    await expect(a.create(service('z', { clusterIP: fromB.spec!.clusterIP }))).rejects.toMatchObject({ code: 'ERR_SERVICE_INVALID' });
    await a.close();
    await b.close();
  });

  it('two clients racing for one static IP, many times: exactly one wins each', async () => {
    const prefix = freshPrefix();
    const clients = await Promise.all([1, 2, 3].map((seed) => open(prefix, { seed })));
    for (let round = 0; round < 10; round++) {
      const ip = `10.96.1.${round + 1}`;
      const outcomes = await Promise.allSettled(clients.map((c, i) => c.create(service(`s${round}-${i}`, { clusterIP: ip }))));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'ERR_SERVICE_INVALID' });
    }
    await Promise.all(clients.map((c) => c.close()));
  });

  it('concurrent creates of one process go out together, each settled on its own', async () => {
    const shared = await open(freshPrefix());
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 100 }, (_, i) => shared.create(service(`ok${i}`))),
      shared.create(service('BAD_NAME')),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(100);
    expect(outcomes[100]).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SERVICE_INVALID' } });
    // Fewer transactions than requests: grouped (the bootstrap's one included).
    expect(shared.stats.transactions).toBeLessThan(20);
    await shared.close();
  });
});

describe.skipIf(!etcd.available)('SharedServiceIPAM: what it refuses', () => {
  it('the one-value state of earlier releases: ERR_STORE_OLD_FORMAT, in one line that says what to do', async () => {
    const prefix = freshPrefix();
    await etcd.client().put(`${prefix}/clusterip/state`).value(JSON.stringify({ kind: 'ClusterIPState', version: 2, services: [], ranges: [] }));
    const error = await open(prefix).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('ERR_STORE_OLD_FORMAT');
    expect(error.message).toContain(`${prefix}/clusterip/state`);
    expect(error.message).toContain('clusterip migrate');
    // The old CLI's URL path named the key itself: that is found too.
    await etcd.client().put(`${prefix}x`).value(JSON.stringify({ kind: 'ClusterIPState', version: 2, services: [], ranges: [] }));
    await expect(open(`${prefix}x`)).rejects.toMatchObject({ code: 'ERR_STORE_OLD_FORMAT' });
  });

  it('values it cannot read are skipped and listed; a RangeAllocation of another range refuses the open', async () => {
    const prefix = freshPrefix();
    await etcd.client().put(`${prefix}/services/specs/default/proto`).value(Buffer.from([0x6b, 0x38, 0x73, 0x00, 1, 2, 3]));
    await etcd.client().put(`${prefix}/services/specs/default/junk`).value('{"kind":"Service","spec":7}');
    const shared = await open(prefix);
    expect(shared.problems.map((p) => p.key).sort()).toEqual([`${prefix}/services/specs/default/junk`, `${prefix}/services/specs/default/proto`]);
    expect(shared.problems.find((p) => p.key.endsWith('proto'))!.message).toContain('--storage-media-type=application/json');
    await shared.close();
    await expect(open(prefix, { serviceNodePortRange: '31000-31999' })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  it('read-only clients write nothing; a closed client refuses calls', async () => {
    const prefix = freshPrefix();
    const reader = await open(prefix, { readOnly: true });
    expect(await keysUnder(prefix)).toEqual([]);
    await expect(reader.create(service('a'))).rejects.toMatchObject({ code: 'ERR_STORE_CONFIG' });
    await reader.close();
    await expect(reader.create(service('a'))).rejects.toMatchObject({ code: 'ERR_STORE_CONFIG' });
  });

  it('an unreachable etcd is ERR_STORE_UNAVAILABLE', async () => {
    await expect(SharedServiceIPAM.open({ endpoints: ['http://127.0.0.1:9'], serviceClusterIPRange: '10.96.0.0/24', timeoutMs: 300 }))
      .rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });
});
