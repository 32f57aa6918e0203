// One writer process of `npm run bench:etcd`: creates `count` ClusterIP Services on one prefix,
// `batch` at a time, then prints one JSON line (its timing and the store's counters).
//   node etcd-worker.mjs <endpoint> <prefix> <id> <count> <batch> <design>
// design "objects": SharedServiceIPAM (one key per object, as kube-apiserver stores them);
// design "one-value": the layout --store used before — the whole ServiceIPAM state in one key,
// read, changed and written back with a compare-and-swap for every batch.
import { Etcd3 } from 'etcd3';
import { ServiceIPAM } from '../dist/index.js';
import { SharedServiceIPAM } from '../dist/shared/index.js';

const [endpoint, prefix, id, countText, batchText, design] = process.argv.slice(2);
const count = Number(countText);
const batch = Number(batchText);
const range = '10.0.0.0/12';
const service = (i) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `w${id}-${i}`, namespace: `ns${i % 20}`, labels: { app: `a${i % 500}` } },
  spec: { selector: { app: `a${i % 500}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

async function objects() {
  const shared = await SharedServiceIPAM.open({ endpoints: [endpoint], prefix, serviceClusterIPRange: range, maxRetries: 10_000, maxBatch: batch });
  const started = performance.now();
  const marks = [];
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => shared.create(service(i + k))));
    marks.push({ done: Math.min(count, i + batch), bytes: shared.stats.bytesWritten });
  }
  const ms = performance.now() - started;
  const stats = shared.stats;
  await shared.close();
  return { ms, transactions: stats.transactions, conflicts: stats.conflicts, bytes: stats.bytesWritten, marks };
}

async function oneValue() {
  const client = new Etcd3({ hosts: endpoint, faultHandling: { global: (await import('cockatiel')).noop } });
  const key = `${prefix}/clusterip/state`;
  let transactions = 0;
  let conflicts = 0;
  let bytes = 0;
  const marks = [];
  const started = performance.now();
  for (let i = 0; i < count; i += batch) {
    for (;;) {
      const current = await client.get(key).exec();
      const kv = current.kvs[0];
      const ipam = new ServiceIPAM({ serviceClusterIPRange: range, seed: Number(id) * 7919 + i });
      if (kv) ipam.restore(JSON.parse(kv.value.toString()));
      for (let k = 0; k < Math.min(batch, count - i); k++) ipam.create(service(i + k));
      const value = JSON.stringify(ipam.snapshot());
      ipam.dispose();
      transactions++;
      const txn = await client.if(key, 'Mod', '==', kv ? kv.mod_revision : 0).then(client.put(key).value(value)).commit();
      if (txn.succeeded) {
        bytes += key.length + Buffer.byteLength(value);
        break;
      }
      conflicts++;
    }
    marks.push({ done: Math.min(count, i + batch), bytes });
  }
  const ms = performance.now() - started;
  client.close();
  return { ms, transactions, conflicts, bytes, marks };
}

console.log(JSON.stringify(design === 'one-value' ? await oneValue() : await objects()));
