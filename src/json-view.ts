// Results that hold bigints (sizes and free counts can pass 2^53 in IPv6 ranges) still go through
// JSON.stringify: a non-enumerable toJSON prints every bigint as its decimal string. Non-enumerable,
// so the objects compare, spread and print in the console exactly as before.

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = plain((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The object itself, given a toJSON that writes its bigints as strings. */
export function withJSON<T extends object>(value: T): T {
  Object.defineProperty(value, 'toJSON', { value: () => plain(value), enumerable: false, configurable: true, writable: true });
  return value;
}
