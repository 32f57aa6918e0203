// A worker process for the shared-range tests: opens the range in etcd and makes `count` calls,
// printing "ok <ip…>" after each call resolves (so a printed IP is one the caller was promised)
// and "err <code>" when one rejects. Usage: allocator-worker.mjs <endpoint> <cidr> <count> <mode> [key]
//   mode: next | many:<k> | static:<ip>
import { SharedClusterIPAllocator } from '../../dist/shared/index.js';

const [endpoint, cidr, countText, mode, key] = process.argv.slice(2);
const shared = await SharedClusterIPAllocator.open({ endpoints: [endpoint], cidr, key, timeoutMs: 2000, maxRetries: 200 });
const count = Number(countText);
const write = (line) => process.stdout.write(`${line}\n`);
for (let i = 0; i < count; i++) {
  try {
    if (mode === 'next') write(`ok ${await shared.allocateNext()}`);
    else if (mode.startsWith('many:')) write(`ok ${(await shared.allocateMany(Number(mode.slice(5)))).join(' ')}`);
    else if (mode.startsWith('static:')) write(`ok ${await shared.allocate(mode.slice(7))}`);
  } catch (error) {
    write(`err ${error.code ?? error.message}`);
    // A real client backs off while etcd is away instead of spinning through its work.
    if (error.code === 'ERR_STORE_UNAVAILABLE') await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
write(`done ${JSON.stringify(shared.stats)}`);
await shared.close();
