// Errors the CLI reports as one line (no stack): usage mistakes exit 2, rejected input exits 1.
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class InputError extends Error {
  readonly exitCode = 1;
}
