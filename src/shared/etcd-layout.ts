// Where kube-apiserver keeps the objects of Service IP allocation in etcd, and how each value is
// written — one key per object, each value the object's JSON (kube-apiserver started with
// --storage-media-type=application/json), metadata.resourceVersion left out (the key's mod
// revision is the resource version). Sources, in kubernetes/kubernetes:
// - Services: the storage factory's special prefix for core "services" is "services/specs"
//   (pkg/kubeapiserver/default_storage_factory_builder.go), namespaced: <prefix>/services/specs/<ns>/<name>;
// - ServiceCIDRs and IPAddresses: cluster-scoped, the resource name as prefix:
//   <prefix>/servicecidrs/<name>, <prefix>/ipaddresses/<name>;
// - the RangeAllocation bitmaps (pkg/registry/core/rest/storage_core.go): /ranges/serviceips
//   (primary family), /ranges/secondaryserviceips, /ranges/servicenodeports, each an
//   api.RangeAllocation {range, data} (pkg/registry/core/service/allocator/storage/storage.go).
// Keys of this package's own live under <prefix>/clusterip/: request markers and sync keys.
import type { RangeSnapshot } from '../snapshot-input.js';
import { StoreError } from './store-errors.js';

/** kube-apiserver's default --etcd-prefix. */
export const DEFAULT_PREFIX = '/registry';

export type KeyKind = 'service' | 'ipaddress' | 'servicecidr' | 'range' | 'own';

/** The keys under one prefix. */
export class EtcdLayout {
  /** The prefix ("" for "/"): every key starts with it. */
  readonly prefix: string;
  /** Where Services are: <prefix>/services/specs/<namespace>/<name>. */
  readonly services: string;
  /** Where IPAddresses are: <prefix>/ipaddresses/<ip>. */
  readonly ipAddresses: string;
  /** Where ServiceCIDRs are: <prefix>/servicecidrs/<name>. */
  readonly serviceCIDRs: string;
  /** Where the RangeAllocation bitmaps are: <prefix>/ranges/. */
  readonly ranges: string;
  /** Where this package's own keys are (request markers, sync keys): <prefix>/clusterip/. */
  readonly own: string;
  /** The node port RangeAllocation's key. */
  readonly nodePorts: string;
  /** The IP RangeAllocations, flag order (primary, secondary). */
  readonly ipRanges: readonly [string, string];
  /** The value --store wrote before this layout: one key with the whole state. */
  readonly oneValueState: string;

  /** The keys under `prefix` (kube-apiserver's --etcd-prefix): it starts with "/" and does not end with one. */
  constructor(prefix = DEFAULT_PREFIX) {
    if (typeof prefix !== 'string' || !prefix.startsWith('/') || prefix.endsWith('/') && prefix !== '/') {
      throw new StoreError('ERR_STORE_CONFIG', `the etcd prefix must start with "/" and not end with one, got ${JSON.stringify(prefix)}`);
    }
    const base = prefix === '/' ? '' : prefix;
    this.prefix = base;
    this.services = `${base}/services/specs/`;
    this.ipAddresses = `${base}/ipaddresses/`;
    this.serviceCIDRs = `${base}/servicecidrs/`;
    this.ranges = `${base}/ranges/`;
    this.own = `${base}/clusterip/`;
    this.nodePorts = `${base}/ranges/servicenodeports`;
    this.ipRanges = [`${base}/ranges/serviceips`, `${base}/ranges/secondaryserviceips`];
    this.oneValueState = `${base}/clusterip/state`;
  }

  /** A Service's key. */
  service(namespace: string, name: string): string {
    return `${this.services}${namespace}/${name}`;
  }

  /** An IPAddress's key. */
  ipAddress(name: string): string {
    return `${this.ipAddresses}${name}`;
  }

  /** A ServiceCIDR's key. */
  serviceCIDR(name: string): string {
    return `${this.serviceCIDRs}${name}`;
  }

  /** The key of one transaction's marker (on the client's lease): how an unanswered write is settled. */
  marker(id: string): string {
    return `${this.own}requests/${id}`;
  }

  /** A client's sync key: written, then awaited on the watch, to catch up with etcd. */
  sync(id: string): string {
    return `${this.own}sync/${id}`;
  }

  /** The prefixes a view loads and watches. */
  get watched(): string[] {
    return [this.services, this.ipAddresses, this.serviceCIDRs, this.ranges, `${this.own}sync/`];
  }

  /** What a key holds, and the object's name: undefined for keys outside the layout. */
  parse(key: string): { kind: KeyKind; namespace?: string; name: string } | undefined {
    if (key.startsWith(this.services)) {
      const rest = key.slice(this.services.length);
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) >= 0) return undefined;
      return { kind: 'service', namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
    }
    if (key.startsWith(this.ipAddresses)) return nameAfter(key, this.ipAddresses, 'ipaddress');
    if (key.startsWith(this.serviceCIDRs)) return nameAfter(key, this.serviceCIDRs, 'servicecidr');
    if (key === this.nodePorts || key === this.ipRanges[0] || key === this.ipRanges[1]) return { kind: 'range', name: key };
    if (key.startsWith(this.own)) return { kind: 'own', name: key.slice(this.own.length) };
    return undefined;
  }
}

function nameAfter(key: string, prefix: string, kind: KeyKind): { kind: KeyKind; name: string } | undefined {
  const name = key.slice(prefix.length);
  return name === '' || name.includes('/') ? undefined : { kind, name };
}

// kube-apiserver's protobuf storage format starts with these four bytes.
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** A stored value as JSON, or a typed error naming the key. */
export function parseStored(key: string, value: Buffer): Record<string, unknown> {
  if (value.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key} holds a protobuf object: clusterip reads the JSON that kube-apiserver writes with --storage-media-type=application/json`, { key });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key} does not hold JSON: ${(error as Error).message}`, { key });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key} does not hold an object`, { key });
  }
  return parsed as Record<string, unknown>;
}

/** A RangeAllocation as the API server stores it (creationTimestamp null: nothing sets it). */
export function encodeRangeAllocation(snapshot: RangeSnapshot): string {
  return JSON.stringify({
    kind: 'RangeAllocation',
    apiVersion: 'v1',
    metadata: { creationTimestamp: null },
    range: snapshot.range,
    data: Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength).toString('base64'),
  });
}

/**
 * A stored RangeAllocation. The value SharedClusterIPAllocator wrote before it took the API
 * server's shape ({range, data} alone) reads the same; anything else is ERR_STORE_CORRUPT.
 */
export function decodeRangeAllocation(key: string, value: Buffer): RangeSnapshot {
  const parsed = parseStored(key, value);
  const kind = parsed.kind;
  if (kind !== undefined && kind !== 'RangeAllocation') {
    throw new StoreError('ERR_STORE_CORRUPT', `${key} holds a ${String(kind)}, not a RangeAllocation`, { key });
  }
  if (typeof parsed.range !== 'string') throw new StoreError('ERR_STORE_CORRUPT', `${key}: a RangeAllocation needs a range`, { key });
  const data = parsed.data ?? '';
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key}: a RangeAllocation's data must be base64`, { key });
  }
  return { range: parsed.range, data: new Uint8Array(Buffer.from(data, 'base64')) };
}
