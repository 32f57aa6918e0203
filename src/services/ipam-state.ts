// The whole ServiceIPAM state as JSON-safe data: the bitmaps (RangeAllocation bytes in base64) the
// version keeps, the ServiceCIDR and IPAddress objects (1.33+), and the Services.
import { isPlainObject } from '../plain-data.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { AllocatorError, invalidSnapshotError } from '../errors.js';
import { parsePortRange } from '../port-range.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { parseCIDR } from '../cidr.js';
import type { IPAddress, ServiceCIDR } from './network-objects.js';
import { NONE, isExternalName, isHeadless, serviceKey } from './service-fields.js';
import { IP_ADDRESS_SHAPE, ObjectShapeError, SERVICE_CIDR_SHAPE, SERVICE_SHAPE, readObject, type Shape } from './object-shapes.js';

/** ServiceIPAM's whole state as JSON-safe data (snapshot(), restore(), the CLI's --state file). */
export interface IPAMState {
  /** Marks the document as a ServiceIPAM state. */
  kind: 'ClusterIPState';
  /** The layout's version. */
  version: 2;
  /** The Kubernetes version the state was written by. */
  kubernetesVersion: string;
  /** The service CIDR flag the state was written with. */
  serviceClusterIPRange: string;
  /** The node port range and its RangeAllocation bitmap (base64); absent in states written before 0.2.0. */
  serviceNodePortRange?: string;
  /** The node port RangeAllocation bitmap, base64 (with serviceNodePortRange). */
  nodePorts?: string;
  /** RangeAllocation bitmaps: the allocator (1.29–1.32) or the dual-write copy (1.33); none later. */
  ranges: Array<{ range: string; data: string }>;
  /** The ServiceCIDR objects (1.33+; empty before). */
  serviceCIDRs: ServiceCIDR[];
  /** The IPAddress objects (1.33+; empty before). */
  ipAddresses: IPAddress[];
  /**
   * 1.33+: each CIDR allocator's readiness. It can depend on history (an allocator shared by
   * several ServiceCIDRs stays ready while they terminate), so it is kept; absent in older states.
   */
  cidrAllocators?: Array<{ cidr: string; ready: boolean }>;
  /** The stored Services, as the API server stores them. */
  services: Service[];
}

