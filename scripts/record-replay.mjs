// Records test/fixtures/replay-before-abi.json: the replay cases (test/replay-cases.mjs) played on
// a library build, by default the pinned baseline (scripts/build-baseline.mjs). Run once when the
// fixture is (re)made; test/replay.test.ts then holds every later build to it.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { REPLAY_CASES, caseName, replay } from '../test/replay-cases.mjs';
import { BASELINE_REV, buildBaseline } from './build-baseline.mjs';

const entry = process.argv[2] ?? buildBaseline();
const lib = await import(pathToFileURL(entry).href);
const recorded = {};
for (const c of REPLAY_CASES) recorded[caseName(c)] = replay(lib, c);
const out = new URL('../test/fixtures/replay-before-abi.json', import.meta.url);
writeFileSync(out, JSON.stringify({ recordedWith: process.argv[2] ? entry : `clusterip at ${BASELINE_REV}`, cases: recorded }, null, 2) + '\n');
console.log(`recorded ${REPLAY_CASES.length} cases`);
