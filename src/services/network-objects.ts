// The networking.k8s.io/v1 objects of the 1.33+ allocator, in the JSON shape the API server serves.

export const NETWORKING_API_VERSION = 'networking.k8s.io/v1';
/** The ServiceCIDR kube-apiserver makes from --service-cluster-ip-range. */
export const DEFAULT_SERVICE_CIDR_NAME = 'kubernetes';
export const SERVICE_CIDR_FINALIZER = 'networking.k8s.io/service-cidr-finalizer';
export const LABEL_IP_FAMILY = 'ipaddress.kubernetes.io/ip-family';
export const LABEL_MANAGED_BY = 'ipaddress.kubernetes.io/managed-by';
/** The managed-by value of IPAddresses the Service IP allocator creates. */
export const IP_ALLOCATOR_MANAGER = 'ipallocator.k8s.io';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ObjectMeta {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface ServiceCIDR {
  apiVersion: typeof NETWORKING_API_VERSION;
  kind: 'ServiceCIDR';
  metadata: ObjectMeta;
  spec: { cidrs?: string[] };
  status?: { conditions?: Condition[] };
}

export interface ParentReference {
  /** The core group is the empty string, and like the API server we leave it out. */
  group?: string;
  resource: string;
  namespace?: string;
  name: string;
}

export interface IPAddress {
  apiVersion: typeof NETWORKING_API_VERSION;
  kind: 'IPAddress';
  metadata: ObjectMeta;
  spec: { parentRef: ParentReference };
}


// The IPAddress the allocator creates for a Service's IP, built by constructors rather than
// object literals. Every create stores one and keeps it, and V8 tracks each literal's survival:
// a few thousand creates into a run it moves such a literal to old-space allocation and throws
// away the optimised code of every function that inlined it (#create among them). Constructors
// are not tracked that way. Measured on 20,000 Services (JSON), this and the same change to a
// Service's status and IP lists took 9-10 % off the command's CPU, as much as turning the
// tracking off for the whole process (--no-allocation-site-pretenuring) does.
// The fields are the literal's, in its order: JSON and YAML print them alike.
// (Fields are declared in print order and set in the constructor: parameter properties would be
// defined ahead of the other fields.)
class AllocatedParentRef implements ParentReference {
  readonly resource: 'services';
  readonly namespace: string;
  readonly name: string;
  constructor(namespace: string, name: string) {
    this.resource = 'services';
    this.namespace = namespace;
    this.name = name;
  }
}

class AllocatedIPAddressMeta implements ObjectMeta {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly creationTimestamp: string;
  constructor(name: string, labels: Readonly<Record<string, string>>, creationTimestamp: string) {
    this.name = name;
    this.labels = labels;
    this.creationTimestamp = creationTimestamp;
  }
}

class AllocatedIPAddressSpec {
  readonly parentRef: ParentReference;
  constructor(namespace: string, name: string) {
    this.parentRef = serviceParentRef(namespace, name);
  }
}

/** The reference an allocated IPAddress carries to its Service. */
export function serviceParentRef(namespace: string, name: string): ParentReference {
  return new AllocatedParentRef(namespace, name);
}

export class AllocatedIPAddress implements IPAddress {
  readonly apiVersion: typeof NETWORKING_API_VERSION;
  readonly kind: 'IPAddress';
  readonly metadata: ObjectMeta;
  readonly spec: { parentRef: ParentReference };
  constructor(name: string, labels: Readonly<Record<string, string>>, creationTimestamp: string, owner: { namespace: string; name: string }) {
    this.apiVersion = NETWORKING_API_VERSION;
    this.kind = 'IPAddress';
    this.metadata = new AllocatedIPAddressMeta(name, labels, creationTimestamp);
    this.spec = new AllocatedIPAddressSpec(owner.namespace, owner.name);
  }
}

/**
 * A deep copy with JSON's meaning (properties holding undefined dropped, undefined array slots
 * null, objects with toJSON serialised), written out because JSON.parse(JSON.stringify(x)) cost
 * half the CPU of a 20,000-Service CLI run. Objects handed in are API objects: plain data.
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
