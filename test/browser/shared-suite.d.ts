export function plain(value: unknown): any;
export function runSuite(lib: typeof import('../../src/index.js')): { results: Record<string, unknown>; failures: string[] };
