// `clusterip allocate`: fills every Service in the manifests as the API server of the chosen
// version would (cluster IPs, and node ports for NodePort and LoadBalancer Services). ServiceCIDR and IPAddress objects in the input configure the ranges and reserve
// addresses (1.33+); other objects pass through unchanged. With --state, Services already
// recorded keep their IPs.
import type { Service } from 'kubernetes-types/core/v1.js';
import {
  ServiceIPAM, ServiceExistsError, ServiceInternalError, ResourceValidationError, formatFieldError, serviceKey, AllocatorError,
  DEFAULT_SERVICE_CIDR_NAME, type FieldError, type Hazard, type IPAddress, type ServiceCIDR,
} from '../index.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { STORED_WRITE } from '../internal.js';
import { heldNodePorts } from '../services/service-allocations.js';
import { parseCIDRSloppy } from '../cidr.js';
import { InputError, UsageError } from './cli-errors.js';
import { writeManifests, type ReadDocument } from './manifests.js';
import { renderObjects, type ObjectOutput } from './object-output.js';
import { inNamespace } from './namespace-option.js';
import { checkRangeOptions } from './range-options.js';
import { flatten, isListDocument, kindOf, readInputs } from './inputs.js';
import { loadState, saveState, withStateLock } from './state-file.js';
import { loadSharedServiceIPAM } from './shared-store-module.js';

export interface AllocateOptions {
  /** --service-cluster-ip-range; may be left out when the input holds the default ServiceCIDR. */
  range?: string;
  /** --service-node-port-range (default 30000-32767). */
  nodePortRange?: string;
  /** -f, in order: files, directories, or "-" for stdin. */
  files: string[];
  /** -R: read directories' subdirectories too. */
  recursive?: boolean;
  state?: string;
  /** etcd://host:port[,host:port…][/prefix]: keep the state in etcd, as kube-apiserver does, instead of a file. */
  store?: string;
  seed?: number;
  kubernetesVersion?: string;
  /** Manifests (yaml, json), or what kubectl's -o name and -o jsonpath=… print of them. */
  output: 'yaml' | 'json' | ObjectOutput;
  /** -n: the namespace of Services that name none (an object in another namespace is an error). */
  namespace?: string;
  /** Print the IPAddress objects this run created for its Services after the manifests (1.33+). */
  printIPAddresses: boolean;
}

/**
 * What a run prints: `warnings` are the API server's own (kubectl prints them as "Warning: …"),
 * `hazards` this package's notes where the API server's behaviour can hand out a duplicate.
 */
export interface AllocateResult { stdout: string; errors: string[]; warnings: string[]; hazards: Hazard[] }


/** The flag: --range, or the default ServiceCIDR of the input; both given must agree. */
export function resolveRange(option: string | undefined, serviceCIDRs: ServiceCIDR[]): string {
  const fromInput = serviceCIDRs.find((s) => s.metadata?.name === DEFAULT_SERVICE_CIDR_NAME)?.spec?.cidrs;
  if (option === undefined) {
    if (!fromInput) throw new UsageError(`--range is required unless the input holds the default ServiceCIDR "${DEFAULT_SERVICE_CIDR_NAME}"`);
    return fromInput.join(',');
  }
  if (fromInput) {
    let canonical: string;
    try {
      canonical = option.split(',').map((c) => parseCIDRSloppy(c).cidr).join(',');
    } catch (error) {
      if (error instanceof AllocatorError) throw new InputError(error.message);
      throw error;
    }
    if (canonical !== fromInput.join(',')) {
      throw new InputError(`--range ${option} disagrees with the input's ServiceCIDR "${DEFAULT_SERVICE_CIDR_NAME}" (${fromInput.join(',')}); pass the range the cluster was started with, or leave --range out`);
    }
  }
  return option;
}

