// Prometheus text exposition of the API server's ClusterIP allocator metrics (one series per CIDR)
// and its node port allocator metrics (one range, no cidr label).
// Values are float64 in the API server and print as Go's client does (1.048574e+06, not 1048574).

import type { AllocatorStats } from '../allocator.js';

const PREFIX = 'kube_apiserver_clusterip_allocator';
const NODE_PORT_PREFIX = 'kube_apiserver_nodeport_allocator';

export interface CIDRMetrics {
  cidr: string;
  allocated: bigint | number;
  available: bigint | number;
  allocations: { static: number; dynamic: number };
  errors: { static: number; dynamic: number };
}

/** strconv.FormatFloat(v, 'g', -1, 64) for the integer values metrics carry. */
export function goFloat(value: bigint | number): string {
  const v = Number(value);
  if (Math.abs(v) < 1e6) return String(v);
  const [mantissa, exponent] = v.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '');
  return `${mantissa}e${sign}${digits.padStart(2, '0')}`;
}

export function metricsText(rows: readonly CIDRMetrics[], nodePorts?: AllocatorStats): string {
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, series: Array<[string, bigint | number]>, prefix = PREFIX) => {
    lines.push(`# HELP ${prefix}_${name} [ALPHA] ${help}`, `# TYPE ${prefix}_${name} ${type}`);
    for (const [labels, value] of series) lines.push(`${prefix}_${name}${labels === '' ? '' : `{${labels}}`} ${goFloat(value)}`);
  };
  const cidr = (c: string) => `cidr="${c}"`;
  family('allocated_ips', 'gauge', 'Gauge measuring the number of allocated IPs for Services', rows.map((r) => [cidr(r.cidr), r.allocated]));
  family('available_ips', 'gauge', 'Gauge measuring the number of available IPs for Services', rows.map((r) => [cidr(r.cidr), r.available]));
  family('allocation_total', 'counter', 'Number of Cluster IPs allocations', rows.flatMap((r) => [
    [`${cidr(r.cidr)},scope="dynamic"`, r.allocations.dynamic] as [string, number],
    [`${cidr(r.cidr)},scope="static"`, r.allocations.static] as [string, number],
  ]));
  family('allocation_errors_total', 'counter', 'Number of errors trying to allocate Cluster IPs', rows.flatMap((r) => [
    [`${cidr(r.cidr)},scope="dynamic"`, r.errors.dynamic] as [string, number],
    [`${cidr(r.cidr)},scope="static"`, r.errors.static] as [string, number],
  ]));
  if (nodePorts) {
    const p = NODE_PORT_PREFIX;
    family('allocated_ports', 'gauge', 'Gauge measuring the number of allocated NodePorts for Services', [['', nodePorts.used]], p);
    family('available_ports', 'gauge', 'Gauge measuring the number of available NodePorts for Services', [['', nodePorts.free]], p);
    family('allocation_total', 'counter', 'Number of NodePort allocations', [
      ['scope="dynamic"', nodePorts.allocations.dynamic], ['scope="static"', nodePorts.allocations.static]], p);
    family('allocation_errors_total', 'counter', 'Number of errors trying to allocate NodePort', [
      ['scope="dynamic"', nodePorts.errors.dynamic], ['scope="static"', nodePorts.errors.static]], p);
  }
  return lines.join('\n') + '\n';
}
