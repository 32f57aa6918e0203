// `clusterip allocate`: fills every Service in the manifests as the API server would; other
// objects pass through unchanged. With --state, Services already recorded keep their IPs.
import { readFileSync } from 'node:fs';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, ServiceExistsError, ServiceValidationError, formatFieldError, serviceKey, AllocatorError } from '../index.js';
import { InputError } from './cli-errors.js';
import { readManifests, writeManifests } from './manifests.js';
import { loadState, saveState } from './state-file.js';

export interface AllocateOptions {
  range: string;
  file: string;
  state?: string;
  seed?: number;
  legacy: boolean;
  output: 'yaml' | 'json';
}

function isService(doc: unknown): doc is Service {
  const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
  return d !== null && typeof d === 'object' && d.apiVersion === 'v1' && d.kind === 'Service';
}

export function allocateCommand(options: AllocateOptions, readStdin: () => string): { stdout: string; errors: string[] } {
  let ipam: ServiceIPAM;
  try {
    ipam = new ServiceIPAM({ serviceClusterIPRange: options.range, seed: options.seed, legacy: options.legacy });
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
  if (options.state) loadState(options.state, ipam);
  let text: string;
  try {
    text = options.file === '-' ? readStdin() : readFileSync(options.file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const docs = readManifests(text, options.file === '-' ? 'stdin' : options.file);
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
  const filled = docs.map(fill);
  if (errors.length > 0) return { stdout: '', errors };
  if (options.state) saveState(options.state, ipam);
  return { stdout: writeManifests(filled, options.output), errors };
}