function newIPAM(options: AllocateOptions, range: string): ServiceIPAM {
  try {
    return new ServiceIPAM({
      serviceClusterIPRange: range, serviceNodePortRange: options.nodePortRange, seed: options.seed, kubernetesVersion: options.kubernetesVersion,
    });
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
}

/** Where a refused request's error looks up who holds the IP or port it asked for. */
interface Holders {
  services(): Service[];
  addresses(): IPAddress[];
}

const holdersOf = (ipam: ServiceIPAM): Holders => ({ services: () => ipam.list(), addresses: () => ipamAddresses(ipam) });

// Who holds a taken IP or node port (the field error names what was taken), for the line after
// the API server's own error text.
function holderOf(holders: Holders, error: FieldError): string | undefined {
  const { taken } = error;
  if (taken?.kind === 'ip') {
    const { ip } = taken;
    const service = holders.services().find((s) => (s.spec?.clusterIPs ?? []).includes(ip));
    if (service) return `${ip} is held by ${serviceKey(service)}`;
    const parsed = parseIPSloppy(ip);
    const address = parsed && holders.addresses().find((a) => a.metadata.name === parsed.canonical);
    const ref = address?.spec?.parentRef;
    return ref ? `${ip} is held by the IPAddress of ${ref.resource}${ref.namespace ? ` ${ref.namespace}/` : ' '}${ref.name}` : undefined;
  }
  if (taken?.kind === 'node-port') {
    const { port } = taken;
    const service = holders.services().find((s) => heldNodePorts(s).includes(port));
    return service ? `node port ${port} is held by ${serviceKey(service)}` : undefined;
  }
  return undefined;
}

function describeError(error: unknown, doc: unknown, lookup: Holders): string | undefined {
  if (error instanceof ResourceValidationError) {
    const kind = (doc as { kind?: string }).kind ?? 'object';
    const holders = error.errors.map((e) => holderOf(lookup, e)).filter((h): h is string => h !== undefined);
    return `The ${kind} "${error.objectName}" is invalid:\n${error.errors.map((e) => `* ${formatFieldError(e)}`).join('\n')}`
      + holders.map((h) => `\n  (${h})`).join('');
  }
  if (error instanceof ServiceInternalError) return `Service "${(doc as Service).metadata?.name ?? ''}": ${error.message}`;
  if (error instanceof ServiceExistsError) return `Service ${serviceKey(doc as Service)} appears twice in the input`;
  if (error instanceof AllocatorError && (error.code === 'ERR_NOT_SUPPORTED_BY_VERSION')) return error.message;
  return undefined;
}

type InputItems = ReturnType<typeof flatten>;

// "namespace/name=ip" of every IP the input's Services name.
function inputServiceIPs(items: InputItems): Set<string> {
  const serviceIPs = new Set<string>();
  for (const { doc, kind } of items) {
    if (kind !== 'Service') continue;
    const s = doc as Service;
    for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) serviceIPs.add(`${serviceKey(s)}=${ip}`);
  }
  return serviceIPs;
}

// An input Service's own IPAddress: the Service's create makes it again.
function isInputServiceAddress(address: IPAddress, serviceIPs: Set<string>): boolean {
  const ref = address.spec?.parentRef;
  return ref?.resource === 'services' && serviceIPs.has(`${ref.namespace || 'default'}/${ref.name}=${address.metadata?.name}`);
}

// Configures (ServiceCIDRs), reserves (IPAddresses) and fills (Services) the input on the IPAM.
// `adoptInput`: the Services' input objects may become the stored ones (JSON output; YAML output
// diffs against them).
// `items`: flatten(docs), made once per run.
function fillManifests(ipam: ServiceIPAM, docs: unknown[], items: InputItems, wantCreated: boolean, adoptInput: boolean): { filled: unknown[]; errors: string[]; warnings: string[]; hazards: Hazard[]; created: IPAddress[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const hazards: Hazard[] = [];
  const serviceIPs = inputServiceIPs(items);
  // A failure the user can act on becomes a message; anything else is a bug and propagates.
  const report = (error: unknown, doc: unknown) => {
    const text = describeError(error, doc, holdersOf(ipam));
    if (text === undefined) throw error;
    errors.push(text);
  };
  const attempt = (doc: unknown, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      report(error, doc);
    }
  };
  for (const { doc, kind } of items) {
    if (kind === 'ServiceCIDR' && (doc as ServiceCIDR).metadata?.name !== DEFAULT_SERVICE_CIDR_NAME) {
      attempt(doc, () => ipam.applyServiceCIDR(doc as ServiceCIDR));
    }
  }
  for (const { doc, kind } of items) {
    if (kind === 'IPAddress' && !isInputServiceAddress(doc as IPAddress, serviceIPs)) attempt(doc, () => ipam.applyIPAddress(doc as IPAddress));
  }
  // What this run creates for its Services (the input's own IPAddresses are not repeated); listed
  // only when asked for: copying every IPAddress twice was a large share of a large run
  // (docs/benchmarks.md, "Measured costs behind the code").
  const before = wantCreated ? new Set(ipamAddresses(ipam).map((a) => a.metadata.name)) : new Set<string | undefined>();
  // One request object for every Service, and no closure per Service (attempt's): this runs
  // 20,000 times in a large run, mostly before V8 has optimised it.
  const request = { warnings, hazards, adoptInput };
  const fill = (doc: unknown): unknown => {
    if (isListDocument(doc)) return { ...doc, items: doc.items.map(fill) };
    if (kindOf(doc) !== 'Service') return doc;
    try {
      // Updates a Service the state holds, else creates it. The stored objects themselves: this run only prints them.
      return ipam[STORED_WRITE]('apply', doc as Service, request);
    } catch (error) {
      report(error, doc);
      return doc;
    }
  };
  const filled = docs.map(fill);
  const created = wantCreated ? ipamAddresses(ipam).filter((a) => !before.has(a.metadata.name)) : [];
  return { filled, errors, warnings, hazards, created };
}

