// A worker process for the fault tests: opens a SharedServiceIPAM on the given etcd members and
// creates `count` NodePort Services, `concurrency` at a time, printing "ok <name> <clusterIP>
// <nodePort>" once a create resolves (what the caller was promised) and "err <name> <code>" when
// one rejects; "done <stats>" at the end.
// Usage: service-worker.mjs <endpoints,comma-separated> <prefix> <worker-id> <count> <concurrency>
import { SharedServiceIPAM } from '../../dist/shared/index.js';

const [endpoints, prefix, id, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const write = (line) => process.stdout.write(`${line}\n`);
const shared = await SharedServiceIPAM.open({
  endpoints: endpoints.split(','), prefix, serviceClusterIPRange: '10.96.0.0/16', serviceNodePortRange: '30000-39999', timeoutMs: 1000, maxRetries: 1000,
});
write('open');
let next = 0;
async function lane() {
  while (next < count) {
    const name = `w${id}-${next++}`;
    try {
      const made = await shared.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80 }] } });
      write(`ok ${name} ${made.spec.clusterIP} ${made.spec.ports[0].nodePort}`);
    } catch (error) {
      write(`err ${name} ${error.code ?? error.message}`);
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
write(`done ${JSON.stringify(shared.stats)}`);
await shared.close();
