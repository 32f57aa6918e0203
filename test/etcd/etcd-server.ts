// Starts a real etcd (Debian's etcd-server, /usr/bin/etcd) on 127.0.0.1 with free ports and a
// temporary data directory, for the shared-range tests and benchmarks; stops and restarts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(endpoint: string, timeoutMs: number): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    try {
      const response = await fetch(`${endpoint}/health`);
      if (response.ok && (await response.json()).health === 'true') return;
    } catch {
      // not listening yet
    }
    if (waited > timeoutMs) throw new Error(`etcd at ${endpoint} did not become healthy in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface EtcdServer {
  endpoint: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startEtcd(binary = process.env.ETCD_BINARY ?? '/usr/bin/etcd'): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clusterip-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'clusterip-test', '--data-dir', dataDir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `clusterip-test=${peer}`, '--initial-cluster-state', 'new',
    '--log-level', 'error', '--logger', 'zap',
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    await waitHealthy(endpoint, 20_000);
  };
  const halt = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  await launch();
  return {
    endpoint,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
