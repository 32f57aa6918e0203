// `clusterip check`: reads a cluster dump (`kubectl get svc,servicecidrs,ipaddresses -A -o yaml`)
// or manifests and reports what the repair controllers would, plus the collision risk the static
// band exists for. Read-only: it allocates nothing.
import type { Service } from 'kubernetes-types/core/v1.js';
import { AllocatorError, describePortRange, describeRange, serviceKey, type IPAddress, type ServiceCIDR } from '../index.js';
import { parseCIDRSloppy, type ParsedCIDR } from '../cidr.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { addressValue } from '../services/meta-allocator.js';
import { allocationsOf, heldNodePorts, nodePortHolders } from '../services/service-allocations.js';
import { isExternalName, isHeadless } from '../services/service-fields.js';
import { InputError, UsageError } from './cli-errors.js';
import { flatten, readInputs } from './inputs.js';
import { inNamespace } from './namespace-option.js';
import { checkRangeOptions } from './range-options.js';
import { renderData, type OutputFormat } from './manifests.js';

export type FindingKind =
  | 'duplicate-ip' | 'ip-out-of-range' | 'invalid-ip' | 'missing-ipaddress' | 'orphan-ipaddress' | 'static-ip-in-dynamic-band'
  | 'duplicate-node-port' | 'node-port-out-of-range' | 'static-node-port-in-dynamic-band'
  /** The API server's own hazards (README, "Hazards"): where it can hand out a duplicate later. */
  | 'listed-node-port-not-allocated' | 'noncanonical-cluster-ip'
  /** What only etcd shows (check --store): bitmap bits nobody holds, values that do not read. */
  | 'leaked-ip' | 'leaked-node-port' | 'unreadable-object'
  /** The same Service twice in the input, naming different cluster IPs: applied in order, the second is refused. */
  | 'cluster-ip-changed';

/**
 * An error is what the API server or its repair controllers would act on or refuse; a warning is
 * a risk in a legal state (a static request in the dynamic band is accepted, and what a run of
 * `allocate` prints is exactly that): check exits 1 for errors only.
 */
export type Severity = 'error' | 'warning';

export interface Finding { kind: FindingKind; severity: Severity; object: string; detail: string }

const WARNINGS: ReadonlySet<FindingKind> = new Set(['static-ip-in-dynamic-band', 'static-node-port-in-dynamic-band']);

/** Whether the findings hold an error (check's exit status 1). */
export const hasErrors = (findings: readonly Finding[]) => findings.some((f) => f.severity === 'error');

export interface CheckOptions {
  files: string[];
  recursive: boolean;
  /** --service-cluster-ip-range; optional when the input holds ServiceCIDR objects. */
  range?: string;
  nodePortRange?: string;
  output: OutputFormat;
  /** -n: the namespace of Services that name none. */
  namespace?: string;
}

interface Band { cidr: ParsedCIDR; size: bigint; bandOffset: bigint }

function bandsOf(cidrs: string[]): Band[] {
  return cidrs.map((text) => {
    try {
      const cidr = parseCIDRSloppy(text);
      const info = describeRange(cidr.cidr);
      return { cidr, size: info.size, bandOffset: BigInt(info.bandOffset) };
    } catch (error) {
      if (error instanceof AllocatorError) throw new InputError(error.message);
      throw error;
    }
  });
}

/** The offset of an address in the first range holding it, or undefined. */
function placeOf(bands: Band[], family: 4 | 6, value: bigint): { band: Band; offset: bigint } | undefined {
  for (const band of bands) {
    if (band.cidr.family !== family) continue;
    const offset = value - band.cidr.network - 1n;
    if (offset >= 0n && offset < band.size) return { band, offset };
  }
  return undefined;
}

// A manifest as written (no uid from the API server) that names its clusterIP or nodePort makes a
// static request: in the dynamic band, a dynamic allocation may take it first.
const isManifest = (s: Service) => !s.metadata?.uid;

/** The objects a check reads: from files, or from etcd (store-check-command.ts). */
export interface CheckedObjects {
  services: Service[];
  serviceCIDRs: ServiceCIDR[];
  ipAddresses: IPAddress[];
}

