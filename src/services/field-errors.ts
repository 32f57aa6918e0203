// Field errors in the shape of apimachinery's field.ErrorList, and the errors ServiceIPAM throws.

export type FieldErrorType = 'Invalid' | 'Required' | 'Forbidden' | 'Duplicate' | 'NotSupported' | 'Internal';

export interface FieldError {
  type: FieldErrorType;
  /** JSON path of the field, e.g. "spec.clusterIPs[0]". */
  field: string;
  value?: unknown;
  detail: string;
}

// The words kubectl prints for each type ("spec.clusterIPs[0]: Invalid value: ...").
const TYPE_TEXT: Record<FieldErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value',
  NotSupported: 'Unsupported value',
  Internal: 'Internal error',
};

export function formatFieldError(error: FieldError): string {
  const head = `${error.field}: ${TYPE_TEXT[error.type]}`;
  const showValue = error.type === 'Invalid' || error.type === 'Duplicate' || error.type === 'NotSupported';
  const value = showValue ? `: ${JSON.stringify(error.value)}` : '';
  return error.detail ? `${head}${value}: ${error.detail}` : `${head}${value}`;
}

/** The API server's 422 "Service is invalid": every field error, and nothing was changed. */
export class ServiceValidationError extends Error {
  readonly code = 'ERR_SERVICE_INVALID';
  readonly errors: FieldError[];
  readonly serviceName: string;

  constructor(serviceName: string, errors: FieldError[]) {
    const list = errors.map(formatFieldError);
    super(`Service "${serviceName}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`);
    this.name = 'ServiceValidationError';
    this.errors = errors;
    this.serviceName = serviceName;
  }
}

/** create() of a Service that is already tracked (409 AlreadyExists). */
export class ServiceExistsError extends Error {
  readonly code = 'ERR_SERVICE_EXISTS';
  constructor(readonly key: string) {
    super(`services "${key}" already exists`);
    this.name = 'ServiceExistsError';
  }
}

/** update()/delete() of a Service that is not tracked (404 NotFound). */
export class ServiceNotFoundError extends Error {
  readonly code = 'ERR_SERVICE_NOT_FOUND';
  constructor(readonly key: string) {
    super(`services "${key}" not found`);
    this.name = 'ServiceNotFoundError';
  }
}

export const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'Invalid', field, value, detail });
export const required = (field: string, detail = ''): FieldError => ({ type: 'Required', field, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'Duplicate', field, value, detail: '' });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({
  type: 'NotSupported', field, value, detail: `supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
});
export const internal = (field: string, detail: string): FieldError => ({ type: 'Internal', field, detail });
