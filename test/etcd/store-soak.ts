// A seeded soak of the shared store: several SharedServiceIPAM clients on one prefix of a real
// etcd, each sending random requests (Service creates with dynamic and static IPs and node
// ports, type changes, deletes, foreign IPAddresses applied and removed) several at a time, all
// clients at once. At every checkpoint the clients stop, catch up, and the laws are checked:
// - every client's state equals what a fresh client loads from etcd;
// - no cluster IP or node port is held by two Services;
// - every Service IP has its IPAddress, pointing back at it, and every allocator-made IPAddress
//   belongs to a Service holding it (nothing leaked);
// - the node port bitmap holds exactly the Services' node ports.
// Used by `npm run soak` (long) and test/etcd/store-soak.test.ts (short).
import type { Service } from 'kubernetes-types/core/v1.js';
import { NodePortAllocator, type IPAMState } from '../../src/index.js';
import { SharedServiceIPAM } from '../../src/shared/index.js';
import { fromBase64 } from '../../src/services/ipam-state.js';

export interface StoreSoakReport { operations: number; checkpoints: number; violations: string[]; refusals: number; conflicts: number; transactions: number }

// A small deterministic generator (xorshift32), one per client.
function generator(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

// A /24: its static band is .1-.16, which dynamic allocation never reaches while the upper band
// has room (at most 180 Services here). Foreign IPAddresses (a Gateway's) take .2-.15 there, so
// deleting one never deletes a Service's — that is the API server's own hazard, not the store's;
// static Service IPs are asked for in .20-.49, where dynamic picks may take them first.
const RANGE = '10.96.0.0/24';
const PORTS = '30000-30127';

export async function runStoreSoak(endpoints: string[], operations: number, seed: number, options: { clients?: number; checkpointEvery?: number; prefix?: string } = {}): Promise<StoreSoakReport> {
  const clientCount = options.clients ?? 3;
  const every = options.checkpointEvery ?? 500;
  const prefix = options.prefix ?? `/soak-${seed}`;
  const config = { endpoints, prefix, serviceClusterIPRange: RANGE, serviceNodePortRange: PORTS };
  const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => SharedServiceIPAM.open({ ...config, seed: seed * 31 + i, maxRetries: 10_000 })));
  const report: StoreSoakReport = { operations: 0, checkpoints: 0, violations: [], refusals: 0, conflicts: 0, transactions: 0 };
  try {
    const randoms = clients.map((_, i) => generator(seed * 1000 + i + 1));
    while (report.operations < operations && report.violations.length === 0) {
      const round = Math.min(every, operations - report.operations);
      // Every client at once, each with a few requests in flight.
      await Promise.all(clients.map((client, i) => runClient(client, randoms[i], Math.ceil(round / clientCount), i, report)));
      report.operations += round;
      await checkpoint(clients, config, report);
      report.checkpoints++;
    }
  } finally {
    for (const c of clients) {
      report.conflicts += c.stats.conflicts;
      report.transactions += c.stats.transactions;
    }
    await Promise.all(clients.map((c) => c.close()));
  }
  return report;
}

async function runClient(client: SharedServiceIPAM, random: () => number, count: number, id: number, report: StoreSoakReport): Promise<void> {
  const pick = (n: number) => Math.floor(random() * n);
  let left = count;
  const lane = async () => {
    while (left > 0) {
      left--;
      const name = `s${pick(60)}`;
      const roll = random();
      try {
        if (roll < 0.45) {
          const type = random() < 0.4 ? 'NodePort' : 'ClusterIP';
          const staticIP = random() < 0.2 ? `10.96.0.${20 + pick(30)}` : undefined;
          const staticPort = type === 'NodePort' && random() < 0.2 ? 30000 + pick(20) : undefined;
          await client.create({
            apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: `ns${pick(3)}` },
            spec: { type, ports: [{ port: 80, ...(staticPort ? { nodePort: staticPort } : {}) }], ...(staticIP ? { clusterIP: staticIP } : {}) },
          });
        } else if (roll < 0.7) {
          await client.delete({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: `ns${pick(3)}` } });
        } else if (roll < 0.85) {
          const namespace = `ns${pick(3)}`;
          const current = await client.get(namespace, name);
          if (!current) continue;
          const type = current.spec?.type === 'NodePort' ? 'ClusterIP' : 'NodePort';
          await client.update(current, { ...current, spec: { ...current.spec, type, ports: [{ port: 80 }] } } as Service);
        } else if (roll < 0.93) {
          await client.applyIPAddress({
            apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: `10.96.0.${2 + pick(14)}` },
            spec: { parentRef: { group: 'gateway.networking.k8s.io', resource: 'gateways', namespace: 'gw', name: `g${id}` } },
          });
        } else {
          await client.deleteIPAddress(`10.96.0.${2 + pick(14)}`);
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code?.startsWith('ERR_STORE')) throw error;
        report.refusals++;
      }
    }
  };
  await Promise.all([lane(), lane(), lane()]);
}

