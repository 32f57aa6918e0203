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
// A test file whose worker died (out of memory, a crash) leaves its tests "pending" without
// counting them as failed, and vitest may still report success: those did not pass.
const unfinished = (results.testResults ?? []).flatMap((file) => (file.assertionResults ?? [])
  .filter((test) => test.status === 'pending').map((test) => `${file.name}: ${test.fullName ?? test.title}`));
for (const name of unfinished) console.error(`did not finish: ${name}`);
// A file that fails to load has no failed tests of its own; count it so the line never reads clean.
const failed = ((results.numFailedTests ?? 0) || (results.numFailedTestSuites ?? 0)) + unfinished.length;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 || results.success === false ? 1 : 0);
