// Field errors in the shape of apimachinery's field.ErrorList, and the API errors the Service and
// ServiceCIDR pipelines throw (422 Invalid, 500 Internal, 409 AlreadyExists, 404 NotFound).

export type FieldErrorType = 'Invalid' | 'Required' | 'Forbidden' | 'Duplicate' | 'NotSupported' | 'Internal';

export interface FieldError {
  type: FieldErrorType;
  /** JSON path of the field, e.g. "spec.clusterIPs[0]". */
  field: string;
  value?: unknown;
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

export function formatFieldError(error: FieldError): string {
  const head = `${error.field}: ${TYPE_TEXT[error.type]}`;
  const showValue = error.type === 'Invalid' || error.type === 'Duplicate' || error.type === 'NotSupported';
  const body = showValue ? `${head}: ${printValue(error)}` : head;
  return error.detail ? `${body}: ${error.detail}` : body;
}

/** 422 "<Kind> "<name>" is invalid": every field error, and nothing was changed. */
export class ResourceValidationError extends Error {
  readonly code: string = 'ERR_INVALID';
  readonly errors: FieldError[];
  readonly objectName: string;

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
  override readonly code = 'ERR_SERVICE_INVALID';
  readonly serviceName: string;

  constructor(serviceName: string, errors: FieldError[]) {
    super('Service', serviceName, errors);
    this.name = 'ServiceValidationError';
    this.serviceName = serviceName;
  }
}

/** A ServiceCIDR or IPAddress the API server would refuse (422). */
export class NetworkingValidationError extends ResourceValidationError {
  override readonly code = 'ERR_NETWORKING_INVALID';

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
  readonly code = 'ERR_SERVICE_EXISTS';
  constructor(readonly key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`${resource} "${name}" already exists`);
    this.name = 'ServiceExistsError';
  }
}

/** 404 NotFound: update()/delete() of a Service (or ServiceCIDR, IPAddress) that does not exist. */
export class ServiceNotFoundError extends Error {
  readonly code = 'ERR_SERVICE_NOT_FOUND';
  constructor(readonly key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`${resource} "${name}" not found`);
    this.name = 'ServiceNotFoundError';
  }
}

/**
 * 409 Conflict: an update whose metadata.resourceVersion is not the stored object's (clusterip/etcd,
 * where objects have resource versions).
 */
export class ServiceConflictError extends Error {
  readonly code = 'ERR_SERVICE_CONFLICT';
  constructor(readonly key: string, resource = 'services', name = key.slice(key.indexOf('/') + 1)) {
    super(`Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    this.name = 'ServiceConflictError';
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
