// Type guards for JSON-shaped data (parsed manifests, snapshots): one definition of "an object
// that is not an array" for every reader of such data.

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
