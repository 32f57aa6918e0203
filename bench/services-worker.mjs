// One measurement of the Service-level bench (bench/services.ts), in a fresh process so that each
// starts from the same heap and JIT state: `node --expose-gc services-worker.mjs <scenario> <n> <rounds>`.
// Prints one JSON line. CPU time (process.cpuUsage: every thread, the garbage collector's included)
// per Service; each round times the operation and its baseline back to back, in this process.
import { ServiceIPAM } from '../dist/index.js';

const [scenario, nText, roundsText] = process.argv.slice(2);
const n = Number(nText);
const rounds = Number(roundsText ?? 1);
const dual = scenario.endsWith('-dual');

// A typical Service as a manifest has it: labels, a selector, one named port.
const service = (i) => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}`, labels: { app: `app-${i % 500}`, tier: 'web' } },
  spec: { selector: { app: `app-${i % 500}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...(dual ? { ipFamilyPolicy: 'PreferDualStack' } : {}) },
});

function newIPAM() {
  return new ServiceIPAM({ serviceClusterIPRange: dual ? '10.0.0.0/8,fd00::/64' : '10.96.0.0/12', seed: 1 });
}

function cpu(fn) {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n; // µs per Service
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const inputs = Array.from({ length: n }, (_, i) => service(i));
const out = { scenario, n, rounds: [] };
for (let round = 0; round < rounds; round++) {
  global.gc();
  if (scenario.startsWith('create')) {
    const ipam = newIPAM();
    const create = cpu(() => { for (let i = 0; i < n; i++) ipam.create(inputs[i]); });
    ipam.dispose();
    global.gc();
    // The baseline keeps its copies, as a store does: the least a create can do is keep one copy.
    const kept = new Array(n);
    const clone = cpu(() => { for (let i = 0; i < n; i++) kept[i] = structuredClone(inputs[i]); });
    kept.length = 0;
    global.gc();
    let sink;
    const cloneDropped = cpu(() => { for (let i = 0; i < n; i++) sink = structuredClone(inputs[i]); });
    void sink;
    out.rounds.push({ create, clone, cloneDropped, ratio: create / clone, ratioDropped: create / cloneDropped });
  } else if (scenario === 'update' || scenario === 'delete') {
    const ipam = newIPAM();
    const stored = [];
    const create = cpu(() => { for (let i = 0; i < n; i++) stored.push(ipam.create(inputs[i])); });
    global.gc();
    let op;
    if (scenario === 'update') {
      // A label change: the kind of update a controller makes.
      const changed = stored.map((s) => ({ ...s, metadata: { ...s.metadata, labels: { ...s.metadata.labels, version: 'v2' } } }));
      op = cpu(() => { for (let i = 0; i < n; i++) ipam.update(stored[i], changed[i]); });
    } else {
      op = cpu(() => { for (let i = 0; i < n; i++) ipam.delete(stored[i]); });
    }
    ipam.dispose();
    out.rounds.push({ create, [scenario]: op, ratio: op / create });
  } else if (scenario === 'repair') {
    const ipam = newIPAM();
    for (let i = 0; i < n; i++) ipam.create(inputs[i]);
    global.gc();
    const repair = cpu(() => { ipam.repair(); });
    let sink;
    const clone = cpu(() => { for (let i = 0; i < n; i++) sink = structuredClone(inputs[i]); });
    void sink;
    ipam.dispose();
    out.rounds.push({ repair, clone, ratio: repair / clone });
  } else if (scenario === 'scale') {
    const ipam = newIPAM();
    const create = cpu(() => { for (let i = 0; i < n; i++) ipam.create(inputs[i]); });
    ipam.dispose();
    out.rounds.push({ create });
  } else if (scenario === 'heap') {
    // What the ServiceIPAM holds per Service while the caller keeps its own objects.
    const ipam = newIPAM();
    global.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) ipam.create(inputs[i]);
    global.gc();
    const after = process.memoryUsage().heapUsed;
    out.rounds.push({ bytes: (after - before) / n });
    ipam.dispose();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
}
const keys = Object.keys(out.rounds[0]);
out.median = Object.fromEntries(keys.map((k) => [k, median(out.rounds.map((r) => r[k]))]));
console.log(JSON.stringify(out));
