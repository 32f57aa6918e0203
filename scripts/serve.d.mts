// Types of serve.mjs for the tests that start it.
export const DEMO_PATHS: string[];
export function startServer(port?: number, base?: string, allow?: readonly string[]): Promise<{ url: string; close: () => Promise<void> }>;
export function portFrom(argv: readonly string[], env: Record<string, string | undefined>): number;
