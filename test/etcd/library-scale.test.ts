// 30,000 Services through the library into a real etcd (npm test keeps the run short; issue 26
// measured 100,000, and the law is the same): every IP distinct, etcd holding exactly
// them (one key per Service and per IPAddress), no stored value over 256 KiB, and a second client
// opening the prefix afterwards loads the same state.
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { SharedServiceIPAM } from '../../src/shared/index.js';
import { etcdForFile } from './etcd-per-file.js';


const etcd = etcdForFile();

const COUNT = 30_000;

describe.skipIf(!etcd.available)('SharedServiceIPAM at scale', () => {
  it(`${COUNT.toLocaleString('en-US')} Services: all distinct, etcd holds exactly them, no value over 256 KiB`, async () => {
    const prefix = '/scale';
    const shared = await SharedServiceIPAM.open({ endpoints: [etcd.server().endpoint], prefix, serviceClusterIPRange: '10.0.0.0/12', seed: 3 });
    const ips: string[] = [];
    // 1,000 requests in flight at a time: the store groups them into transactions.
    for (let start = 0; start < COUNT; start += 1000) {
      const made = await Promise.all(Array.from({ length: 1000 }, (_, i) => shared.create({
        apiVersion: 'v1', kind: 'Service', metadata: { name: `s${start + i}`, namespace: `ns${(start + i) % 100}` },
        spec: { selector: { app: `a${start + i}` }, ports: [{ name: 'http', port: 80 }] },
      })));
      for (const s of made) ips.push(s.spec!.clusterIP!);
    }
    const stats = shared.stats;
    await shared.close();
    expect(new Set(ips).size).toBe(COUNT);

    const client = new Etcd3({ hosts: etcd.server().endpoint });
    try {
      const services = new Set<string>();
      const addresses = new Set<string>();
      let largest = 0;
      let from = `${prefix}/`;
      for (;;) {
        const page = await client.getAll().inRange({ start: from, end: `${prefix}0` }).limit(5000).exec();
        for (const kv of page.kvs) {
          const key = kv.key.toString();
          largest = Math.max(largest, kv.value.length);
          if (key.startsWith(`${prefix}/services/specs/`)) services.add(JSON.parse(kv.value.toString()).spec.clusterIP);
          else if (key.startsWith(`${prefix}/ipaddresses/`)) addresses.add(key.slice(`${prefix}/ipaddresses/`.length));
        }
        if (!page.more) break;
        from = `${page.kvs[page.kvs.length - 1].key.toString()}\0`;
      }
      expect(services.size).toBe(COUNT + 1); // and default/kubernetes
      expect([...addresses].sort()).toEqual([...services].sort());
      for (const ip of ips) expect(services.has(ip)).toBe(true);
      expect(largest).toBeLessThanOrEqual(256 * 1024);
      console.log(`${COUNT} Services: ${stats.transactions} transactions, ${stats.conflicts} lost races, ${Math.round(stats.bytesWritten / COUNT)} bytes written per Service, largest value ${largest} bytes`);
    } finally {
      client.close();
    }

    // A new client loads the 100,001 Services page by page.
    const reader = await SharedServiceIPAM.open({ endpoints: [etcd.server().endpoint], prefix, serviceClusterIPRange: '10.0.0.0/12', readOnly: true });
    expect((await reader.list()).length).toBe(COUNT + 1);
    await reader.close();
  });
});
