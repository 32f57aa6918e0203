// Random legal operation sequences on ServiceIPAM, and the laws checked after every step (issue 24):
// - round trip: restore(snapshot()) into a fresh ServiceIPAM gives a byte-identical snapshot;
// - no duplicate from our own code: an IP or node port held by two Services must have been
//   announced by a hazard (the API server's own ways to a duplicate, hazards.ts) earlier;
// - every failure is one of the typed errors a request can end in.
// Used by test/services/round-trip.property.test.ts (fast-check, shrinking) and by
// scripts/soak.ts (`npm run soak`, a seeded run of a million operations and more).
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import {
  AllocatorError, NetworkingValidationError, ObjectShapeError, ServiceExistsError, ServiceIPAM, ServiceInternalError, ServiceNotFoundError,
  ServiceValidationError, type Hazard, type IPAddress, type ServiceCIDR,
} from '../src/index.js';
import { parseIPSloppy } from '../src/ip-sloppy.js';

export const VERSIONS = ['1.36', '1.35', '1.33', '1.32', '1.29'] as const;
export const RANGE = '10.0.0.0/27,fd00::/123';

/** Picks from a stream of choices: pick(n) is in [0, n). */
export type Pick = (n: number) => number;

export type Op =
  | { kind: 'create'; name: string; spec: Service['spec'] }
  | { kind: 'update'; name: string; spec: Service['spec']; keepIPs: boolean }
  | { kind: 'delete'; name: string }
  | { kind: 'applyServiceCIDR'; name: string; cidrs: string[] }
  | { kind: 'deleteServiceCIDR'; name: string }
  | { kind: 'applyIPAddress'; ip: string }
  | { kind: 'deleteIPAddress'; ip: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'repair'; apply: boolean };

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'kube-system/dns', 'kube-system/metrics'];
const STATIC_IPS = ['10.0.0.5', '10.0.0.6', '10.0.0.20', '10.0.0.005', '10.0.0.40', 'fd00::5', 'FD00::5', 'fd00::0:6', 'fd00::1e', '::ffff:10.0.0.7', '10.0.0.33', 'fd00::25'];
const NODE_PORTS = [30000, 30001, 30002, 30100, 32767];
const CIDR_OBJECTS: Record<string, string[]> = {
  'extra-a': ['10.0.0.32/28'], 'extra-b': ['10.0.0.32/28'], 'extra-c': ['10.0.0.32/27', 'fd00::20/124'], 'extra-d': ['fd00::20/124'],
};
const FOREIGN_IPS = ['10.0.0.7', '10.0.0.30', '10.0.0.36', 'fd00::7', 'fd00::21'];

function choose<T>(pick: Pick, items: readonly T[]): T {
  return items[pick(items.length)];
}

function ports(pick: Pick, type: string): ServicePort[] {
  const count = 1 + pick(2);
  const out: ServicePort[] = [];
  for (let i = 0; i < count; i++) {
    const port: ServicePort = { name: `p${i}`, port: i === 0 || pick(2) === 0 ? 80 : 443, protocol: pick(4) === 0 ? 'UDP' : 'TCP' };
    // A nodePort where the type takes one, and sometimes where it does not (ExternalName lists any).
    if ((type === 'NodePort' || type === 'LoadBalancer' || type === 'ExternalName') && pick(3) === 0) port.nodePort = choose(pick, NODE_PORTS);
    out.push(port);
  }
  return out;
}

/** A spec of any type, IP family shape, static or dynamic IPs and node ports. */
export function randomSpec(pick: Pick): Service['spec'] {
  const type = choose(pick, ['ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Headless']);
  if (type === 'ExternalName') {
    const spec: Service['spec'] = { type, externalName: 'db.example.com' };
    if (pick(2) === 0) spec.ports = ports(pick, type);
    return spec;
  }
  const spec: Service['spec'] = { type: type === 'Headless' ? 'ClusterIP' : type, selector: pick(5) === 0 ? undefined : { app: 'x' }, ports: ports(pick, type) };
  if (type === 'Headless') spec.clusterIP = 'None';
  else if (pick(3) === 0) spec.clusterIP = choose(pick, STATIC_IPS);
  const policy = pick(5);
  if (policy === 1) spec.ipFamilyPolicy = 'SingleStack';
  if (policy === 2) spec.ipFamilyPolicy = 'PreferDualStack';
  if (policy === 3) spec.ipFamilyPolicy = 'RequireDualStack';
  const families = pick(5);
  if (families === 1) spec.ipFamilies = ['IPv6'];
  if (families === 2) spec.ipFamilies = ['IPv6', 'IPv4'];
  if (type === 'LoadBalancer') {
    if (pick(2) === 0) spec.externalTrafficPolicy = 'Local';
    if (pick(4) === 0) spec.allocateLoadBalancerNodePorts = false;
  }
  return spec;
}

