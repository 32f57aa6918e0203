// The shared correctness suite's outcome, as plain JSON (bigints as strings), or the error.
import { plain, runSuite } from '/suite/shared-suite.js';

export { plain };

export function outcomeOf(lib) {
  try {
    return plain(runSuite(lib));
  } catch (error) {
    return { error: String(error?.stack ?? error) };
  }
}