function ipamAddresses(ipam: ServiceIPAM): IPAddress[] {
  return ipam.profile.allocatorModel === 'ipaddress' ? ipam.ipAddresses() : [];
}

// YAML documents keep their text: only what the run changed is rewritten.
function render(options: AllocateOptions, read: ReadDocument[], filled: unknown[], created: IPAddress[]): string {
  const docs = options.printIPAddresses ? [...filled, ...created] : filled;
  const { output } = options;
  return output === 'yaml' || output === 'json' ? writeManifests(docs, output, read) : renderObjects(docs, output);
}

function checkVersionSupportsInput(ipam: ServiceIPAM, items: InputItems): void {
  if (ipam.profile.allocatorModel === 'ipaddress') return;
  const found = items.find(({ kind }) => kind === 'ServiceCIDR' || kind === 'IPAddress');
  if (found) {
    throw new InputError(`the input holds ${found.kind} objects, which Kubernetes ${ipam.kubernetesVersion} does not serve; use --kubernetes-version 1.33 or later`);
  }
}

/** --store: etcd://host:port[,host:port…][/prefix] (the prefix defaults to kube-apiserver's /registry). */
export function parseStoreURL(url: string): { endpoints: string[]; prefix: string } {
  const match = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(url);
  const hosts = match?.[1].split(',') ?? [];
  if (!match || hosts.some((h) => !/^[^\s,/]+:\d+$/.test(h))) {
    throw new UsageError(`--store must look like etcd://127.0.0.1:2379[,127.0.0.1:22379][/prefix], got "${url}"`);
  }
  const path = match[2];
  return { endpoints: hosts.map((h) => `http://${h}`), prefix: path === undefined || path === '/' ? '/registry' : path.replace(/\/+$/, '') };
}

export async function allocateCommand(options: AllocateOptions, readStdin: () => string): Promise<AllocateResult> {
  if (options.state && options.store) throw new UsageError('use either --state or --store, not both');
  checkRangeOptions(options.range, options.nodePortRange);
  const read = readInputs(options.files, options.recursive === true, readStdin);
  const docs = inNamespace(read.map((doc) => doc.value), options.namespace);
  const items = flatten(docs);
  const serviceCIDRs = items.filter(({ kind }) => kind === 'ServiceCIDR').map(({ doc }) => doc as ServiceCIDR);
  const range = resolveRange(options.range, serviceCIDRs);
  if (options.store) return allocateWithStore(options, range, read, docs, items);
  const run = (): AllocateResult => {
    const ipam = newIPAM(options, range);
    checkVersionSupportsInput(ipam, items);
    if (options.state) loadState(options.state, ipam);
    const { filled, errors, warnings, hazards, created } = fillManifests(ipam, docs, items, options.printIPAddresses, options.output !== 'yaml');
    if (errors.length > 0) return { stdout: '', errors, warnings, hazards };
    if (options.state) saveState(options.state, ipam);
    return { stdout: render(options, read, filled, created), errors, warnings, hazards };
  };
  // Load, allocate and save under the state file's lock: concurrent runs take turns.
  return options.state ? withStateLock(options.state, run) : run();
}