export function randomOp(pick: Pick): Op {
  const roll = pick(100);
  if (roll < 32) return { kind: 'create', name: choose(pick, NAMES), spec: randomSpec(pick) };
  if (roll < 54) return { kind: 'update', name: choose(pick, NAMES), spec: randomSpec(pick), keepIPs: pick(2) === 0 };
  if (roll < 70) return { kind: 'delete', name: choose(pick, NAMES) };
  if (roll < 75) {
    const name = choose(pick, Object.keys(CIDR_OBJECTS));
    return { kind: 'applyServiceCIDR', name, cidrs: CIDR_OBJECTS[name] };
  }
  if (roll < 80) return { kind: 'deleteServiceCIDR', name: choose(pick, ['kubernetes', ...Object.keys(CIDR_OBJECTS)]) };
  if (roll < 83) return { kind: 'applyIPAddress', ip: choose(pick, FOREIGN_IPS) };
  if (roll < 88) return { kind: 'deleteIPAddress', ip: choose(pick, [...FOREIGN_IPS, ...STATIC_IPS.map((t) => parseIPSloppy(t)?.canonical ?? t), '10.0.0.2', '10.0.0.10', 'fd00::2']) };
  if (roll < 94) return { kind: 'advance', ms: choose(pick, [1_000, 9_999, 10_000, 61_000]) };
  return { kind: 'repair', apply: pick(3) !== 0 };
}

function service(name: string, spec: Service['spec']): Service {
  const [namespace, short] = name.includes('/') ? name.split('/') : ['default', name];
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: short, namespace }, spec: structuredClone(spec) };
}

/** Errors a request may end in: the API server's, the decoder's, a version that lacks the call. */
function isExpectedError(error: unknown): boolean {
  return error instanceof ServiceValidationError || error instanceof ServiceInternalError || error instanceof ServiceExistsError
    || error instanceof ServiceNotFoundError || error instanceof NetworkingValidationError || error instanceof ObjectShapeError
    || (error instanceof AllocatorError && error.code === 'ERR_NOT_SUPPORTED_BY_VERSION');
}

export interface Harness {
  readonly version: string;
  ipam: ServiceIPAM;
  now: number;
  /** IPs (canonical) and node ports a hazard has announced: a duplicate of these is the API server's, not ours. */
  readonly announced: Set<string>;
}

export function newHarness(version: string, seed: number): Harness {
  const harness = { version, now: Date.parse('2026-06-01T00:00:00Z'), announced: new Set<string>() } as Harness;
  harness.ipam = new ServiceIPAM({ serviceClusterIPRange: RANGE, kubernetesVersion: version, seed, now: () => harness.now });
  return harness;
}

function announce(harness: Harness, hazards: readonly Hazard[]): void {
  for (const hazard of hazards) {
    if (hazard.ip !== undefined) harness.announced.add(hazard.ip);
    if (hazard.port !== undefined) harness.announced.add(`port ${hazard.port}`);
  }
}

