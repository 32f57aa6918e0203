// ServiceIPAM.restore on malformed state (issue 24, item 4): every case is ERR_INVALID_SNAPSHOT
// naming the bad field's path, never a TypeError, and the ServiceIPAM is left exactly as it was.
import { describe, expect, it } from 'vitest';
import { AllocatorError, ServiceIPAM, type IPAMState } from '../../src/index.js';
import { ipamState, svc } from './helpers.js';

type Corruption = (state: any) => void;

function withState(version: string): { ipam: ServiceIPAM; state: IPAMState } {
  const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: version, seed: 2 });
  ipam.create(svc('web', { type: 'NodePort', ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] }));
  ipam.create(svc('db', { clusterIP: '10.96.0.40' }));
  return { ipam, state: JSON.parse(JSON.stringify(ipam.snapshot())) };
}

const web = (state: any) => state.services.find((s: any) => s.metadata.name === 'web');
const kubernetesCIDR = (state: any) => state.serviceCIDRs.find((c: any) => c.metadata.name === 'kubernetes');

const cases: Array<[string, Corruption, string]> = [
  ['ports: "abc"', (s) => { web(s).spec.ports = 'abc'; }, 'services[1].spec.ports'],
  ['a port that is not a number', (s) => { web(s).spec.ports[0].port = '80'; }, 'services[1].spec.ports[0].port'],
  ['a node port that is not an integer', (s) => { web(s).spec.ports[0].nodePort = 30000.5; }, 'services[1].spec.ports[0].nodePort'],
  ['clusterIPs: {}', (s) => { web(s).spec.clusterIPs = {}; }, 'services[1].spec.clusterIPs'],
  ['clusterIPs holding a number', (s) => { web(s).spec.clusterIPs = [5]; }, 'services[1].spec.clusterIPs[0]'],
  ['metadata.namespace: 5', (s) => { web(s).metadata.namespace = 5; }, 'services[1].metadata.namespace'],
  ['finalizers that are not a list', (s) => { web(s).metadata.finalizers = 'x'; }, 'services[1].metadata.finalizers'],
  ['a Service without a name', (s) => { delete web(s).metadata.name; }, 'services[1].metadata.name'],
  ['a Service that is a string', (s) => { s.services[1] = 'web'; }, 'services[1]'],
  ['a ServiceCIDR with cidrs: null (the default one)', (s) => { kubernetesCIDR(s).spec.cidrs = null; }, 'serviceCIDRs[0]'],
  ['a ServiceCIDR whose CIDR is not one', (s) => { kubernetesCIDR(s).spec.cidrs = ['10.96.0.1/24']; }, 'serviceCIDRs[0]'],
  ['a ServiceCIDR with finalizers: 7', (s) => { kubernetesCIDR(s).metadata.finalizers = 7; }, 'serviceCIDRs[0].metadata.finalizers'],
  ['conditions: [5]', (s) => { kubernetesCIDR(s).status.conditions = [5]; }, 'serviceCIDRs[0].status.conditions[0]'],
  ['an IPAddress without parentRef', (s) => { delete s.ipAddresses[0].spec.parentRef; }, 'ipAddresses[0]'],
  ['an IPAddress whose parentRef name is not a path segment', (s) => { s.ipAddresses[0].spec.parentRef.name = 'a/b'; }, 'ipAddresses[0]'],
  ['an IPAddress with a non-canonical name', (s) => { s.ipAddresses[0].metadata.name = '10.96.000.1'; }, 'ipAddresses[0]'],
  ['two IPAddresses of one name', (s) => { s.ipAddresses.push(structuredClone(s.ipAddresses[0])); }, 'ipAddresses[3]'],
  ['ipAddresses that is not a list', (s) => { s.ipAddresses = {}; }, 'ipAddresses'],
  ['cidrAllocators with a bad entry', (s) => { s.cidrAllocators = [{ cidr: '10.96.0.0/24', ready: 'yes' }]; }, 'cidrAllocators[0]'],
  ['node ports that are not base64', (s) => { s.nodePorts = '@@@@'; }, 'nodePorts'],
  ['a BigInt where a port goes', (s) => { web(s).spec.ports[0].port = 80n; }, 'services[1].spec.ports[0].port'],
];

describe('restore: malformed states are refused with the path of the bad field, and nothing changes', () => {
  it.each(cases)('1.36: %s', (_label, corrupt, path) => {
    const { ipam, state } = withState('1.36');
    const before = ipamState(ipam);
    corrupt(state);
    let error: unknown;
    try {
      ipam.restore(state);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AllocatorError);
    expect((error as AllocatorError).code).toBe('ERR_INVALID_SNAPSHOT');
    expect((error as AllocatorError).path).toBe(path);
    expect(ipamState(ipam)).toBe(before);
    // The ServiceIPAM still works afterwards.
    expect(ipam.create(svc('after')).spec?.clusterIP).toMatch(/^10\.96\.0\./);
  });

  it('ports: [null] reads as a port numbered 0, as Go decodes null into a struct: the state loads (the API server stores it that way)', () => {
    const { ipam, state } = withState('1.36');
    (state as any).services[2].spec.ports.push(null);
    ipam.restore(state);
    expect(ipam.get('default', 'db')?.spec?.ports?.[1]).toEqual({});
  });

  it('a restored state whose namespace was bad never reaches update as a TypeError', () => {
    const { ipam, state } = withState('1.36');
    web(state).metadata.namespace = 5;
    expect(() => ipam.restore(state)).toThrow(AllocatorError);
    const stored = ipam.get('default', 'web')!;
    expect(ipam.update(stored, { ...stored, spec: { ...stored.spec, sessionAffinity: 'ClientIP' } }).spec?.sessionAffinity).toBe('ClientIP');
  });

  it.each(['1.32', '1.33'])('%s: a node port held twice or held and not allocated loads, with hazards (the API server reaches both)', (version) => {
    const { ipam, state } = withState(version);
    // An ExternalName Service listing web's node port: what hazard 2b starts from.
    const ports = web(state).spec.ports;
    (state as any).services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'alias', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'db.example.com', ports } });
    const hazards: Array<{ code: string }> = [];
    ipam.restore(state, { hazards: hazards as never });
    expect(new Set(hazards.map((h) => h.code))).toEqual(new Set(['node-port-shared']));
  });
});