async function checkpoint(clients: SharedServiceIPAM[], config: { endpoints: string[]; prefix: string; serviceClusterIPRange: string; serviceNodePortRange: string }, report: StoreSoakReport): Promise<void> {
  const reader = await SharedServiceIPAM.open({ ...config, readOnly: true });
  let truth: IPAMState;
  try {
    truth = await reader.snapshot();
  } finally {
    await reader.close();
  }
  const want = JSON.stringify(comparable(truth));
  for (const [i, c] of clients.entries()) {
    const state = JSON.stringify(comparable(await c.snapshot()));
    if (state !== want) report.violations.push(`client ${i}'s state differs from what etcd holds at checkpoint ${report.checkpoints}`);
  }
  const ipHolders = new Map<string, string>();
  const portHolders = new Map<number, string>();
  for (const s of truth.services) {
    const key = `${s.metadata?.namespace}/${s.metadata?.name}`;
    for (const ip of s.spec?.clusterIPs ?? []) {
      if (ipHolders.has(ip)) report.violations.push(`${ip} is held by ${ipHolders.get(ip)} and ${key}`);
      ipHolders.set(ip, key);
    }
    for (const p of s.spec?.ports ?? []) {
      if (!p.nodePort) continue;
      if (portHolders.has(p.nodePort)) report.violations.push(`node port ${p.nodePort} is held by ${portHolders.get(p.nodePort)} and ${key}`);
      portHolders.set(p.nodePort, key);
    }
  }
  const addresses = new Map(truth.ipAddresses.map((a) => [a.metadata.name!, a]));
  for (const [ip, key] of ipHolders) {
    const ref = addresses.get(ip)?.spec.parentRef;
    if (!ref || ref.resource !== 'services' || `${ref.namespace}/${ref.name}` !== key) report.violations.push(`${ip} of ${key} has no IPAddress pointing at it`);
  }
  for (const [name, a] of addresses) {
    const ref = a.spec.parentRef;
    if (ref.resource === 'services' && !ref.group && ipHolders.get(name) !== `${ref.namespace}/${ref.name}`) report.violations.push(`IPAddress ${name} leaked (points at ${ref.namespace}/${ref.name})`);
  }
  const bitmap = NodePortAllocator.fromSnapshot({ range: truth.serviceNodePortRange!, data: fromBase64(truth.nodePorts!, 'nodePorts') });
  try {
    const allocated = [...bitmap].sort((a, b) => a - b).join(',');
    const held = [...portHolders.keys()].sort((a, b) => a - b).join(',');
    if (allocated !== held) report.violations.push(`the node port bitmap holds ${allocated}, the Services ${held}`);
  } finally {
    bitmap.dispose();
  }
}

function comparable(state: IPAMState) {
  const strip = (o: { metadata?: object }) => {
    const { resourceVersion, ...metadata } = (o.metadata ?? {}) as Record<string, unknown>;
    void resourceVersion;
    return { ...o, metadata };
  };
  const byKey = <T extends { metadata?: { name?: string; namespace?: string } }>(list: T[]) =>
    [...list].sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  return {
    services: byKey(state.services as Array<{ metadata?: { name?: string; namespace?: string } }>).map(strip),
    ipAddresses: byKey(state.ipAddresses).map(strip),
    serviceCIDRs: byKey(state.serviceCIDRs).map(strip),
    nodePorts: state.nodePorts,
  };
}
