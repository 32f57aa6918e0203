// `clusterip check --store etcd://…`: the checks of `clusterip check` on what a prefix in etcd
// holds, plus what only etcd shows — RangeAllocation bits (node ports; IPs up to 1.33) that no
// Service holds, and stored values that do not read. With --apply, the repair controllers run on
// the store as kube-apiserver's would after three passes, and their fixes are written.
import type { Service } from 'kubernetes-types/core/v1.js';
import { ClusterIPAllocator, NodePortAllocator, AllocatorError, type IPAMState, type RepairReport } from '../index.js';
import { heldNodePorts } from '../services/service-allocations.js';
import { isExternalName, isHeadless } from '../services/service-fields.js';
import { REPAIRS_BEFORE_LEAK_CLEANUP } from '../services/repair.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { fromBase64 } from '../services/ipam-state.js';
import { InputError, UsageError } from './cli-errors.js';
import { parseStoreURL } from './allocate-command.js';
import { checkObjects, type Finding } from './check-command.js';
import type { OutputFormat } from './manifests.js';
import { loadSharedServiceIPAM } from './shared-store-module.js';

export interface StoreCheckOptions {
  store: string;
  range?: string;
  nodePortRange?: string;
  kubernetesVersion?: string;
  apply: boolean;
  output: OutputFormat;
}

export async function storeCheckCommand(options: StoreCheckOptions): Promise<{ text: string; findings: Finding[] }> {
  const { endpoints, prefix } = parseStoreURL(options.store);
  const SharedServiceIPAM = await loadSharedServiceIPAM();
  try {
    const found = await SharedServiceIPAM.inspect({ endpoints, prefix });
    const range = options.range ?? found.serviceClusterIPRange;
    if (range === undefined) throw new UsageError(`--store: ${prefix} holds no ServiceCIDR "kubernetes" and no RangeAllocation; give --range`);
    // The version decides the IP model: objects mean 1.33+, bitmaps alone 1.29–1.32.
    const kubernetesVersion = options.kubernetesVersion ?? (found.model === 'bitmap' ? '1.32' : undefined);
    const config = { endpoints, prefix, serviceClusterIPRange: range, serviceNodePortRange: options.nodePortRange ?? found.serviceNodePortRange, kubernetesVersion };
    const reader = await SharedServiceIPAM.open({ ...config, readOnly: true });
    let state: IPAMState;
    let unreadable: Finding[];
    try {
      state = await reader.snapshot();
      unreadable = reader.problems.map((p) => ({ kind: 'unreadable-object' as const, severity: 'error' as const, object: p.key, detail: p.message }));
    } finally {
      await reader.close();
    }
    const more = [...unreadable, ...bitmapLeaks(state)];
    const checkOptions = { range: state.serviceClusterIPRange, nodePortRange: state.serviceNodePortRange, output: options.output };
    const objects = { services: state.services, serviceCIDRs: state.serviceCIDRs, ipAddresses: state.ipAddresses };
    const result = checkObjects(objects, checkOptions, more, ` in etcd (${prefix}, Kubernetes ${state.kubernetesVersion})`);
    if (!options.apply) return result;
    const writer = await SharedServiceIPAM.open(config);
    const reports: RepairReport[] = [];
    try {
      for (let pass = 0; pass < REPAIRS_BEFORE_LEAK_CLEANUP; pass++) reports.push(await writer.repair({ apply: true }));
    } finally {
      await writer.close();
    }
    const done = repairsDone(reports);
    if (options.output !== 'text') return { text: `${result.text.trimEnd()}\n${JSON.stringify({ repaired: done })}\n`, findings: result.findings };
    const lines = done.length === 0 ? ['repair: nothing to change'] : ['repair, applied to the store:', ...done.map((d) => `- ${d}`)];
    return { text: `${result.text.trimEnd()}\n\n${lines.join('\n')}\n`, findings: result.findings };
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) throw error;
    if (error instanceof AllocatorError || (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_STORE'))) {
      throw new InputError(`--store: ${error.message}`);
    }
    throw error;
  }
}

// Bits of the stored bitmaps that no Service holds: a leak (an allocation whose holder never
// landed) that the repair controllers free after three passes.
function bitmapLeaks(state: IPAMState): Finding[] {
  const findings: Finding[] = [];
  const services: Service[] = state.services;
  if (state.nodePorts !== undefined && state.serviceNodePortRange !== undefined) {
    const held = new Set(services.flatMap((s) => (isExternalName(s) ? [] : heldNodePorts(s))));
    const ports = NodePortAllocator.fromSnapshot({ range: state.serviceNodePortRange, data: fromBase64(state.nodePorts, 'nodePorts') });
    try {
      for (const port of ports) {
        if (!held.has(port)) findings.push({ kind: 'leaked-node-port', severity: 'error', object: `node port ${port}`, detail: `allocated in the RangeAllocation, held by no Service` });
      }
    } finally {
      ports.dispose();
    }
  }
  const heldIPs = new Set<string>();
  for (const s of services) {
    if (isExternalName(s) || isHeadless(s)) continue;
    for (const text of s.spec?.clusterIPs ?? []) {
      const ip = parseIPSloppy(text);
      if (ip) heldIPs.add(ip.canonical);
    }
  }
  for (const range of state.ranges) {
    const bitmap = ClusterIPAllocator.fromSnapshot({ range: range.range, data: fromBase64(range.data, 'ranges') }, { legacy: true });
    try {
      for (const ip of bitmap) {
        if (!heldIPs.has(ip)) findings.push({ kind: 'leaked-ip', severity: 'error', object: `ip ${ip}`, detail: `allocated in the RangeAllocation of ${range.range}, held by no Service` });
      }
    } finally {
      bitmap.dispose();
    }
  }
  return findings;
}

function repairsDone(reports: RepairReport[]): string[] {
  const done: string[] = [];
  for (const report of reports) {
    if (report.model === 'ipaddress') {
      for (const action of report.actions) done.push(`${action.verb} IPAddress ${action.name}`);
    } else {
      for (const leak of report.leaked) if (leak.released) done.push(`released leaked IP ${leak.ip}`);
      for (const claim of report.notAllocated) done.push(`marked ${claim.ip} of ${claim.service} allocated`);
    }
    for (const leak of report.nodePorts.leaked) if (leak.released) done.push(`released leaked node port ${leak.port}`);
    for (const claim of report.nodePorts.notAllocated) done.push(`marked node port ${claim.port} of ${claim.service} allocated`);
  }
  return done;
}

