export interface ReplayCase { cidr: string; strategy: string; drawModel?: string; mode: 'single' | 'batch'; steps: number }
export const REPLAY_CASES: ReplayCase[];
export function caseName(c: ReplayCase): string;
export function replay(lib: unknown, c: ReplayCase): { digest: string; head: string[]; length: number };
