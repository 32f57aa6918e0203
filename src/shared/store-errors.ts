// Errors of a shared range kept in etcd, beside AllocatorError's codes.
export type StoreErrorCode =
  /** Every compare-and-swap lost against other writers, up to the retry limit. */
  | 'ERR_STORE_CONFLICT'
  /** etcd could not be reached or did not answer in time. The call may or may not have landed:
   *  at worst an address stays allocated that nobody holds (a leak the repair loop frees). */
  | 'ERR_STORE_UNAVAILABLE'
  /** The key holds something that is not a range snapshot. */
  | 'ERR_STORE_CORRUPT'
  /** etcd3 or cockatiel (optional peer dependencies of clusterip/etcd) is not installed. */
  | 'ERR_STORE_CLIENT_MISSING';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
