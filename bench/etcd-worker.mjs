// One benchmark worker: opens the shared range and makes `calls` calls of `perCall` dynamic
// allocations each (1 = allocateNext), then prints one JSON line with its timing and counters.
import { SharedClusterIPAllocator } from '../dist/shared/index.js';

const [endpoint, cidr, key, callsText, perCallText] = process.argv.slice(2);
const calls = Number(callsText);
const perCall = Number(perCallText);
const shared = await SharedClusterIPAllocator.open({ endpoints: [endpoint], cidr, key, maxRetries: 1000 });
const started = performance.now();
let allocated = 0;
for (let i = 0; i < calls; i++) {
  if (perCall === 1) {
    await shared.allocateNext();
    allocated++;
  } else {
    allocated += (await shared.allocateMany(perCall)).length;
  }
}
const ms = performance.now() - started;
console.log(JSON.stringify({ allocated, ms, ...shared.stats }));
shared.close();