export function checkCommand(options: CheckOptions, readStdin: () => string): { text: string; findings: Finding[] } {
  checkRangeOptions(options.range, options.nodePortRange);
  // An object given twice (the same kind, namespace and name) is one object, as kubectl apply -f
  // and clusterip allocate take it: the later document updates the earlier.
  const services = new Map<string, Service>();
  const serviceCIDRs = new Map<string, ServiceCIDR>();
  const ipAddresses = new Map<string, IPAddress>();
  const repeated: Finding[] = [];
  for (const { doc, kind } of flatten(inNamespace(readInputs(options.files, options.recursive, readStdin).map((read) => read.value), options.namespace))) {
    if (kind === 'Service') {
      const service = doc as Service;
      const key = serviceKey(service);
      const earlier = services.get(key);
      const ips = (s: Service | undefined) => (s?.spec?.clusterIPs?.length ? s.spec.clusterIPs : s?.spec?.clusterIP ? [s.spec.clusterIP] : []);
      const [before, after] = [ips(earlier), ips(service)];
      if (earlier && before.length > 0 && after.length > 0 && before.join(',') !== after.join(',')) {
        repeated.push({
          kind: 'cluster-ip-changed', severity: 'error', object: `service ${key}`,
          detail: `appears twice in the input, naming ${before.join(',')} then ${after.join(',')}: applied in order, the second is refused (spec.clusterIPs may not change once set)`,
        });
      }
      services.set(key, service);
    } else if (kind === 'ServiceCIDR') {
      serviceCIDRs.set((doc as ServiceCIDR).metadata?.name ?? '', doc as ServiceCIDR);
    } else if (kind === 'IPAddress') {
      ipAddresses.set((doc as IPAddress).metadata?.name ?? '', doc as IPAddress);
    }
  }
  const objects: CheckedObjects = { services: [...services.values()], serviceCIDRs: [...serviceCIDRs.values()], ipAddresses: [...ipAddresses.values()] };
  return checkObjects(objects, options, repeated);
}

/**
 * The findings on a set of objects; `more` are findings the caller made from what only it can see
 * (the bitmaps etcd holds), listed after these. `source` names where the objects came from.
 */
