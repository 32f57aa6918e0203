// The shared correctness suite's outcome, as plain JSON (bigints as strings), or the error.
import { runSuite } from '/suite/shared-suite.js';

export function outcomeOf(lib) {
  try {
    return JSON.parse(JSON.stringify(runSuite(lib), (_key, value) => (typeof value === 'bigint' ? String(value) : value)));
  } catch (error) {
    return { error: String(error?.stack ?? error) };
  }
}