/** Runs one operation; returns a violation of the error law, or undefined. */
export function applyOp(harness: Harness, op: Op): string | undefined {
  const { ipam } = harness;
  const hazards: Hazard[] = [];
  try {
    switch (op.kind) {
      case 'create':
        ipam.create(service(op.name, op.spec), { hazards });
        break;
      case 'update': {
        const [namespace, short] = op.name.includes('/') ? op.name.split('/') : ['default', op.name];
        const stored = ipam.get(namespace, short);
        if (!stored) return undefined;
        const next = service(op.name, op.spec);
        if (op.keepIPs && stored.spec?.clusterIPs && next.spec?.type !== 'ExternalName') {
          next.spec!.clusterIP = stored.spec.clusterIP;
          next.spec!.clusterIPs = stored.spec.clusterIPs;
          next.spec!.ipFamilies = stored.spec.ipFamilies;
          next.spec!.ipFamilyPolicy = stored.spec.ipFamilyPolicy;
        }
        ipam.update(stored, next, { hazards });
        break;
      }
      case 'delete':
        ipam.delete(service(op.name, {}), { hazards });
        break;
      case 'applyServiceCIDR':
        ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: op.name }, spec: { cidrs: op.cidrs } } as ServiceCIDR);
        break;
      case 'deleteServiceCIDR':
        ipam.deleteServiceCIDR(op.name);
        break;
      case 'applyIPAddress':
        ipam.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: op.ip }, spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: 'edge' } } } as IPAddress);
        break;
      case 'deleteIPAddress':
        ipam.deleteIPAddress(op.ip, { hazards });
        break;
      case 'advance':
        harness.now += op.ms;
        break;
      case 'repair':
        ipam.repair(undefined, { apply: op.apply });
        break;
    }
  } catch (error) {
    if (!isExpectedError(error)) return `${op.kind} threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
  } finally {
    announce(harness, hazards);
  }
  return undefined;
}

/** The laws after a step: a violation, or undefined. Round-trips through JSON text, as a state file does. */
export function checkLaws(harness: Harness): string | undefined {
  const { ipam } = harness;
  const text = JSON.stringify(ipam.snapshot());
  const copy = new ServiceIPAM({ serviceClusterIPRange: RANGE, kubernetesVersion: harness.version, now: () => harness.now, reserveKubernetesService: false });
  const hazards: Hazard[] = [];
  try {
    copy.restore(JSON.parse(text), { hazards });
    const again = JSON.stringify(copy.snapshot());
    if (again !== text) return `restore(snapshot()) differs:\n${text}\n${again}`;
  } catch (error) {
    return `restore(snapshot()) threw ${(error as Error).message}`;
  } finally {
    copy.dispose();
  }
  // Duplicates: each must have been announced by a hazard.
  const ips = new Map<string, number>();
  const nodePorts = new Map<number, number>();
  for (const s of ipam.list()) {
    if (s.spec?.type !== 'ExternalName') {
      for (const text of s.spec?.clusterIPs ?? []) {
        const ip = parseIPSloppy(text);
        if (ip) ips.set(ip.canonical, (ips.get(ip.canonical) ?? 0) + 1);
      }
    }
    const listed = new Set((s.spec?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p));
    if (s.spec?.type === 'LoadBalancer' && s.spec.externalTrafficPolicy === 'Local' && s.spec.healthCheckNodePort) listed.add(s.spec.healthCheckNodePort);
    for (const port of listed) nodePorts.set(port, (nodePorts.get(port) ?? 0) + 1);
  }
  for (const [ip, count] of ips) if (count > 1 && !harness.announced.has(ip)) return `${ip} is held by ${count} Services and no hazard announced it`;
  for (const [port, count] of nodePorts) if (count > 1 && !harness.announced.has(`port ${port}`)) return `node port ${port} is held by ${count} Services and no hazard announced it`;
  return undefined;
}

/** A small xorshift stream for the seeded runs (independent of the allocators' generators). */
export function seededPick(seed: number): Pick {
  let x = (seed >>> 0) || 0x9e3779b9;
  return (n: number) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

export interface IPAMSoakReport { operations: number; episodes: number; violations: number; firstViolation?: string }

/**
 * `operations` random operations in episodes of `perEpisode` (a fresh ServiceIPAM each, the
 * versions in turn), the laws checked after every one; stops at the first violation.
 */
export function runIPAMSoak(operations: number, seed: number, perEpisode = 400, onProgress?: (done: number) => void): IPAMSoakReport {
  const pick = seededPick(seed);
  let done = 0;
  let episodes = 0;
  while (done < operations) {
    const version = VERSIONS[episodes % VERSIONS.length];
    const episodeSeed = seed * 1_000_003 + episodes;
    const harness = newHarness(version, episodeSeed);
    const count = Math.min(perEpisode, operations - done);
    try {
      for (let i = 0; i < count; i++) {
        const op = randomOp(pick);
        const violation = applyOp(harness, op) ?? checkLaws(harness);
        if (violation) {
          return { operations: done + i + 1, episodes: episodes + 1, violations: 1, firstViolation: `version ${version}, episode seed ${episodeSeed}, step ${i} (${JSON.stringify(op)}): ${violation}` };
        }
      }
    } finally {
      harness.ipam.dispose();
    }
    done += count;
    episodes++;
    onProgress?.(done);
  }
  return { operations: done, episodes, violations: 0 };
}
