// SharedServiceIPAM on a 3-member etcd cluster (three etcd processes on loopback) while things
// go wrong: the leader killed mid-run, members paused with SIGSTOP and resumed, writers killed
// with SIGKILL mid-request. After each run: no IP or node port held twice, every create that
// resolved is in etcd with what it was promised, nothing allocated that no Service holds
// (`clusterip check --store` finds nothing), and every failed create is either wholly stored or
// wholly absent. Every wait is for an observable event: a worker's report, an exit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from './etcd-server.js';
import { requireBinary } from '../setup/required-binary.js';

const ETCD = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
const haveEtcd = requireBinary(ETCD, 'the etcd tests', 'apt-get install etcd-server');
const worker = join(import.meta.dirname, 'service-worker.mjs');
const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
let cluster: EtcdCluster;

beforeAll(async () => {
  if (!haveEtcd) return;
  cluster = await startEtcdCluster(3, ETCD);
});

afterAll(async () => {
  await cluster?.stop();
});

interface Promised { name: string; ip: string; port: number }

interface Writer {
  promised: Promised[];
  failed: Array<{ name: string; code: string }>;
  done: boolean;
  /** The worker's SharedStoreStats, from its last line. */
  stats: Record<string, number>;
  exit: Promise<number | null>;
  kill(): void;
  /** Resolves once the worker has reported `count` resolved creates. */
  reported(count: number): Promise<void>;
}

function startWriter(prefix: string, id: number, count: number, concurrency: number): Writer {
  const child = spawn(process.execPath, [worker, cluster.endpoints.join(','), prefix, String(id), String(count), String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const writer: Writer = {
    promised: [], failed: [], done: false, stats: {},
    exit: new Promise((resolve) => child.on('exit', resolve)),
    kill: () => child.kill('SIGKILL'),
    reported: (n) => new Promise((resolve, reject) => {
      if (writer.promised.length >= n) return resolve();
      waiters.push({ count: n, resolve });
      void writer.exit.then(() => reject(new Error(`writer ${id} exited after ${writer.promised.length} creates, before ${n}`)));
    }),
  };
  let buffer = '';
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      const [verb, name, a, b] = line.split(' ');
      buffer = buffer.slice(newline + 1);
      if (verb === 'ok') {
        writer.promised.push({ name, ip: a, port: Number(b) });
        for (const waiter of waiters.filter((w) => writer.promised.length >= w.count)) waiter.resolve();
      } else if (verb === 'err') {
        writer.failed.push({ name, code: a });
      } else if (verb === 'done') {
        writer.done = true;
        writer.stats = JSON.parse(line.slice('done '.length));
      }
    }
  });
  return writer;
}

interface StoredService { name: string; ips: string[]; ports: number[] }

// What etcd holds under the prefix, read through one member that is up.
async function storedServices(prefix: string): Promise<{ services: Map<string, StoredService>; addresses: string[] }> {
  const endpoint = cluster.members.find((m) => m.running)!.endpoint;
  const client = new Etcd3({ hosts: endpoint });
  try {
    const services = new Map<string, StoredService>();
    for (const [key, value] of Object.entries(await client.getAll().prefix(`${prefix}/services/specs/`).strings())) {
      const s = JSON.parse(value);
      services.set(key.slice(key.lastIndexOf('/') + 1), { name: s.metadata.name, ips: s.spec.clusterIPs ?? [], ports: (s.spec.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter(Boolean) });
    }
    const addresses = (await client.getAll().prefix(`${prefix}/ipaddresses/`).keys()).map((k) => k.slice(k.lastIndexOf('/') + 1));
    return { services, addresses };
  } finally {
    client.close();
  }
}

function checkStore(prefix: string): Promise<{ code: number | null; stdout: string }> {
  const hosts = cluster.members.filter((m) => m.running).map((m) => m.endpoint.slice('http://'.length)).join(',');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'check', '--store', `etcd://${hosts}${prefix}`, '--service-node-port-range', '30000-39999'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

// The invariants after a run; returns figures for the log.
async function verify(prefix: string, writers: Writer[]): Promise<string> {
  const { services, addresses } = await storedServices(prefix);
  const ips = [...services.values()].flatMap((s) => s.ips);
  const ports = [...services.values()].flatMap((s) => s.ports);
  expect(new Set(ips).size).toBe(ips.length); // no IP twice
  expect(new Set(ports).size).toBe(ports.length); // no node port twice
  const promised = writers.flatMap((w) => w.promised);
  for (const p of promised) {
    const s = services.get(p.name);
    expect(s, `${p.name} was promised`).toBeDefined();
    expect(s!.ips).toEqual([p.ip]);
    expect(s!.ports).toEqual([p.port]);
  }
  // Every IPAddress belongs to a stored Service: a failed create left all of itself or nothing.
  expect(addresses.sort()).toEqual(ips.sort());
  const failed = writers.flatMap((w) => w.failed);
  for (const f of failed) expect(['ERR_STORE_UNAVAILABLE', 'ERR_STORE_CONFLICT']).toContain(f.code);
  const check = await checkStore(prefix);
  expect(check.stdout).toContain('no findings');
  expect(check.code).toBe(0);
  const landedAnyway = failed.filter((f) => services.has(f.name)).length;
  const sum = (key: string) => writers.reduce((n, w) => n + (w.stats[key] ?? 0), 0);
  return `${promised.length} promised, ${failed.length} failed (${landedAnyway} of them stored), ${services.size} stored, 0 duplicates, 0 lost, 0 leaks; `
    + `${sum('transactions')} transactions, ${sum('conflicts')} lost races, unanswered writes settled: ${sum('settledLanded')} landed, ${sum('settledAborted')} fenced off`;
}

describe.skipIf(!haveEtcd)('SharedServiceIPAM on a 3-member etcd cluster under faults', () => {
  it('the leader killed mid-run', async () => {
    const prefix = '/faults/leader';
    const writers = [1, 2, 3].map((id) => startWriter(prefix, id, 400, 4));
    await Promise.all(writers.map((w) => w.reported(60)));
    const leader = await cluster.leader();
    await leader.kill();
    await Promise.all(writers.map((w) => w.exit));
    for (const w of writers) expect(w.done).toBe(true);
    await leader.start();
    console.log(`leader killed: ${await verify(prefix, writers)}`);
  });

  it('members paused with SIGSTOP and resumed with SIGCONT', async () => {
    const prefix = '/faults/pause';
    const writers = [1, 2, 3].map((id) => startWriter(prefix, id, 400, 4));
    await Promise.all(writers.map((w) => w.reported(40)));
    const leader = await cluster.leader();
    leader.pause();
    await Promise.all(writers.map((w) => w.reported(120)));
    leader.resume();
    const follower = cluster.members.find((m) => m !== leader && m.running)!;
    follower.pause();
    await Promise.all(writers.map((w) => w.reported(200)));
    follower.resume();
    await Promise.all(writers.map((w) => w.exit));
    for (const w of writers) expect(w.done).toBe(true);
    console.log(`paused: ${await verify(prefix, writers)}`);
  });

  it('writers killed with SIGKILL mid-request', async () => {
    const prefix = '/faults/writers';
    const writers = [1, 2, 3, 4].map((id) => startWriter(prefix, id, 400, 6));
    await Promise.all(writers.map((w) => w.reported(50)));
    writers[0].kill();
    writers[1].kill();
    await Promise.all(writers.map((w) => w.exit));
    expect(writers[2].done && writers[3].done).toBe(true);
    console.log(`writers killed: ${await verify(prefix, writers)}`);
  });
});
