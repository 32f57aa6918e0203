// The short soak in `npm test`: 300,000 mixed operations against the reference model (the long
// run is `npm run soak`, scripts/soak.ts).
import { expect, it } from 'vitest';
import { runSoak } from './soak-run.js';

it('300,000 mixed operations agree with the reference model (dense and sparse, every strategy, restores and disposals)', () => {
  const report = runSoak(300_000, 7, 10_000);
  expect(report.firstFailure).toBeUndefined();
  expect(report).toMatchObject({ operations: 300_000, failures: 0 });
  expect(report.episodes).toBe(30);
}, 300_000);
