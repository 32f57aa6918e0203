// Field errors in the shape of apimachinery's field.ErrorList, and the API errors the Service and
// ServiceCIDR pipelines throw (422 Invalid, 500 Internal, 409 AlreadyExists, 404 NotFound).

/** apimachinery's field.ErrorType, by the name its message shows. */
export type FieldErrorType = 'Invalid' | 'Required' | 'Forbidden' | 'Duplicate' | 'NotSupported' | 'Internal';

/** One field error, as apimachinery's field.Error: what is wrong with which field. */
export interface FieldError {
  /** The kind of error. */
  type: FieldErrorType;
  /** JSON path of the field, e.g. "spec.clusterIPs[0]". */
  field: string;
  /** The field's value as the request gave it (Invalid, Duplicate and NotSupported show it). */
  value?: unknown;
  /** The explanation after the value, in the API server's words ('' when there is none). */
  detail: string;
  /** How the API server prints the value when it is not a plain string or number (Go's %#v). */
  goValue?: string;
  /** What was taken, when the error is a request for an IP or node port another object holds. */
  taken?: TakenResource;
}

/** An IP (as the request wrote it) or a node port that a request asked for and found allocated. */
export type TakenResource = { kind: 'ip'; ip: string } | { kind: 'node-port'; port: number };

// The words the API server prints for each type ("spec.clusterIPs[0]: Invalid value: ...").
const TYPE_TEXT: Record<FieldErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value',
  NotSupported: 'Unsupported value',
  Internal: 'Internal error',
};

/** Go's %q for the strings we print (ASCII): JSON's escaping agrees on them. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** A []string as Go's %#v prints it: []string{"a", "b"}. */
export function goStringSlice(values: readonly string[], type = '[]string'): string {
  return values.length === 0 && type === '[]string' ? '[]string(nil)' : `${type}{${values.map(goQuote).join(', ')}}`;
}

function printValue(error: FieldError): string {
  if (error.goValue !== undefined) return error.goValue;
  const value = error.value;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return goStringSlice(value);
  return JSON.stringify(value);
}

/** The error as the API server prints it in a 422's message, e.g. 'spec.clusterIPs[0]: Invalid value: …'. */
export function formatFieldError(error: FieldError): string {
  const head = `${error.field}: ${TYPE_TEXT[error.type]}`;
  const showValue = error.type === 'Invalid' || error.type === 'Duplicate' || error.type === 'NotSupported';
  const body = showValue ? `${head}: ${printValue(error)}` : head;
  return error.detail ? `${body}: ${error.detail}` : body;
}

/** 422 "<Kind> "<name>" is invalid": every field error, and nothing was changed. */
export class ResourceValidationError extends Error {
  /** The stable code: ERR_INVALID (subclasses name the resource). */
  readonly code: string = 'ERR_INVALID';
  /** Every field error, in the API server's order. */
  readonly errors: FieldError[];
  /** The refused object's name. */
  readonly objectName: string;

  /** The error for `objectName` of `qualifiedKind` (e.g. "ServiceCIDR.networking.k8s.io"). */
  constructor(qualifiedKind: string, objectName: string, errors: FieldError[]) {
    const list = errors.map(formatFieldError);
    super(`${qualifiedKind} "${objectName}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`);
    this.name = 'ResourceValidationError';
    this.errors = errors;
    this.objectName = objectName;
  }
}

/** The API server's 422 for a Service. */
export class ServiceValidationError extends ResourceValidationError {
  /** The stable code of a refused Service. */
  override readonly code = 'ERR_SERVICE_INVALID';
  /** The refused Service's name. */
  readonly serviceName: string;

  /** The 422 for Service `serviceName`. */
  constructor(serviceName: string, errors: FieldError[]) {
    super('Service', serviceName, errors);
    this.name = 'ServiceValidationError';
    this.serviceName = serviceName;
  }
}

