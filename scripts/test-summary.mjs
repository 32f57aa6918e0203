// Prints vitest's totals as one plain "tests: N passed, N failed" line (CI reads it) and exits
// non-zero when anything failed or no test ran.
import { readFileSync } from 'node:fs';

let results;
try {
  results = JSON.parse(readFileSync(new URL('../test/artifacts/vitest-results.json', import.meta.url), 'utf8'));
} catch {
  console.log('tests: 0 passed, 1 failed');
  console.error('no vitest results were written (did vitest start?)');
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
// A file that fails to load has no failed tests of its own; count it so the line never reads clean.
const failed = (results.numFailedTests ?? 0) || (results.numFailedTestSuites ?? 0);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 || results.success === false ? 1 : 0);
