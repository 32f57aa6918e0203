// The debug kernel: every export of the release kernel plus checkInvariants, built with
// assertions on. The property tests run against it (vitest.config.ts) and check the structure
// after every step.
export * from './index';
export { checkInvariants } from './invariants';
