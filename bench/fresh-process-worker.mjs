// One measurement for bench/fresh-process.ts, in a fresh Node process (nothing compiled yet, no
// memory touched yet — what a short simulation or a CLI run pays):
//   node fresh-process-worker.mjs <scenario> <quick 0|1>
// Prints one JSON line. Scenarios:
// - ip-batch / ip-single: fill a dense range (/12; quick /16) through allocateManyOffsets, or
//   through allocateNextOffset calls writing the same Uint32Array; ns per address;
// - port-batch / port-single: fill node ports 1-65535 through allocateMany, or through allocateNext
//   calls kept in an array as allocateMany returns them; ns per port;
// - sparse: a /64 filled with 10^6 (quick 10^5) dynamic allocations, its snapshot, and a restore of
//   that snapshot into a new allocator; CPU ms of each;
// - text: string churn (allocateNext, then release of that IP) on IPv4 /16, IPv6 /112 and IPv6 /64
//   each holding 32,767, and (not quick) a /64 holding 10^6; rounds in rotating order, ns per op.
import { ClusterIPAllocator, NodePortAllocator } from '../dist/index.js';

const [scenario, quickText] = process.argv.slice(2);
const quick = quickText === '1';
const elapsed = (start) => Number(process.hrtime.bigint() - start);
const cpuMs = (fn) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function fillIPs(batch) {
  const a = new ClusterIPAllocator(quick ? '10.96.0.0/16' : '10.0.0.0/12', { seed: 1 });
  const n = Number(a.free);
  // The output is allocated and touched before the clock starts, for both ways.
  const out = new Uint32Array(n).fill(1);
  const start = process.hrtime.bigint();
  if (batch) a.allocateManyOffsets(out);
  else for (let i = 0; i < n; i++) out[i] = a.allocateNextOffset();
  const ns = elapsed(start) / n;
  if (new Set(out).size !== n) throw new Error('duplicate offsets');
  return { nsPerAddress: ns, n };
}

function fillPorts(batch) {
  const a = new NodePortAllocator('1-65535', { seed: 1 });
  const n = 65535;
  const start = process.hrtime.bigint();
  let ports;
  if (batch) {
    ports = a.allocateMany(n);
  } else {
    ports = new Array(n);
    for (let i = 0; i < n; i++) ports[i] = a.allocateNext();
  }
  const ns = elapsed(start) / n;
  if (new Set(ports).size !== n) throw new Error('duplicate ports');
  return { nsPerPort: ns, n };
}

function sparse() {
  const n = quick ? 100_000 : 1_000_000;
  const a = new ClusterIPAllocator('fd00:10:96::/64', { seed: 1 });
  const fill = cpuMs(() => a.allocateMany(n));
  let state;
  const snapshot = cpuMs(() => { state = a.snapshot(); });
  const b = new ClusterIPAllocator('fd00:10:96::/64', { seed: 2 });
  const restore = cpuMs(() => b.restore(state));
  if (b.used !== n) throw new Error('restore lost addresses');
  return { n, fillMs: fill, snapshotMs: snapshot, restoreMs: restore, bytes: state.data.length };
}

function text() {
  const ops = quick ? 20_000 : 200_000;
  const held = 32_767;
  const make = (cidr, count) => {
    const a = new ClusterIPAllocator(cidr, { seed: 1 });
    a.allocateMany(count);
    return a;
  };
  const sides = {
    v4: make('10.96.0.0/16', held),
    v6dense: make('fd00:10:96::/112', held),
    v6sparse: make('fd00:10:96::/64', held),
    ...(quick ? {} : { v6large: make('fd00:10:97::/64', 1_000_000) }),
  };
  const keys = Object.keys(sides);
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  const rounds = quick ? 3 : 9;
  for (let round = 0; round < rounds; round++) {
    // Rotating order: a slow spell lands on a different side each round.
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(round + j) % keys.length];
      const a = sides[key];
      const start = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) a.release(a.allocateNext());
      samples[key].push(elapsed(start) / ops);
    }
  }
  const ratio = (key) => median(samples[key].map((ns, i) => ns / samples.v4[i]));
  return {
    nsPerOp: Object.fromEntries(keys.map((k) => [k, median(samples[k])])),
    ratio: Object.fromEntries(keys.filter((k) => k !== 'v4').map((k) => [k, ratio(k)])),
  };
}

const run = {
  'ip-batch': () => fillIPs(true),
  'ip-single': () => fillIPs(false),
  'port-batch': () => fillPorts(true),
  'port-single': () => fillPorts(false),
  sparse,
  text,
}[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
console.log(JSON.stringify({ scenario, ...run() }));
