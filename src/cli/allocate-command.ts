// `clusterip allocate`: fills every Service in the manifests as the API server would; other
// objects pass through unchanged. With --state, Services already recorded keep their IPs.
import { readFileSync } from 'node:fs';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, ServiceExistsError, ServiceValidationError, formatFieldError, serviceKey, AllocatorError } from '../index.js';
import { InputError, UsageError } from './cli-errors.js';
import { readManifests, writeManifests } from './manifests.js';
import { loadState, saveState } from './state-file.js';

export interface AllocateOptions {
  range: string;
  file: string;
  state?: string;
  /** etcd://host:port[/key]: keep the state in etcd instead of a file. */
  store?: string;
  seed?: number;
  legacy: boolean;
  output: 'yaml' | 'json';
}

/** Key of the ServiceIPAM state in etcd when --store names none. */
export const DEFAULT_STATE_KEY = '/registry/clusterip/state';
const STORE_RETRIES = 20;

function isService(doc: unknown): doc is Service {
  const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
  return d !== null && typeof d === 'object' && d.apiVersion === 'v1' && d.kind === 'Service';
}

function newIPAM(options: AllocateOptions): ServiceIPAM {
  try {
    return new ServiceIPAM({ serviceClusterIPRange: options.range, seed: options.seed, legacy: options.legacy });
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
}

// Fills every Service (Services already recorded are updated, so they keep their IPs).
function fillManifests(ipam: ServiceIPAM, docs: unknown[]): { filled: unknown[]; errors: string[] } {
  const errors: string[] = [];
  const fill = (doc: unknown): unknown => {
    const list = doc as { kind?: unknown; items?: unknown };
    if (list && typeof list === 'object' && list.kind === 'List' && Array.isArray(list.items)) {
      return { ...list, items: list.items.map(fill) };
    }
    if (!isService(doc)) return doc;
    try {
      const existing = ipam.get(doc.metadata?.namespace ?? 'default', doc.metadata?.name ?? '');
      return existing ? ipam.update(existing, doc) : ipam.create(doc);
    } catch (error) {
      if (error instanceof ServiceValidationError) {
        errors.push(`The Service "${error.serviceName}" is invalid:\n${error.errors.map((e) => `* ${formatFieldError(e)}`).join('\n')}`);
      } else if (error instanceof ServiceExistsError) {
        errors.push(`Service ${serviceKey(doc)} appears twice in the input`);
      } else {
        throw error;
      }
      return doc;
    }
  };
  return { filled: docs.map(fill), errors };
}

export function parseStoreURL(url: string): { endpoint: string; key: string } {
  const match = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(url);
  if (!match) throw new UsageError(`--store must look like etcd://127.0.0.1:2379[/key], got "${url}"`);
  return { endpoint: `http://${match[1]}`, key: match[2] && match[2] !== '/' ? match[2] : DEFAULT_STATE_KEY };
}

export async function allocateCommand(options: AllocateOptions, readStdin: () => string): Promise<{ stdout: string; errors: string[] }> {
  if (options.state && options.store) throw new UsageError('use either --state or --store, not both');
  let text: string;
  try {
    text = options.file === '-' ? readStdin() : readFileSync(options.file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const docs = readManifests(text, options.file === '-' ? 'stdin' : options.file);
  if (options.store) return allocateWithStore(options, docs);
  const ipam = newIPAM(options);
  if (options.state) loadState(options.state, ipam);
  const { filled, errors } = fillManifests(ipam, docs);
  if (errors.length > 0) return { stdout: '', errors };
  if (options.state) saveState(options.state, ipam);
  return { stdout: writeManifests(filled, options.output), errors };
}

// The whole run is one compare-and-swap of the state key: a concurrent run makes it start over
// on the newer state, so two runs never hand out the same IP.
async function allocateWithStore(options: AllocateOptions, docs: unknown[]): Promise<{ stdout: string; errors: string[] }> {
  const { endpoint, key } = parseStoreURL(options.store!);
  const { EtcdStore } = await import('../shared/etcd-store.js');
  const store = new EtcdStore({ endpoints: [endpoint], key });
  try {
    for (let attempt = 0; attempt < STORE_RETRIES; attempt++) {
      const ipam = newIPAM(options);
      const current = await store.read();
      if (current) {
        try {
          ipam.restore(JSON.parse(current.value.toString('utf8')));
        } catch (error) {
          throw new InputError(`the state in etcd at ${key} is corrupt or belongs to another --range (${(error as Error).message})`);
        }
      }
      const { filled, errors } = fillManifests(ipam, docs);
      if (errors.length > 0) return { stdout: '', errors };
      const value = Buffer.from(JSON.stringify(ipam.snapshot()));
      const landed = current ? (await store.compareAndSwap(current.revision, value)).swapped : (await store.createIfAbsent(value)).created;
      if (landed) return { stdout: writeManifests(filled, options.output), errors };
    }
    throw new InputError(`gave up after ${STORE_RETRIES} concurrent changes to ${key}`);
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_STORE')) throw new InputError(error.message);
    throw error;
  } finally {
    store.close();
  }
}
