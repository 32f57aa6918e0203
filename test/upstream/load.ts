// Upstream test tables live as JSON next to this file (data/<upstream file name>.json); each test
// file reads its own and names cases as upstream does, so a reader can find their origin.
import { readFileSync } from 'node:fs';

export function upstreamTable<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`./data/${file}`, import.meta.url), 'utf8')) as T;
}

/** Parses Prometheus text into { 'name{labels}': value }. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** A settable clock for the `now` option. */
export function testClock(start: string | number) {
  let now = typeof start === 'string' ? Date.parse(start) : start;
  return {
    now: () => now,
    set: (to: string | number) => { now = typeof to === 'string' ? Date.parse(to) : to; },
    advance: (ms: number) => { now += ms; },
  };
}
