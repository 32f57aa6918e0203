// The whole ServiceIPAM state as JSON-safe data: both ranges' snapshots (base64) and the Services.
import type { Service } from 'kubernetes-types/core/v1.js';
import { ClusterIPAllocator } from '../allocator.js';
import { AllocatorError, invalidSnapshotError } from '../errors.js';
import { canonicalIPText } from '../address-codec.js';
import type { ServiceIPAMOptions } from './service-ipam.js';
import { NONE, isExternalName, isHeadless, familyOf, serviceKey, type IPFamily } from './service-fields.js';

export interface IPAMState {
  kind: 'ClusterIPState';
  version: 1;
  serviceClusterIPRange: string;
  legacy: boolean;
  ranges: Array<{ range: string; data: string }>;
  services: Service[];
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function stateOf(ranges: readonly string[], legacy: boolean, allocators: ReadonlyMap<IPFamily, ClusterIPAllocator>, services: ReadonlyMap<string, Service>): IPAMState {
  return {
    kind: 'ClusterIPState',
    version: 1,
    serviceClusterIPRange: ranges.join(','),
    legacy,
    ranges: [...allocators.values()].map((a) => {
      const snap = a.snapshot();
      return { range: snap.range, data: toBase64(snap.data) };
    }),
    services: JSON.parse(JSON.stringify([...services.values()])),
  };
}

// Builds new allocators and records from a state, checking that it fits this configuration and is
// consistent (every Service IP allocated in its family's range, no IP twice). Throws
// ERR_MISMATCHED_NETWORK or ERR_INVALID_SNAPSHOT; builds everything before anything is replaced.
export function readState(
  state: unknown, ranges: readonly string[], families: readonly IPFamily[], options: ServiceIPAMOptions,
): { allocators: Map<IPFamily, ClusterIPAllocator>; services: Map<string, Service> } {
  const s = state as Partial<IPAMState> | null;
  if (!s || typeof s !== 'object' || s.kind !== 'ClusterIPState' || s.version !== 1) throw invalidSnapshotError('not a ClusterIPState version 1');
  if (!Array.isArray(s.ranges) || !Array.isArray(s.services) || typeof s.serviceClusterIPRange !== 'string') throw invalidSnapshotError('ranges, services and serviceClusterIPRange are required');
  if (s.serviceClusterIPRange !== ranges.join(',') || s.ranges.length !== ranges.length || (s.legacy === true) !== (options.legacy === true)) {
    throw new AllocatorError('ERR_MISMATCHED_NETWORK', `the provided network does not match the current range (state: ${s.serviceClusterIPRange}, configured: ${ranges.join(',')})`);
  }
  const allocators = new Map<IPFamily, ClusterIPAllocator>();
  const dispose = () => allocators.forEach((a) => a.dispose());
  try {
    s.ranges.forEach((entry, i) => {
      if (!entry || typeof entry.range !== 'string' || typeof entry.data !== 'string') throw invalidSnapshotError(`ranges[${i}] needs range and data`);
      let data: Uint8Array;
      try {
        data = fromBase64(entry.data);
      } catch {
        throw invalidSnapshotError(`ranges[${i}].data is not base64`);
      }
      allocators.set(families[i], ClusterIPAllocator.fromSnapshot({ range: entry.range, data }, { legacy: options.legacy, strategy: options.strategy }));
    });
    const services = new Map<string, Service>();
    const claimed = new Set<string>();
    for (const service of s.services) {
      if (!service || typeof service !== 'object' || !service.metadata?.name) throw invalidSnapshotError('a service has no metadata.name');
      const key = serviceKey(service);
      if (services.has(key)) throw invalidSnapshotError(`service ${key} is listed twice`);
      if (!isExternalName(service) && !isHeadless(service)) {
        for (const ip of service.spec?.clusterIPs ?? []) {
          const family = ip === NONE ? undefined : familyOf(ip);
          const allocator = family && allocators.get(family);
          if (!allocator || !allocator.has(ip)) throw invalidSnapshotError(`service ${key} holds ${ip}, which the ranges do not have allocated`);
          const canonical = canonicalIPText(ip);
          if (claimed.has(canonical)) throw invalidSnapshotError(`${ip} is held by two services`);
          claimed.add(canonical);
        }
      }
      services.set(key, service);
    }
    return { allocators, services };
  } catch (error) {
    dispose();
    throw error;
  }
}