/** The 0.1.0 layout: bitmaps and Services only. Restores into any version (1.33+ gets IPAddresses made). */
export interface IPAMStateV1 {
  kind: 'ClusterIPState';
  version: 1;
  serviceClusterIPRange: string;
  legacy: boolean;
  ranges: Array<{ range: string; data: string }>;
  services: Service[];
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw invalidSnapshotError('is not base64', what);
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export interface CheckedState {
  version: 1 | 2;
  kubernetesVersion?: string;
  serviceClusterIPRange: string;
  serviceNodePortRange?: string;
  nodePorts?: Uint8Array;
  legacy?: boolean;
  ranges: Array<{ range: string; data: Uint8Array }>;
  serviceCIDRs: ServiceCIDR[];
  ipAddresses: IPAddress[];
  cidrAllocators?: Array<{ cidr: string; ready: boolean }>;
  services: Map<string, Service>;
}

// An object of the state, read as the API server's decoder would read it (a typed copy); the
// path of a bad field is given from the state's root.
function readStateObject<T>(value: unknown, shape: Shape, path: string, kind: string): T {
  if (!isPlainObject(value)) throw invalidSnapshotError(`not a ${kind}`, path);
  try {
    return readObject<T>(value, shape);
  } catch (error) {
    if (error instanceof ObjectShapeError) {
      throw invalidSnapshotError(`must be ${error.expected}, not ${error.found}`, error.path ? `${path}.${error.path}` : path, error);
    }
    throw error;
  }
}

function readList<T>(value: unknown, path: string, shape: Shape, kind: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidSnapshotError('must be a list', path);
  return value.map((item, i) => {
    const object = readStateObject<T & { kind?: unknown; metadata?: { name?: unknown } }>(item, shape, `${path}[${i}]`, kind);
    if (object.kind !== kind) throw invalidSnapshotError(`kind must be ${kind}`, `${path}[${i}].kind`);
    if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') throw invalidSnapshotError('a name is required', `${path}[${i}].metadata.name`);
    return object;
  });
}

/** Shape checks and decoding into typed copies; nothing is built yet. Throws ERR_INVALID_SNAPSHOT with the bad field's path. */
export function checkState(state: unknown): CheckedState {
  if (!isPlainObject(state) || state.kind !== 'ClusterIPState' || (state.version !== 1 && state.version !== 2)) {
    throw invalidSnapshotError('not a ClusterIPState of version 1 or 2');
  }
  if (!Array.isArray(state.ranges)) throw invalidSnapshotError('must be a list', 'ranges');
  if (!Array.isArray(state.services)) throw invalidSnapshotError('must be a list', 'services');
  if (typeof state.serviceClusterIPRange !== 'string') throw invalidSnapshotError('must be a string', 'serviceClusterIPRange');
  const ranges = state.ranges.map((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.range !== 'string' || typeof entry.data !== 'string') throw invalidSnapshotError('needs range and data', `ranges[${i}]`);
    return { range: entry.range, data: fromBase64(entry.data, `ranges[${i}].data`) };
  });
  if (state.kubernetesVersion !== undefined && typeof state.kubernetesVersion !== 'string') throw invalidSnapshotError('must be a string', 'kubernetesVersion');
  if (state.serviceNodePortRange !== undefined && typeof state.serviceNodePortRange !== 'string') throw invalidSnapshotError('must be a string', 'serviceNodePortRange');
  if (state.nodePorts !== undefined && typeof state.nodePorts !== 'string') throw invalidSnapshotError('must be base64 text', 'nodePorts');
  if ((state.nodePorts === undefined) !== (state.serviceNodePortRange === undefined)) throw invalidSnapshotError('serviceNodePortRange and nodePorts come together');
  const services = new Map<string, Service>();
  state.services.forEach((item, i) => {
    const service = readStateObject<Service>(item, SERVICE_SHAPE, `services[${i}]`, 'Service');
    if (typeof service.metadata?.name !== 'string' || service.metadata.name === '') throw invalidSnapshotError('a name is required', `services[${i}].metadata.name`);
    const key = serviceKey(service);
    if (services.has(key)) throw invalidSnapshotError(`service ${key} is listed twice`, `services[${i}]`);
    services.set(key, service);
  });
  let cidrAllocators: Array<{ cidr: string; ready: boolean }> | undefined;
  if (state.cidrAllocators !== undefined) {
    if (!Array.isArray(state.cidrAllocators)) throw invalidSnapshotError('must be a list', 'cidrAllocators');
    cidrAllocators = state.cidrAllocators.map((entry, i) => {
      if (!isPlainObject(entry) || typeof entry.cidr !== 'string' || typeof entry.ready !== 'boolean') throw invalidSnapshotError('needs cidr and ready', `cidrAllocators[${i}]`);
      if (!isCanonicalCIDR(entry.cidr)) throw invalidSnapshotError(`${JSON.stringify(entry.cidr)} is not a CIDR in canonical form`, `cidrAllocators[${i}].cidr`);
      return { cidr: entry.cidr, ready: entry.ready };
    });
  }
  return {
    version: state.version,
    kubernetesVersion: state.kubernetesVersion,
    serviceClusterIPRange: state.serviceClusterIPRange,
    serviceNodePortRange: state.serviceNodePortRange === undefined ? undefined : canonicalPortRange(state.serviceNodePortRange as string),
    nodePorts: state.nodePorts === undefined ? undefined : fromBase64(state.nodePorts, 'nodePorts'),
    legacy: state.legacy === true,
    ranges,
    serviceCIDRs: readList<ServiceCIDR>(state.serviceCIDRs, 'serviceCIDRs', SERVICE_CIDR_SHAPE, 'ServiceCIDR'),
    ipAddresses: readList<IPAddress>(state.ipAddresses, 'ipAddresses', IP_ADDRESS_SHAPE, 'IPAddress'),
    cidrAllocators,
    services,
  };
}

function isCanonicalCIDR(text: string): boolean {
  try {
    return parseCIDR(text).cidr === text;
  } catch (error) {
    if (error instanceof AllocatorError) return false;
    throw error;
  }
}

function canonicalPortRange(text: string): string {
  try {
    return parsePortRange(text).text;
  } catch (error) {
    if (error instanceof AllocatorError) throw invalidSnapshotError(error.message, 'serviceNodePortRange');
    throw error;
  }
}

/**
 * Calls `visit` for every IP the state's Services hold, in order, with its holder. An IP held
 * twice makes the state corrupt (no reachable state has it): restoring one is refused there.
 */
export function forEachHeldServiceIP(services: ReadonlyMap<string, Service>, visit: (ip: string, key: string, service: Service) => void): void {
  const holders = new Map<string, string>();
  for (const [key, service] of services) {
    for (const ip of serviceIPs(service)) {
      const other = holders.get(ip);
      if (other) throw invalidSnapshotError(`${ip} is held by two services (${other} and ${key})`);
      holders.set(ip, key);
      visit(ip, key, service);
    }
  }
}

/** Canonical IPs a stored Service holds, parsed as the API server parses them (sloppily). */
export function serviceIPs(service: Service): string[] {
  if (isExternalName(service) || isHeadless(service)) return [];
  const out: string[] = [];
  for (const text of service.spec?.clusterIPs ?? []) {
    if (text === NONE || text === '') continue;
    const ip = parseIPSloppy(text);
    if (ip === null) throw invalidSnapshotError(`service ${serviceKey(service)} holds ${JSON.stringify(text)}, which is not an IP`);
    out.push(ip.canonical);
  }
  return out;
}
