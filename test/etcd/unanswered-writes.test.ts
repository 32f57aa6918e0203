// Writes whose answer never arrives, made on purpose: a TCP proxy between SharedServiceIPAM and a
// real etcd drops etcd's replies (the write landed, the client never hears it) or the client's
// request (nothing landed, the client hears nothing). Either way the call must settle the outcome
// itself — found landed, or fenced off and run again — and answer exactly once, with no second
// Service, IPAddress or allocation. The proxy acts on observable events: the marker appearing
// in etcd (seen by a separate client's watch), or the request's bytes arriving.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { SharedServiceIPAM } from '../../src/shared/index.js';
import { etcdForFile } from './etcd-per-file.js';


const etcd = etcdForFile();

type Mode = 'pass' | 'drop-replies' | 'drop-requests';

/** A proxy to etcd whose connections can drop one direction's bytes, and be cut. */
class Proxy {
  mode: Mode = 'pass';
  /** Called once when a request's bytes (a chunk of 200 bytes or more) are dropped (drop-requests). */
  onDroppedRequest: (() => void) | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      this.#sockets.add(client).add(upstream);
      client.on('data', (chunk) => {
        if (this.mode === 'drop-requests') {
          // A request, not a flow-control or ping frame (those are a few dozen bytes).
          if (chunk.length >= 200) {
            const notify = this.onDroppedRequest;
            this.onDroppedRequest = undefined;
            notify?.();
          }
          return;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (this.mode !== 'drop-replies') client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** Cuts every connection (the client sees them fail) and passes everything again. */
  reset(): void {
    this.mode = 'pass';
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  async stop(): Promise<void> {
    this.reset();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

const service = (name: string) => ({ apiVersion: 'v1' as const, kind: 'Service' as const, metadata: { name, namespace: 'default' }, spec: { type: 'NodePort' as const, ports: [{ port: 80 }] } });

async function setUp(prefix: string) {
  const url = new URL(etcd.server().endpoint);
  const proxy = new Proxy({ host: url.hostname, port: Number(url.port) });
  const endpoint = await proxy.start();
  const shared = await SharedServiceIPAM.open({ endpoints: [endpoint], prefix, serviceClusterIPRange: '10.96.0.0/24', seed: 4 });
  const direct = new Etcd3({ hosts: etcd.server().endpoint });
  return { proxy, shared, direct };
}

async function storedKeys(direct: Etcd3, prefix: string): Promise<string[]> {
  return (await direct.getAll().prefix(`${prefix}/`).keys()).filter((k) => !k.startsWith(`${prefix}/clusterip/`)).sort();
}

describe.skipIf(!etcd.available)('writes etcd never answered', () => {
  it('the write landed, its reply was lost: the call finds its marker and resolves once', async () => {
    const prefix = '/unanswered/landed';
    const { proxy, shared, direct } = await setUp(prefix);
    try {
      const before = await storedKeys(direct, prefix);
      // When the transaction's marker appears in etcd, the write has landed: cut the connection
      // whose reply the proxy withheld, so the client learns nothing of it.
      const watcher = await direct.watch().prefix(`${prefix}/clusterip/requests/`).create();
      watcher.on('put', (kv) => {
        if (kv.value.toString() === 'landed' && proxy.mode === 'drop-replies') proxy.reset();
      });
      proxy.mode = 'drop-replies';
      const made = await shared.create(service('once'));
      await watcher.cancel();
      expect(shared.stats.settledLanded).toBeGreaterThanOrEqual(1);
      const after = await storedKeys(direct, prefix);
      expect(after.filter((k) => !before.includes(k)).sort()).toEqual([
        `${prefix}/ipaddresses/${made.spec!.clusterIP}`, `${prefix}/services/specs/default/once`,
      ].sort());
      const stored = JSON.parse((await direct.get(`${prefix}/services/specs/default/once`).string())!);
      expect(stored.spec.clusterIP).toBe(made.spec!.clusterIP);
      expect(stored.spec.ports[0].nodePort).toBe(made.spec!.ports![0].nodePort);
      expect(stored.metadata.uid).toBe(made.metadata!.uid);
    } finally {
      await shared.close();
      direct.close();
      await proxy.stop();
    }
  });

  it('the request never reached etcd: the fence shuts it out, the request runs again and resolves once', async () => {
    const prefix = '/unanswered/lost';
    const { proxy, shared, direct } = await setUp(prefix);
    try {
      const before = await storedKeys(direct, prefix);
      proxy.onDroppedRequest = () => queueMicrotask(() => proxy.reset());
      proxy.mode = 'drop-requests';
      const made = await shared.create(service('twice-tried'));
      expect(shared.stats.settledAborted).toBeGreaterThanOrEqual(1);
      const after = await storedKeys(direct, prefix);
      expect(after.filter((k) => !before.includes(k)).sort()).toEqual([
        `${prefix}/ipaddresses/${made.spec!.clusterIP}`, `${prefix}/services/specs/default/twice-tried`,
      ].sort());
      // The node port bitmap holds exactly the ports the stored Services hold.
      const ports = JSON.parse((await direct.get(`${prefix}/ranges/servicenodeports`).string())!);
      const { NodePortAllocator } = await import('../../src/index.js');
      const bitmap = NodePortAllocator.fromSnapshot({ range: ports.range, data: new Uint8Array(Buffer.from(ports.data, 'base64')) });
      expect([...bitmap]).toEqual([made.spec!.ports![0].nodePort]);
      bitmap.dispose();
    } finally {
      await shared.close();
      direct.close();
      await proxy.stop();
    }
  });
});
