// Prometheus text exposition of the API server's ClusterIP allocator metrics, one series per CIDR.
import type { ClusterIPAllocator } from '../allocator.js';

const PREFIX = 'kube_apiserver_clusterip_allocator';

export function metricsText(allocators: ReadonlyMap<string, ClusterIPAllocator>): string {
  const stats = [...allocators.values()].map((a) => ({ cidr: a.cidr, stats: a.stats() }));
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, rows: Array<[string, bigint | number]>) => {
    lines.push(`# HELP ${PREFIX}_${name} [ALPHA] ${help}`, `# TYPE ${PREFIX}_${name} ${type}`);
    for (const [labels, value] of rows) lines.push(`${PREFIX}_${name}{${labels}} ${value}`);
  };
  const cidr = (c: string) => `cidr="${c}"`;
  family('allocated_ips', 'gauge', 'Gauge measuring the number of allocated IPs for Services', stats.map((s) => [cidr(s.cidr), s.stats.used]));
  family('available_ips', 'gauge', 'Gauge measuring the number of available IPs for Services', stats.map((s) => [cidr(s.cidr), s.stats.free]));
  family('allocation_total', 'counter', 'Number of Cluster IPs allocations', stats.flatMap((s) => [
    [`${cidr(s.cidr)},scope="dynamic"`, s.stats.allocations.dynamic] as [string, number],
    [`${cidr(s.cidr)},scope="static"`, s.stats.allocations.static] as [string, number],
  ]));
  family('allocation_errors_total', 'counter', 'Number of errors trying to allocate Cluster IPs', stats.flatMap((s) => [
    [`${cidr(s.cidr)},scope="dynamic"`, s.stats.errors.dynamic] as [string, number],
    [`${cidr(s.cidr)},scope="static"`, s.stats.errors.static] as [string, number],
  ]));
  return lines.join('\n') + '\n';
}
