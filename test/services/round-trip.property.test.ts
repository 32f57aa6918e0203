// The round-trip law (issue 24): every state reachable through the public API — every Service
// type, updates between types, ServiceCIDR and IPAddress churn, repair, the clock — restores
// from its own snapshot into an identical state, after every step; and no IP or node port is
// held twice unless a hazard (the API server's own way to a duplicate) announced it. fast-check
// drives the operations (test/ipam-ops.ts) and shrinks a failure to its shortest sequence;
// `npm run soak` runs the same laws for a million operations and more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VERSIONS, applyOp, checkLaws, newHarness, randomOp } from '../ipam-ops.js';

// An operation from a handful of choices (shrinking moves the choices toward 0).
const op = fc.array(fc.nat({ max: 1_000_000 }), { minLength: 12, maxLength: 12 }).map((choices) => {
  let i = 0;
  return randomOp((n) => choices[i++ % choices.length] % n);
});

describe('round trip and no unannounced duplicate, after every step', () => {
  it.each(VERSIONS)('%s', (version) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.array(op, { minLength: 1, maxLength: 60 }), (seed, ops) => {
        const harness = newHarness(version, seed);
        try {
          for (const step of ops) {
            const violation = applyOp(harness, step) ?? checkLaws(harness);
            expect(violation, JSON.stringify(step)).toBeUndefined();
          }
        } finally {
          harness.ipam.dispose();
        }
      }),
      { numRuns: 100 },
    );
  });
});
