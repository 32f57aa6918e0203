// Every failure the allocator reports on purpose is an AllocatorError with a stable `code`.
// Messages for the codes Kubernetes also has are its exact texts, so logs and tests that match
// on them keep working.

/** The stable codes of AllocatorError: match on these, never on the message. */
export type AllocatorErrorCode =
  | 'ERR_INVALID_CIDR'
  | 'ERR_INVALID_IP'
  /** A node port range that is not "base-max" (or one port) within 0–65535. */
  | 'ERR_INVALID_PORT_RANGE'
  /** A node port that is not an integer. */
  | 'ERR_INVALID_PORT'
  | 'ERR_NOT_IN_RANGE'
  | 'ERR_ALLOCATED'
  | 'ERR_FULL'
  | 'ERR_MISMATCHED_NETWORK'
  | 'ERR_INVALID_SNAPSHOT'
  | 'ERR_DISPOSED'
  | 'ERR_REENTRANT'
  | 'ERR_DRAWS_EXHAUSTED'
  /** The numeric offset API on a range whose offsets do not fit a Uint32Array (over 2^32 addresses). */
  | 'ERR_OFFSETS_TOO_LARGE'
  /** A Kubernetes version outside 1.29–1.36. */
  | 'ERR_UNSUPPORTED_VERSION'
  /** A call the chosen Kubernetes version has no counterpart for (ServiceCIDRs before 1.33). */
  | 'ERR_NOT_SUPPORTED_BY_VERSION'
  /**
   * The WebAssembly kernel could not be compiled, so no allocator can be made: typically a page's
   * Content-Security-Policy without 'wasm-unsafe-eval' in script-src. Everything that needs no
   * allocator (parsing, describeRange) still works.
   */
  | 'ERR_KERNEL_UNAVAILABLE';

/**
 * Every failure an allocator reports on purpose. Where Kubernetes has the same failure, the
 * message is its exact text; `code` is stable across releases.
 */
export class AllocatorError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: AllocatorErrorCode;
  /** For ERR_INVALID_SNAPSHOT: the JSON path of the offending part of the state, when known. */
  readonly path?: string;

  /** An error with its code and message; `details` adds the snapshot path and the cause. */
  constructor(code: AllocatorErrorCode, message: string, details?: { path?: string; cause?: unknown }) {
    super(message, details?.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AllocatorError';
    this.code = code;
    if (details?.path !== undefined) this.path = details.path;
  }
}

export function rangeFullError(): AllocatorError {
  return new AllocatorError('ERR_FULL', 'range is full');
}

export function alreadyAllocatedError(): AllocatorError {
  return new AllocatorError('ERR_ALLOCATED', 'provided IP is already allocated');
}

export function notInRangeError(ip: string, cidr: string): AllocatorError {
  return new AllocatorError(
    'ERR_NOT_IN_RANGE',
    `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`,
  );
}

export function offsetNotInRangeError(offset: unknown, size: bigint, cidr: string): AllocatorError {
  return new AllocatorError(
    'ERR_NOT_IN_RANGE',
    `the provided offset (${String(offset)}) is not in the valid range. ` +
      `The range of valid offsets is [0, ${size}) for ${cidr}`,
  );
}

export function mismatchedNetworkError(): AllocatorError {
  return new AllocatorError('ERR_MISMATCHED_NETWORK', 'the provided network does not match the current range');
}

export function invalidIPError(text: unknown, reason: string): AllocatorError {
  return new AllocatorError('ERR_INVALID_IP', `invalid IP address ${describeInput(text)}: ${reason}`);
}

export function invalidCIDRError(text: unknown, reason: string): AllocatorError {
  return new AllocatorError('ERR_INVALID_CIDR', `invalid CIDR ${describeInput(text)}: ${reason}`);
}

export function invalidSnapshotError(reason: string, path?: string, cause?: unknown): AllocatorError {
  return new AllocatorError('ERR_INVALID_SNAPSHOT', `invalid snapshot: ${path ? `${path}: ` : ''}${reason}`, { path, cause });
}

export function offsetsTooLargeError(cidr: string): AllocatorError {
  return new AllocatorError(
    'ERR_OFFSETS_TOO_LARGE',
    `the numeric offset API needs ranges of at most 2^32 addresses; ${cidr} is larger: use the string API`,
  );
}

export function disposedError(): AllocatorError {
  return new AllocatorError('ERR_DISPOSED', 'the allocator has been disposed');
}

function describeInput(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `of type ${value === null ? 'null' : typeof value}`;
}

export function reentrantError(): AllocatorError {
  return new AllocatorError(
    'ERR_REENTRANT',
    'an allocator was called from inside a randomInt draw; randomInt must not call clusterip allocators',
  );
}

export function drawsExhaustedError(): AllocatorError {
  return new AllocatorError(
    'ERR_DRAWS_EXHAUSTED',
    "strategy 'uniform' gave up: its draw limit of redraws in a row all named allocated addresses; nothing was allocated",
  );
}

// The node port allocator's texts (portallocator/allocator.go): the same codes, worded for ports.

export function portAlreadyAllocatedError(): AllocatorError {
  return new AllocatorError('ERR_ALLOCATED', 'provided port is already allocated');
}

export function portNotInRangeError(range: string): AllocatorError {
  return new AllocatorError('ERR_NOT_IN_RANGE', `provided port is not in the valid range. The range of valid ports is ${range}`);
}

export function mismatchedPortRangeError(): AllocatorError {
  return new AllocatorError('ERR_MISMATCHED_NETWORK', 'the provided port range does not match the current port range');
}

export function invalidPortRangeError(text: unknown, reason: string): AllocatorError {
  return new AllocatorError('ERR_INVALID_PORT_RANGE', `invalid port range ${describeInput(text)}: ${reason}`);
}

export function invalidPortError(port: unknown): AllocatorError {
  const shown = typeof port === 'number' || typeof port === 'bigint' ? String(port) : describeInput(port);
  return new AllocatorError('ERR_INVALID_PORT', `invalid port ${shown}: a port is an integer`);
}
