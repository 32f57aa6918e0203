// Reading an API object handed in by a caller (create, update, applyServiceCIDR, applyIPAddress)
// or found in a saved state: one walk that copies the data with JSON's meaning, checks that every
// field the pipeline reads has the type the API server's decoder demands (a list where a list
// goes, an int32 where a port goes), and bounds the work. What the API server's decoder would
// refuse with 400 BadRequest ends here in an ObjectShapeError naming the field; a getter that
// throws, a cycle, a Proxy that lies, a BigInt, or an object over the API server's 3 MiB request
// limit ends the same way. Nothing the caller passed is changed, unless `inPlace` says the caller
// gave it up.
//
// Decoding rules, as Go's encoding/json applies them to the typed API structs:
// - null on a known field is its zero value: the field is dropped (the API server omits it);
//   null as a list item is the item's zero value ({} or "" or 0);
// - unknown fields are kept as JSON data (functions and undefined dropped, NaN and Infinity null,
//   objects with toJSON serialised), as they would round-trip through the API;
// - a key named "__proto__" is kept as an ordinary property, never as the copy's prototype.

/** The shape of one field. */
export type Shape =
  | { readonly kind: 'string' | 'boolean' | 'int32' | 'int64' | 'intOrString' | 'json' }
  | { readonly kind: 'list'; readonly item: Shape }
  | { readonly kind: 'map'; readonly value: Shape }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Shape>> };

/** A copy (or an in-place check) refused: the field's path, what it should be and what it was. */
export class ObjectShapeError extends Error {
  /** The stable code of an object that is not the shape the API takes. */
  readonly code = 'ERR_OBJECT_SHAPE';
  /** JSON path of the field, e.g. "spec.ports[0].nodePort" ("" for the object itself). */
  readonly path: string;
  /** What the field must be, e.g. "a list". */
  readonly expected: string;
  /** What it was, e.g. "a string". */
  readonly found: string;

