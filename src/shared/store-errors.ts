// Errors of state kept in etcd, beside AllocatorError's and the Service pipeline's.
/** The stable codes of StoreError: match on these, never on the message. */
export type StoreErrorCode =
  /** Every write lost against other writers, up to the retry limit; nothing was written. */
  | 'ERR_STORE_CONFLICT'
  /**
   * etcd could not be reached, or did not answer in time, and the write's outcome could not be
   * settled: it may or may not have landed. The one case where an address may stay allocated that
   * nobody holds (a leak that `clusterip check --store` and repair find and free).
   */
  | 'ERR_STORE_UNAVAILABLE'
  /** A key holds something that is not what the layout puts there. */
  | 'ERR_STORE_CORRUPT'
  /** The prefix holds the one-value state that `--store` wrote before the Kubernetes layout. */
  | 'ERR_STORE_OLD_FORMAT'
  /** One request's objects exceed what etcd takes in one transaction. */
  | 'ERR_STORE_TOO_LARGE'
  /** The options do not describe a usable store (prefix, endpoints). */
  | 'ERR_STORE_CONFIG'
  /** etcd3 or cockatiel (optional peer dependencies of clusterip/etcd) is not installed. */
  | 'ERR_STORE_CLIENT_MISSING';

export interface StoreErrorDetails {
  cause?: unknown;
  /** The etcd key the error is about. */
  key?: string;
}

/** A failure of state kept in etcd: unreachable, contended, corrupt or misconfigured. */
export class StoreError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: StoreErrorCode;
  /** The etcd key the error is about, when there is one. */
  readonly key: string | undefined;

  /** An error with its code and message; `details` adds the key and the cause. */
  constructor(code: StoreErrorCode, message: string, details: StoreErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'StoreError';
    this.code = code;
    this.key = details.key;
  }
}
