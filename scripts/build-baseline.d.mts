// Types for scripts/build-baseline.mjs (used by bench/run.ts).
export const BASELINE_REV: string;
export function baselineEntry(rev?: string): string;
export function buildBaseline(rev?: string, log?: (s: string) => void): string;