/** A ServiceCIDR or IPAddress the API server would refuse (422). */
export class NetworkingValidationError extends ResourceValidationError {
  /** The stable code of a refused ServiceCIDR or IPAddress. */
  override readonly code = 'ERR_NETWORKING_INVALID';

  /** The 422 for the ServiceCIDR or IPAddress `objectName`. */
  constructor(kind: 'ServiceCIDR' | 'IPAddress', objectName: string, errors: FieldError[]) {
    super(`${kind}.networking.k8s.io`, objectName, errors);
    this.name = 'NetworkingValidationError';
  }
}

/**
 * The API server's 500 "Internal error occurred: …" — what a dynamic allocation on a full range
 * returns ("failed to allocate a serviceIP: range is full"). Not a field error: the request was
 * valid, the cluster could not serve it.
 */
export class ServiceInternalError extends Error {
  /** The stable code of a 500. */
  readonly code = 'ERR_SERVICE_INTERNAL';
  /** The cause as the API server words it, without the "Internal error occurred: " prefix. */
  readonly detail: string;

  /**
   * `bare`: an error the API server reports as a 500 with its own text and no "Internal error
   * occurred: " prefix (a plain Go error from the registry, such as "duplicate nodePort: {TCP 30001}").
   */
  constructor(detail: string, options: { bare?: boolean } = {}) {
    super(options.bare ? detail : `Internal error occurred: ${detail}`);
    this.name = 'ServiceInternalError';
    this.detail = detail;
  }
}

/** 409 AlreadyExists: create() of a Service (or ServiceCIDR, IPAddress) that already exists. */
export class ServiceExistsError extends Error {
  /** The stable code of a 409 AlreadyExists. */
  readonly code = 'ERR_SERVICE_EXISTS';
  /** The object's key: "namespace/name" for a Service, the name for a cluster-scoped object. */
  readonly key: string;
  /** The 409 AlreadyExists for the object `key` of `resource` (its name is the key's last part). */
  constructor(key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`${resource} "${name}" already exists`);
    this.name = 'ServiceExistsError';
    this.key = key;
  }
}

/** 404 NotFound: update()/delete() of a Service (or ServiceCIDR, IPAddress) that does not exist. */
export class ServiceNotFoundError extends Error {
  /** The stable code of a 404 NotFound. */
  readonly code = 'ERR_SERVICE_NOT_FOUND';
  /** The object's key: "namespace/name" for a Service, the name for a cluster-scoped object. */
  readonly key: string;
  /** The 404 NotFound for the object `key` of `resource` (its name is the key's last part). */
  constructor(key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`${resource} "${name}" not found`);
    this.name = 'ServiceNotFoundError';
    this.key = key;
  }
}

/**
 * 409 Conflict: an update whose metadata.resourceVersion is not the stored object's (clusterip/etcd,
 * where objects have resource versions).
 */
export class ServiceConflictError extends Error {
  /** The stable code of a 409 Conflict. */
  readonly code = 'ERR_SERVICE_CONFLICT';
  /** The object's key: "namespace/name" for a Service, the name for a cluster-scoped object. */
  readonly key: string;
  /** The 409 Conflict for the object `key` of `resource` (its name is the key's last part). */
  constructor(key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    this.name = 'ServiceConflictError';
    this.key = key;
  }
}

export const invalid = (field: string, value: unknown, detail: string, goValue?: string): FieldError =>
  (goValue === undefined ? { type: 'Invalid', field, value, detail } : { type: 'Invalid', field, value, detail, goValue });
export const required = (field: string, detail = ''): FieldError => ({ type: 'Required', field, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });
export const duplicate = (field: string, value: unknown, goValue?: string): FieldError =>
  (goValue === undefined ? { type: 'Duplicate', field, value, detail: '' } : { type: 'Duplicate', field, value, detail: '', goValue });
export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  type: 'NotSupported', field, value, detail: `supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
});