  /** The error for the field at `path`: it must be `expected` and was `found`. */
  constructor(path: string, expected: string, found: string, options?: { cause?: unknown; kind?: string }) {
    const where = path || 'the object';
    super(`${options?.kind ? `${options.kind} ` : ''}${where} must be ${expected}, not ${found}`, options);
    this.name = 'ObjectShapeError';
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

/**
 * The largest object read, as JSON bytes (estimated as the walk goes): the API server refuses a
 * request body over 3 MiB (413 Request Entity Too Large), and etcd a stored value over 1.5 MiB.
 */
export const MAX_OBJECT_BYTES = 3 * 1024 * 1024;
/** The deepest nesting read (Go's decoder allows 10,000; no API object comes near either). */
export const MAX_DEPTH = 1000;

const STRING = { kind: 'string' } as const;
const BOOLEAN = { kind: 'boolean' } as const;
const INT32 = { kind: 'int32' } as const;
const INT64 = { kind: 'int64' } as const;
const INT_OR_STRING = { kind: 'intOrString' } as const;
const JSON_DATA = { kind: 'json' } as const;
const list = (item: Shape): Shape => ({ kind: 'list', item });
const map = (value: Shape): Shape => ({ kind: 'map', value });
const object = (fields: Record<string, Shape>): Shape => ({ kind: 'object', fields });

const OBJECT_META = object({
  name: STRING, generateName: STRING, namespace: STRING, selfLink: STRING, uid: STRING, resourceVersion: STRING,
  generation: INT64, creationTimestamp: STRING, deletionTimestamp: STRING, deletionGracePeriodSeconds: INT64,
  labels: map(STRING), annotations: map(STRING), ownerReferences: list(JSON_DATA), finalizers: list(STRING), managedFields: list(JSON_DATA),
});

const CONDITION = object({
  type: STRING, status: STRING, observedGeneration: INT64, lastTransitionTime: STRING, reason: STRING, message: STRING,
});

/** core/v1 Service: every field of its spec and status, with the types of the Go structs. */
export const SERVICE_SHAPE: Shape = object({
  apiVersion: STRING,
  kind: STRING,
  metadata: OBJECT_META,
  spec: object({
    ports: list(object({ name: STRING, protocol: STRING, appProtocol: STRING, port: INT32, targetPort: INT_OR_STRING, nodePort: INT32 })),
    selector: map(STRING),
    clusterIP: STRING,
    clusterIPs: list(STRING),
    type: STRING,
    externalIPs: list(STRING),
    sessionAffinity: STRING,
    loadBalancerIP: STRING,
    loadBalancerSourceRanges: list(STRING),
    externalName: STRING,
    externalTrafficPolicy: STRING,
    healthCheckNodePort: INT32,
    publishNotReadyAddresses: BOOLEAN,
    sessionAffinityConfig: object({ clientIP: object({ timeoutSeconds: INT32 }) }),
    ipFamilies: list(STRING),
    ipFamilyPolicy: STRING,
    allocateLoadBalancerNodePorts: BOOLEAN,
    loadBalancerClass: STRING,
    internalTrafficPolicy: STRING,
    trafficDistribution: STRING,
  }),
  status: object({
    loadBalancer: object({
      ingress: list(object({
        ip: STRING, hostname: STRING, ipMode: STRING, ports: list(object({ port: INT32, protocol: STRING, error: STRING })),
      })),
    }),
    conditions: list(CONDITION),
  }),
});

/** networking.k8s.io/v1 ServiceCIDR. */
export const SERVICE_CIDR_SHAPE: Shape = object({
  apiVersion: STRING,
  kind: STRING,
  metadata: OBJECT_META,
  spec: object({ cidrs: list(STRING) }),
  status: object({ conditions: list(CONDITION) }),
});

/** networking.k8s.io/v1 IPAddress. */
export const IP_ADDRESS_SHAPE: Shape = object({
  apiVersion: STRING,
  kind: STRING,
  metadata: OBJECT_META,
  spec: object({ parentRef: object({ group: STRING, resource: STRING, namespace: STRING, name: STRING }) }),
});

export interface ReadOptions {
  /** Check and normalise the value itself instead of copying it (the caller gave it up). */
  inPlace?: boolean;
  /** The object's kind, for the message ("Service spec.ports must be a list, not a string"). */
  kind?: string;
}

/**
 * The object read by `shape`: a copy (or, with inPlace, the value itself, normalised), or an
 * ObjectShapeError. The value must be an object.
 */
export function readObject<T>(value: unknown, shape: Shape, options: ReadOptions = {}): T {
  const reader = new ShapeReader(options.inPlace === true);
  try {
    return reader.read(value, shape, 0) as T;
  } catch (error) {
    if (error instanceof ObjectShapeError) {
      throw options.kind ? new ObjectShapeError(error.path, error.expected, error.found, { kind: options.kind }) : error;
    }
    // A getter or Proxy trap of the caller's threw, or the engine ran out of stack.
    throw new ObjectShapeError(reader.path(), 'readable data', `a value whose read threw (${describeThrown(error)})`, { cause: error, kind: options.kind });
  }
}

/** A name argument (of get, deleteServiceCIDR, deleteIPAddress): a string, or an ObjectShapeError. */
export function requireString(value: unknown, what: string, call: string): string {
  if (typeof value !== 'string') throw new ObjectShapeError(what, 'a string', kindOf(value), { kind: call });
  return value;
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  if (type === 'number') return `the number ${String(value)}`;
  if (type === 'object') return 'an object';
  return `a ${type}`;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

class ShapeReader {
  readonly #inPlace: boolean;
  // The keys from the root to the value being read, for the path of an error (built only then).
  readonly #keys: Array<string | number> = [];
  // Objects on the current path: a value met again among its own ancestors is a cycle.
  readonly #ancestors: object[] = [];
  // The object's size as JSON so far, near enough to bound the walk (shared subtrees count each time).
  #bytes = 0;

  constructor(inPlace: boolean) {
    this.#inPlace = inPlace;
  }

  path(): string {
    let out = '';
    for (const key of this.#keys) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
    return out;
  }

  #fail(expected: string, value: unknown): never {
    throw new ObjectShapeError(this.path(), expected, kindOf(value));
  }

  #count(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > MAX_OBJECT_BYTES) throw new ObjectShapeError('', 'at most 3 MiB as JSON (the API server\'s request limit)', 'larger');
  }

  // A value's own bytes as JSON, near enough: strings their length and quotes, keys likewise.
  static sizeOf(value: unknown): number {
    return typeof value === 'string' ? value.length + 3 : 8;
  }

  #enter(value: object): void {
    if (this.#ancestors.length >= MAX_DEPTH) throw new ObjectShapeError(this.path(), `at most ${MAX_DEPTH} levels of nesting`, 'deeper');
    if (this.#ancestors.includes(value)) throw new ObjectShapeError(this.path(), 'data without cycles', 'an object that contains itself');
    this.#ancestors.push(value);
  }

  // JSON's meaning: an object with toJSON is what toJSON returns (a Date becomes its text). Plain
  // objects and lists, nearly every value read, are told apart first: their toJSON would be an
  // own property, which a plain object of JSON data does not have.
  #jsonValue(value: unknown): unknown {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const proto = Object.getPrototypeOf(value);
    if ((proto === Object.prototype || proto === null) && !Object.hasOwn(value, 'toJSON')) return value;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    return typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, '') : value;
  }

  read(raw: unknown, shape: Shape, depth: number): unknown {
    const value = this.#jsonValue(raw);
    this.#count(ShapeReader.sizeOf(value));
    switch (shape.kind) {
      case 'string':
        if (typeof value !== 'string') this.#fail('a string', value);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') this.#fail('true or false', value);
        return value;
      case 'int32':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) this.#fail('a 32-bit integer', value);
        return value;
      case 'int64':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.#fail('an integer', value);
        return value;
      case 'intOrString':
        if (typeof value === 'string') return value;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) this.#fail('a 32-bit integer or a string', value);
        return value;
      case 'json':
        return this.#readJSON(value, depth);
      case 'list':
        return this.#readList(value, shape.item, depth);
      case 'map':
        return this.#readMap(value, shape.value, depth);
      case 'object':
        return this.#readFields(value, shape.fields, depth);
    }
  }

  #readList(value: unknown, item: Shape, depth: number): unknown[] {
    if (!Array.isArray(value)) this.#fail('a list', value);
    this.#enter(value);
    const length = value.length;
    const out = this.#inPlace ? value : new Array<unknown>(length);
    const keys = this.#keys;
    for (let i = 0; i < length; i++) {
      keys.push(i);
      const element = value[i];
      out[i] = element === null || element === undefined ? zeroValue(item) : this.read(element, item, depth + 1);
      keys.pop();
    }
    this.#ancestors.pop();
    return out;
  }

  #readMap(value: unknown, valueShape: Shape, depth: number): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.#fail('a mapping', value);
    this.#enter(value);
    const out: Record<string, unknown> = this.#inPlace ? value as Record<string, unknown> : {};
    const keys = this.#keys;
    for (const key of Object.keys(value)) {
      keys.push(key);
      this.#count(key.length + 3);
      const element = (value as Record<string, unknown>)[key];
      if (element === null || element === undefined) {
        if (this.#inPlace) delete out[key];
      } else {
        setOwn(out, key, this.read(element, valueShape, depth + 1));
      }
      keys.pop();
    }
    this.#ancestors.pop();
    return out;
  }

  #readFields(value: unknown, fields: Readonly<Record<string, Shape>>, depth: number): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.#fail('an object', value);
    this.#enter(value);
    const out: Record<string, unknown> = this.#inPlace ? value as Record<string, unknown> : {};
    const keys = this.#keys;
    for (const key of Object.keys(value)) {
      keys.push(key);
      this.#count(key.length + 3);
      const element = (value as Record<string, unknown>)[key];
      const shape = Object.hasOwn(fields, key) ? fields[key] : undefined;
      // A known field's null is its zero value, which the API server leaves out; a field nobody
      // knows is data, kept as JSON keeps it (null included).
      const copied = element === undefined || (element === null && shape !== undefined) ? undefined
        : shape === undefined ? this.#readJSON(element, depth + 1) : this.read(element, shape, depth + 1);
      if (copied === undefined) {
        if (this.#inPlace) delete out[key];
      } else {
        setOwn(out, key, copied);
      }
      keys.pop();
    }
    this.#ancestors.pop();
    return out;
  }

  // Data nobody reads but that must survive as JSON would carry it.
  #readJSON(raw: unknown, depth: number): unknown {
    const value = this.#jsonValue(raw);
    this.#count(ShapeReader.sizeOf(value));
    if (value === null) return null;
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return Number.isFinite(value) ? value : null;
      case 'bigint':
        return this.#fail('JSON data', value);
      case 'object':
        break;
      default:
        return undefined;
    }
    this.#enter(value);
    const keys = this.#keys;
    let out: unknown;
    if (Array.isArray(value)) {
      const copy = this.#inPlace ? value : new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        keys.push(i);
        const element = this.#readJSON(value[i], depth + 1);
        copy[i] = element === undefined ? null : element;
        keys.pop();
      }
      out = copy;
    } else {
      const copy: Record<string, unknown> = this.#inPlace ? value as Record<string, unknown> : {};
      for (const key of Object.keys(value)) {
        keys.push(key);
        this.#count(key.length + 3);
        const element = this.#readJSON((value as Record<string, unknown>)[key], depth + 1);
        if (element === undefined) {
          if (this.#inPlace) delete copy[key];
        } else {
          setOwn(copy, key, element);
        }
        keys.pop();
      }
      out = copy;
    }
    this.#ancestors.pop();
    return out;
  }
}

// An own data property even for the key "__proto__" (an assignment would set the prototype).
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key !== '__proto__') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function zeroValue(shape: Shape): unknown {
  switch (shape.kind) {
    case 'string': return '';
    case 'boolean': return false;
    case 'int32':
    case 'int64':
    case 'intOrString': return 0;
    case 'json': return null;
    case 'list': return [];
    case 'map':
    case 'object': return {};
  }
}