// --store: the Services go to etcd one request each, as kubectl apply sends them, grouped into
// transactions by the shared store (src/shared/shared-service-ipam.ts). Each Service is stored or
// refused on its own: when some are refused, the others are stored, the run prints the errors and
// no manifests, and running it again after the fix keeps the stored Services' IPs.
async function allocateWithStore(options: AllocateOptions, range: string, read: ReadDocument[], docs: unknown[], items: InputItems): Promise<AllocateResult> {
  const { endpoints, prefix } = parseStoreURL(options.store!);
  const SharedServiceIPAM = await loadSharedServiceIPAM();
  const probe = newIPAM(options, range);
  const canonicalRange = probe.ranges.join(',');
  try {
    checkVersionSupportsInput(probe, items);
  } finally {
    probe.dispose();
  }
  let shared;
  try {
    // A prefix set up for other ranges is refused, not silently shared (the stored ranges win in
    // kube-apiserver too, which only logs the difference).
    const found = await SharedServiceIPAM.inspect({ endpoints, prefix });
    // (A single-stack store gaining the other family is the API server's upgrade, and allowed.)
    const stored = found.serviceClusterIPRange;
    if (stored !== undefined && stored !== canonicalRange && !canonicalRange.startsWith(`${stored},`)) {
      throw new InputError(`--store: ${prefix} holds the service CIDRs ${stored}, and this run's --range is ${canonicalRange}; it belongs to another --range`);
    }
    shared = await SharedServiceIPAM.open({
      endpoints, prefix, serviceClusterIPRange: range, serviceNodePortRange: options.nodePortRange, seed: options.seed, kubernetesVersion: options.kubernetesVersion,
    });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw storeInputError(error);
  }
  try {
    const errors: string[] = [];
    const warnings: string[] = [];
    const hazards: Hazard[] = [];
    const failures: Array<{ error: unknown; doc: unknown }> = [];
    const attempt = async (doc: unknown, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        failures.push({ error, doc });
      }
    };
    const serviceIPs = inputServiceIPs(items);
    for (const { doc, kind } of items) {
      if (kind === 'ServiceCIDR' && (doc as ServiceCIDR).metadata?.name !== DEFAULT_SERVICE_CIDR_NAME) await attempt(doc, () => shared.applyServiceCIDR(doc as ServiceCIDR));
    }
    await Promise.all(items.filter(({ doc, kind }) => kind === 'IPAddress' && !isInputServiceAddress(doc as IPAddress, serviceIPs))
      .map(({ doc }) => attempt(doc, () => shared.applyIPAddress(doc as IPAddress))));
    const before = options.printIPAddresses ? new Set((await shared.ipAddresses()).map((a) => a.metadata.name)) : undefined;
    // Every Service at once, in input order: the store groups them into transactions.
    const request = { warnings, hazards };
    const fill = (doc: unknown): Promise<unknown> => {
      if (isListDocument(doc)) return Promise.all(doc.items.map(fill)).then((filled) => ({ ...doc, items: filled }));
      if (kindOf(doc) !== 'Service') return Promise.resolve(doc);
      return shared.apply(doc as Service, request).then(withoutResourceVersion, (error: unknown) => {
        failures.push({ error, doc });
        return doc;
      });
    };
    const filled = await Promise.all(docs.map(fill));
    if (failures.length > 0) {
      const holders = { services: await shared.list(), addresses: await shared.ipAddresses().catch(() => []) };
      const lookup: Holders = { services: () => holders.services, addresses: () => holders.addresses };
      for (const { error, doc } of failures) {
        const text = describeError(error, doc, lookup);
        if (text === undefined) throw storeInputError(error);
        errors.push(text);
      }
      const stored = items.filter(({ kind }) => kind === 'Service').length - failures.filter(({ doc }) => kindOf(doc) === 'Service').length;
      errors.push(`--store: the other ${stored} Service${stored === 1 ? ' was' : 's were'} stored; run again once the errors are fixed (stored Services keep their IPs)`);
      return { stdout: '', errors, warnings, hazards };
    }
    const created = before ? (await shared.ipAddresses()).filter((a) => !before.has(a.metadata.name)) : [];
    return { stdout: render(options, read, filled, created), errors, warnings, hazards };
  } catch (error) {
    throw storeInputError(error);
  } finally {
    await shared.close();
  }
}

// The stored object's resourceVersion is etcd's, not the manifest's: the output stays a manifest.
function withoutResourceVersion(service: unknown): unknown {
  delete (service as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  return service;
}

function storeInputError(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_STORE')) return new InputError(`--store: ${error.message}`);
  if (error instanceof AllocatorError) return new InputError(`--store: ${error.message}`);
  return error;
}
