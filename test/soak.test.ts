// The short soaks in `npm test`: 300,000 mixed allocator operations against the reference model,
// and 4,000 ServiceIPAM operations with the round-trip law checked after each (the long runs are
// `npm run soak`, scripts/soak.ts).
import { expect, it } from 'vitest';
import { runSoak } from './soak-run.js';
import { runIPAMSoak } from './ipam-ops.js';

it('300,000 mixed operations agree with the reference model (dense and sparse, every strategy, restores and disposals)', () => {
  const report = runSoak(300_000, 7, 10_000);
  expect(report.firstFailure).toBeUndefined();
  expect(report).toMatchObject({ operations: 300_000, failures: 0 });
  expect(report.episodes).toBe(30);
});

it('4,000 ServiceIPAM operations keep the laws after every one (round trip, no unannounced duplicate), every version', () => {
  const report = runIPAMSoak(4_000, 7, 400);
  expect(report.firstViolation).toBeUndefined();
  expect(report).toMatchObject({ operations: 4_000, violations: 0, episodes: 10 });
});
