// Starts real etcd (Debian's etcd-server, /usr/bin/etcd) on 127.0.0.1 with free ports and
// temporary data directories, for the shared-state tests and benchmarks: one member, or a
// cluster of three on loopback. Members can be stopped, killed, paused (SIGSTOP) and resumed
// (SIGCONT), and restarted; every wait is for an observable event (a health answer, an exit).
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

// Polls /health until the member answers healthy, or fails when the process has exited. No
// attempt count or deadline: a loaded machine starts etcd later, never not at all.
async function waitHealthy(endpoint: string, alive: () => boolean): Promise<void> {
  for (;;) {
    if (!alive()) throw new Error(`etcd at ${endpoint} exited before it became healthy`);
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.json()).health === 'true') return;
    } catch {
      // not listening yet, or no leader yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface EtcdMember {
  name: string;
  endpoint: string;
  /** Stops it (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process freezes with its connections open. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same ports and data, and waits until the cluster answers through it. */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface EtcdServer {
  endpoint: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  member: EtcdMember;
}

export interface EtcdCluster {
  members: EtcdMember[];
  endpoints: string[];
  /** The member that is leader now (asked of the running members). */
  leader(): Promise<EtcdMember>;
  /** Stops every member and removes the data. */
  stop(): Promise<void>;
}

interface MemberSpec { name: string; clientPort: number; peerPort: number }

function memberProcess(binary: string, spec: MemberSpec, cluster: MemberSpec[], dataDir: string): EtcdMember {
  const endpoint = `http://127.0.0.1:${spec.clientPort}`;
  const peer = (m: MemberSpec) => `http://127.0.0.1:${m.peerPort}`;
  const args = [
    '--name', spec.name, '--data-dir', dataDir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer(spec), '--initial-advertise-peer-urls', peer(spec),
    '--initial-cluster', cluster.map((m) => `${m.name}=${peer(m)}`).join(','), '--initial-cluster-state', 'new',
    '--initial-cluster-token', `clusterip-${cluster.map((m) => m.clientPort).join('-')}`,
    // Loopback: elections in a fraction of a second, so a killed leader is replaced quickly.
    '--heartbeat-interval', '50', '--election-timeout', '500',
    '--log-level', 'error', '--logger', 'zap',
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const member: EtcdMember = {
    name: spec.name,
    endpoint,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const started = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      started.stderr?.resume();
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitHealthy(endpoint, () => member.running);
    },
    async stop() {
      if (!member.running) return;
      child!.kill('SIGCONT');
      child!.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (!member.running) return;
      child!.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  return member;
}

export async function startEtcd(binary = process.env.ETCD_BINARY ?? '/usr/bin/etcd'): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clusterip-etcd-'));
  const spec = { name: 'clusterip-test', clientPort: await freePort(), peerPort: await freePort() };
  const member = memberProcess(binary, spec, [spec], dataDir);
  await member.start();
  return {
    endpoint: member.endpoint,
    member,
    restart: async () => {
      await member.stop();
      await member.start();
    },
    stop: async () => {
      await member.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startEtcdCluster(size = 3, binary = process.env.ETCD_BINARY ?? '/usr/bin/etcd'): Promise<EtcdCluster> {
  const specs: MemberSpec[] = [];
  for (let i = 0; i < size; i++) specs.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort() });
  const dirs = specs.map(() => mkdtempSync(join(tmpdir(), 'clusterip-etcd-cluster-')));
  const members = specs.map((spec, i) => memberProcess(binary, spec, specs, dirs[i]));
  // The members wait for each other's votes: start them together.
  await Promise.all(members.map((m) => m.start()));
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    async leader() {
      // Asks the running members until one says it leads: an election in progress (a loaded
      // machine misses heartbeats) ends in a leader, so this waits for that event, not a deadline.
      for (;;) {
        if (!members.some((m) => m.running)) throw new Error('no member is running');
        for (const member of members) {
          if (!member.running) continue;
          try {
            const response = await fetch(`${member.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) });
            const status = await response.json() as { leader?: string; header?: { member_id?: string } };
            if (status.leader && status.leader === status.header?.member_id) return member;
          } catch {
            // paused or down: ask another
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await Promise.all(members.map((m) => m.stop()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