export function checkObjects(objects: CheckedObjects, options: Omit<CheckOptions, 'files' | 'recursive'>, more: Finding[] = [], source = ''): { text: string; findings: Finding[] } {
  const { services, serviceCIDRs: cidrObjects, ipAddresses: addresses } = objects;
  const cidrs = [...new Set([...(options.range?.split(',') ?? []), ...cidrObjects.flatMap((c) => c.spec?.cidrs ?? [])])];
  if (cidrs.length === 0) throw new UsageError('check needs --range, or ServiceCIDR objects in the input');
  const bands = bandsOf(cidrs);
  let ports;
  try {
    ports = describePortRange(options.nodePortRange ?? '30000-32767');
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
  const findings: Finding[] = [];
  const add = (kind: FindingKind, object: string, detail: string) => findings.push({ kind, severity: WARNINGS.has(kind) ? 'warning' : 'error', object, detail });

  // Cluster IPs.
  const ipHolders = new Map<string, string[]>();
  for (const service of services) {
    if (isExternalName(service) || isHeadless(service)) continue;
    const key = serviceKey(service);
    const texts = service.spec?.clusterIPs?.length ? service.spec.clusterIPs : service.spec?.clusterIP ? [service.spec.clusterIP] : [];
    for (const text of texts) {
      if (text === '' || text === 'None') continue;
      const ip = parseIPSloppy(text);
      if (ip === null) {
        add('invalid-ip', `service ${key}`, `${JSON.stringify(text)} is not an IP address`);
        continue;
      }
      const place = placeOf(bands, ip.family, addressValue(ip));
      if (!place) {
        add('ip-out-of-range', `service ${key}`, `${ip.canonical} is outside every service CIDR (${bands.map((b) => b.cidr.cidr).join(', ')})`);
        continue;
      }
      ipHolders.set(ip.canonical, [...(ipHolders.get(ip.canonical) ?? []), key]);
      if (ip.canonical !== text) {
        add('noncanonical-cluster-ip', `service ${key}`, `${JSON.stringify(text)} is not written as ${ip.canonical}: from Kubernetes 1.33 the IPAddress repair controller compares the texts, deletes the IPAddress of ${ip.canonical} and another Service can take it until its next pass`);
      }
      if (isManifest(service) && place.offset >= place.band.bandOffset) {
        add('static-ip-in-dynamic-band', `service ${key}`, `${ip.canonical} is a static request in the dynamic band of ${place.band.cidr.cidr}; a dynamically allocated Service may take it first (the static band is the lowest ${place.band.bandOffset} addresses)`);
      }
    }
  }
  for (const [ip, holders] of ipHolders) {
    if (holders.length > 1) add('duplicate-ip', `service ${holders[0]}`, `${ip} is held by ${holders.join(' and ')}`);
  }

  // IPAddress objects (1.33+): checked when the input has any, as the IPAddress repair does.
  if (addresses.length > 0) {
    const byName = new Map(addresses.map((a) => [a.metadata?.name ?? '', a]));
    for (const [ip, holders] of ipHolders) {
      const address = byName.get(ip);
      if (!address) add('missing-ipaddress', `service ${holders[0]}`, `${ip} has no IPAddress object`);
    }
    for (const address of addresses) {
      const ref = address.spec?.parentRef;
      if (ref?.resource !== 'services' || ref.group) continue; // held by something else: fine
      const key = `${ref.namespace || 'default'}/${ref.name}`;
      if (!(ipHolders.get(address.metadata?.name ?? '') ?? []).includes(key)) {
        add('orphan-ipaddress', `ipaddress ${address.metadata?.name}`, `points to service ${key}, which does not hold ${address.metadata?.name}`);
      }
    }
  }

  // Node ports.
  const inPortRange = (port: number) => Number.isInteger(port) && port >= ports.rangeStart && port <= ports.rangeEnd;
  for (const service of services) {
    const key = serviceKey(service);
    if (isExternalName(service)) {
      for (const port of new Set(heldNodePorts(service))) {
        add('listed-node-port-not-allocated', `service ${key}`, `node port ${port} is listed by an ExternalName Service, which allocates none: deleting this Service releases ${port} even while another Service holds it`);
      }
    }
    for (const port of heldNodePorts(service)) {
      if (!inPortRange(port)) {
        add('node-port-out-of-range', `service ${key}`, `node port ${port} is outside ${ports.range}`);
      } else if (isManifest(service) && port >= ports.dynamicStart) {
        add('static-node-port-in-dynamic-band', `service ${key}`, `node port ${port} is a static request in the dynamic band ${ports.dynamicStart}-${ports.dynamicEnd}; request ports in ${ports.staticStart ?? ports.rangeStart}-${ports.staticEnd ?? ports.rangeStart} to be safe`);
      }
    }
  }
  for (const [port, holders] of nodePortHolders(services.map(allocationsOf))) {
    if (inPortRange(port) && holders.length > 1) add('duplicate-node-port', `service ${holders[0]}`, `node port ${port} is held by ${holders.join(' and ')}`);
  }

  findings.push(...more);
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const summary = { services: services.length, serviceCIDRs: cidrs, nodePortRange: ports.range, ipAddresses: addresses.length, findings: findings.length, errors: findings.length - warnings, warnings };
  if (options.output !== 'text') return { text: renderData({ summary, findings }, options.output), findings };
  const head = `checked ${services.length} Services${source} against ${cidrs.join(', ')} and node ports ${ports.range}${addresses.length ? `, ${addresses.length} IPAddresses` : ''}`;
  if (findings.length === 0) return { text: `${head}: no findings\n`, findings };
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const rows = findings.map((f) => `| ${f.kind} | ${f.severity} | ${f.object} | ${f.detail} |`);
  return { text: [`${head}: ${count(findings.length - warnings, 'error')}, ${count(warnings, 'warning')}`, '', '| finding | severity | object | detail |', '|---|---|---|---|', ...rows, ''].join('\n'), findings };
}
