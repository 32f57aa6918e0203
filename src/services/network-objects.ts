// The networking.k8s.io/v1 objects of the 1.33+ allocator, in the JSON shape the API server serves.

export const NETWORKING_API_VERSION = 'networking.k8s.io/v1';
/** The ServiceCIDR kube-apiserver makes from --service-cluster-ip-range. */
export const DEFAULT_SERVICE_CIDR_NAME = 'kubernetes';
export const SERVICE_CIDR_FINALIZER = 'networking.k8s.io/service-cidr-finalizer';
export const LABEL_IP_FAMILY = 'ipaddress.kubernetes.io/ip-family';
export const LABEL_MANAGED_BY = 'ipaddress.kubernetes.io/managed-by';
/** The managed-by value of IPAddresses the Service IP allocator creates. */
export const IP_ALLOCATOR_MANAGER = 'ipallocator.k8s.io';

/** A status condition, as metav1.Condition. */
export interface Condition {
  /** The condition's type, e.g. "Ready". */
  type: string;
  /** Whether it holds. */
  status: 'True' | 'False' | 'Unknown';
  /** When status last changed (RFC 3339). */
  lastTransitionTime?: string;
  /** Why, in one CamelCase word. */
  reason?: string;
  /** Why, in words. */
  message?: string;
}

/** The part of metav1.ObjectMeta these objects use. */
export interface ObjectMeta {
  /** The object's name (cluster-scoped: no namespace). */
  name?: string;
  /** Set by the API server on create; clusterip/etcd stores it. */
  uid?: string;
  /** The storage revision, on objects read from clusterip/etcd (never stored). */
  resourceVersion?: string;
  /** The object's labels. */
  labels?: Record<string, string>;
  /** The object's annotations. */
  annotations?: Record<string, string>;
  /** When the API server created it (RFC 3339). */
  creationTimestamp?: string;
  /** When its deletion was requested (RFC 3339); set while finalizers hold it. */
  deletionTimestamp?: string;
  /** What must finish before it is removed. */
  finalizers?: string[];
}

/** A networking.k8s.io/v1 ServiceCIDR: a range Service IPs are allocated from (1.33+). */
export interface ServiceCIDR {
  /** networking.k8s.io/v1. */
  apiVersion: typeof NETWORKING_API_VERSION;
  /** ServiceCIDR. */
  kind: 'ServiceCIDR';
  /** Its name and the API server's fields. */
  metadata: ObjectMeta;
  /** Its CIDRs: one, or two of different families. */
  spec: { cidrs?: string[] };
  /** Its Ready condition, as the ServiceCIDR controller sets it. */
  status?: { conditions?: Condition[] };
}

/** What an IPAddress belongs to. */
export interface ParentReference {
  /** The core group is the empty string, and like the API server we leave it out. */
  group?: string;
  /** The parent's resource, e.g. "services". */
  resource: string;
  /** The parent's namespace (for a namespaced parent). */
  namespace?: string;
  /** The parent's name. */
  name: string;
}

/** A networking.k8s.io/v1 IPAddress: one allocated IP, named by its text (1.33+). */
export interface IPAddress {
  /** networking.k8s.io/v1. */
  apiVersion: typeof NETWORKING_API_VERSION;
  /** IPAddress. */
  kind: 'IPAddress';
  /** Its name (the IP) and the API server's fields. */
  metadata: ObjectMeta;
  /** What holds the IP. */
  spec: { parentRef: ParentReference };
}


/** The reference an allocated IPAddress carries to its Service. */
export function serviceParentRef(namespace: string, name: string): ParentReference {
  return { resource: 'services', namespace, name };
}

/**
 * An IPAddress as the registry keeps it, and what its controllers read of it. The IPAddresses the
 * allocator creates for Services (one per Service IP) are kept as one small record each
 * (ManagedAddress) and built into API objects only when asked for; others (a Gateway's, or any
 * applied by hand) are kept as the objects they are (AppliedAddress).
 */
export interface AddressEntry {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly creationTimestamp: string | undefined;
  /** A fresh object on each read. */
  readonly parentRef: ParentReference;
  /** The parentRef names a Service (core group, resource "services"). */
  readonly refIsService: boolean;
  /** parentRef.namespace ('' when unset) and parentRef.name, read without building the reference. */
  readonly refNamespace: string;
  readonly refName: string;
  /** The API object, the caller's own. */
  toIPAddress(): IPAddress;
}

/** An IPAddress the Service IP allocator (or its repair controller) made for a Service. */
export class ManagedAddress implements AddressEntry {
  constructor(
    readonly name: string,
    /** The shared label set of its family (ip-family and managed-by). */
    readonly labels: Readonly<Record<string, string>>,
    readonly creationTimestamp: string,
    readonly serviceNamespace: string,
    readonly serviceName: string,
    /** Set when the object is stored as the API server stores it (clusterip/etcd). */
    readonly uid?: string,
  ) {}

  get parentRef(): ParentReference {
    return serviceParentRef(this.serviceNamespace, this.serviceName);
  }

  get refIsService(): boolean {
    return true;
  }

  get refNamespace(): string {
    return this.serviceNamespace;
  }

  get refName(): string {
    return this.serviceName;
  }

  toIPAddress(): IPAddress {
    return {
      apiVersion: NETWORKING_API_VERSION,
      kind: 'IPAddress',
      metadata: this.uid === undefined
        ? { name: this.name, labels: { ...this.labels }, creationTimestamp: this.creationTimestamp }
        : { name: this.name, uid: this.uid, labels: { ...this.labels }, creationTimestamp: this.creationTimestamp },
      spec: { parentRef: this.parentRef },
    };
  }
}

/** An IPAddress applied through the API, kept as it was stored. */
export class AppliedAddress implements AddressEntry {
  constructor(readonly object: IPAddress) {}

  get name(): string {
    return this.object.metadata.name!;
  }

  get labels(): Readonly<Record<string, string>> | undefined {
    return this.object.metadata.labels;
  }

  get creationTimestamp(): string | undefined {
    return this.object.metadata.creationTimestamp;
  }

  get parentRef(): ParentReference {
    return { ...this.object.spec.parentRef };
  }

  get refIsService(): boolean {
    const ref = this.object.spec.parentRef;
    return !ref.group && ref.resource === 'services';
  }

  get refNamespace(): string {
    return this.object.spec.parentRef.namespace ?? '';
  }

  get refName(): string {
    return this.object.spec.parentRef.name;
  }

  toIPAddress(): IPAddress {
    return clone(this.object);
  }
}

/**
 * A deep copy with JSON's meaning (properties holding undefined dropped, undefined array slots
 * null, objects with toJSON serialised), written out because JSON.parse(JSON.stringify(x)) was
 * a large share of a big CLI run (docs/benchmarks.md, "Measured costs behind the code"). Objects
 * handed in are API objects: plain data.
 */
export function clone<T>(value: T): T {
  return value === undefined ? value : copyJSON(value) as T;
}

function copyJSON(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(value));
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = copyJSON(value[i]);
      out[i] = item === undefined ? null : item;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyJSON((value as Record<string, unknown>)[key]);
    if (item === undefined) continue;
    // A key "__proto__" (JSON.parse makes it an own property) stays one; an assignment would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
