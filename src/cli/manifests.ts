// Reading and writing manifests: multi-document YAML (1.1, as kubectl reads it) or JSON.
import { parseAllDocuments, stringify } from 'yaml';
import { InputError } from './cli-errors.js';

export function readManifests(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw new InputError(`${source}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export type OutputFormat = 'text' | 'json' | 'yaml';

/** A command's result as data: indented JSON, or YAML 1.1 (the same data, for -o yaml). */
export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, { version: '1.1' });
}

export function writeManifests(docs: unknown[], format: 'yaml' | 'json'): string {
  if (format === 'json') {
    const value = docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs };
    return JSON.stringify(value, null, 2) + '\n';
  }
  return docs.map((doc) => stringify(doc, { version: '1.1' })).join('---\n');
}
