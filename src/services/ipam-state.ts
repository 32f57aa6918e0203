// The whole ServiceIPAM state as JSON-safe data: the bitmaps (RangeAllocation bytes in base64) the
// version keeps, the ServiceCIDR and IPAddress objects (1.33+), and the Services.
import { isPlainObject } from '../plain-data.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { AllocatorError, invalidSnapshotError } from '../errors.js';
import { parsePortRange } from '../port-range.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import type { IPAddress, ServiceCIDR } from './network-objects.js';
import { NONE, isExternalName, isHeadless, serviceKey } from './service-fields.js';

export interface IPAMState {
  kind: 'ClusterIPState';
  version: 2;
  kubernetesVersion: string;
  serviceClusterIPRange: string;
  /** The node port range and its RangeAllocation bitmap (base64); absent in states written before 0.2.0. */
  serviceNodePortRange?: string;
  nodePorts?: string;
  /** RangeAllocation bitmaps: the allocator (1.29–1.32) or the dual-write copy (1.33); none later. */
  ranges: Array<{ range: string; data: string }>;
  serviceCIDRs: ServiceCIDR[];
  ipAddresses: IPAddress[];
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
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw invalidSnapshotError(`${what} is not base64`);
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
  services: Map<string, Service>;
}

/** Shape checks and decoding; nothing is built yet. Throws ERR_INVALID_SNAPSHOT. */
export function checkState(state: unknown): CheckedState {
  if (!isPlainObject(state) || state.kind !== 'ClusterIPState' || (state.version !== 1 && state.version !== 2)) {
    throw invalidSnapshotError('not a ClusterIPState of version 1 or 2');
  }
  if (!Array.isArray(state.ranges) || !Array.isArray(state.services) || typeof state.serviceClusterIPRange !== 'string') {
    throw invalidSnapshotError('ranges, services and serviceClusterIPRange are required');
  }
  const ranges = state.ranges.map((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.range !== 'string' || typeof entry.data !== 'string') throw invalidSnapshotError(`ranges[${i}] needs range and data`);
    return { range: entry.range, data: fromBase64(entry.data, `ranges[${i}].data`) };
  });
  const list = (value: unknown, what: string, kind: string) => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw invalidSnapshotError(`${what} must be a list`);
    value.forEach((item, i) => {
      if (!isPlainObject(item) || item.kind !== kind || !isPlainObject(item.metadata) || typeof item.metadata.name !== 'string' || !isPlainObject(item.spec)) {
        throw invalidSnapshotError(`${what}[${i}] is not a ${kind}`);
      }
    });
    return value as never[];
  };
  if (state.serviceNodePortRange !== undefined && typeof state.serviceNodePortRange !== 'string') throw invalidSnapshotError('serviceNodePortRange must be a string');
  if (state.nodePorts !== undefined && typeof state.nodePorts !== 'string') throw invalidSnapshotError('nodePorts must be base64 text');
  if ((state.nodePorts === undefined) !== (state.serviceNodePortRange === undefined)) throw invalidSnapshotError('serviceNodePortRange and nodePorts come together');
  const services = new Map<string, Service>();
  state.services.forEach((service, i) => {
    if (!isPlainObject(service) || !isPlainObject(service.metadata) || typeof service.metadata.name !== 'string' || service.metadata.name === '') {
      throw invalidSnapshotError(`services[${i}] has no metadata.name`);
    }
    const key = serviceKey(service as Service);
    if (services.has(key)) throw invalidSnapshotError(`service ${key} is listed twice`);
    services.set(key, service as Service);
  });
  return {
    version: state.version,
    kubernetesVersion: typeof state.kubernetesVersion === 'string' ? state.kubernetesVersion : undefined,
    serviceClusterIPRange: state.serviceClusterIPRange,
    serviceNodePortRange: state.serviceNodePortRange === undefined ? undefined : canonicalPortRange(state.serviceNodePortRange as string),
    nodePorts: state.nodePorts === undefined ? undefined : fromBase64(state.nodePorts, 'nodePorts'),
    legacy: state.legacy === true,
    ranges,
    serviceCIDRs: list(state.serviceCIDRs, 'serviceCIDRs', 'ServiceCIDR'),
    ipAddresses: list(state.ipAddresses, 'ipAddresses', 'IPAddress'),
    services,
  };
}

function canonicalPortRange(text: string): string {
  try {
    return parsePortRange(text).text;
  } catch (error) {
    if (error instanceof AllocatorError) throw invalidSnapshotError(`serviceNodePortRange: ${error.message}`);
    throw error;
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
