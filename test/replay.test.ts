// Same seed, same results across the kernel rewrite: long seeded sequences (every strategy, both
// representations, single calls and batches, both draw models) replayed against what the library
// handed out before the one-ABI kernel (test/fixtures/replay-before-abi.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { REPLAY_CASES, caseName, replay } from './replay-cases.mjs';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/replay-before-abi.json', import.meta.url), 'utf8')) as {
  cases: Record<string, { digest: string; head: string[]; length: number }>;
};

describe('seeded sequences replay exactly', () => {
  it('the fixture covers every case', () => {
    expect(Object.keys(fixture.cases).sort()).toEqual(REPLAY_CASES.map(caseName).sort());
  });

  it.each(REPLAY_CASES.map((c) => [caseName(c), c] as const))('%s', (name, c) => {
    const now = replay(lib, c);
    const before = fixture.cases[name];
    expect(now.head).toEqual(before.head);
    expect(now.length).toBe(before.length);
    expect(now.digest).toBe(before.digest);
  });
});
