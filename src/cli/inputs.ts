// The -f inputs of a command, as kubectl takes them: -f repeatable, in order; a file, "-" (stdin,
// once), or a directory (its .yaml/.yml/.json files in name order; -R descends into
// subdirectories). Every document is read (JSON with JSON.parse, anything else as YAML 1.1
// multi-document) and lists are opened up: `List` and the API's typed lists (`ServiceList`,
// `IPAddressList`, `ServiceCIDRList`, … as `kubectl get -o yaml` prints them), whose items carry no
// kind or apiVersion of their own, get them from the list.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject } from '../plain-data.js';
import { InputError } from './cli-errors.js';
import { readManifests, type ReadDocument } from './manifests.js';
import { CarriageReturns } from './document-text.js';
import { decodeManifestBytes } from './yaml-bounds.js';

export interface InputDocument {
  doc: Record<string, unknown>;
  /** "file.yaml#2" (the third document) or "file.yaml#0.items[4]", for messages. */
  where: string;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

// Why a path could not be read, in words: the system's reason, never a guess. ENOENT alone means
// "does not exist"; a refusal (EACCES, a sandbox's permission error such as Deno's NotCapable), a
// symbolic link loop or a too-long name says so.
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'the name is too long',
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return REASONS[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}

function unreadablePath(path: string, error: unknown): InputError {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return new InputError(`the path "${path}" does not exist`);
  return new InputError(`cannot read the path "${path}": ${reasonOf(error)}`);
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    throw unreadablePath(path, error);
  }
}

function expandPath(path: string, recursive: boolean, top: boolean): string[] {
  if (!statOf(path).isDirectory()) return [path];
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (error) {
    throw unreadablePath(path, error);
  }
  const out: string[] = [];
  for (const name of names) {
    const full = join(path, name);
    if (statOf(full).isDirectory()) {
      if (recursive) out.push(...expandPath(full, recursive, false));
    } else if (MANIFEST_EXTENSIONS.test(name)) {
      out.push(full);
    }
  }
  if (top && out.length === 0) throw new InputError(`the directory "${path}" holds no .yaml, .yml or .json files${recursive ? '' : ' (use -R to read its subdirectories)'}`);
  return out;
}

/** JSON when it looks like JSON (a fraction of the YAML parser's cost), YAML 1.1 otherwise. */
export function parseDocuments(text: string, source: string): ReadDocument[] {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
      const original = bom === '' ? text : text.slice(1);
      const value: unknown = JSON.parse(original);
      if (Array.isArray(value)) return value.map((doc: unknown) => ({ value: doc, text: undefined, addedKeys: undefined }));
      // One object: JSON is YAML flow style, so -o yaml can give its bytes back with the fields inserted.
      const { text: read, returns } = CarriageReturns.takeOut(original);
      return [{ value, text: { before: bom, text: read, original, after: '', returns, outline: undefined }, addedKeys: undefined }];
    } catch (error) {
      // Not JSON after all (YAML flow style can start with "{"): the YAML parser decides.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return readManifests(text, source);
}

/** A list document: `List`, or a typed API list such as `ServiceList`. */
export function isListDocument(doc: unknown): doc is Record<string, unknown> & { items: unknown[] } {
  return isPlainObject(doc) && typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items);
}

/**
 * Gives the items of typed lists their kind and apiVersion (in place, noted in the document's
 * addedKeys: its text lacks them) and checks that every document and item names both: an object
 * without them is reported, never passed by.
 */
export function normalizeDocuments(docs: ReadDocument[], source: string): void {
  for (let i = 0; i < docs.length; i++) normalizeDocument(docs[i], docs[i].value, `${source}#${i}`);
}

// An item's "where" is only built for a message or a nested list: a 20,000-item List built one
// string per item before.
function normalizeDocument(read: ReadDocument, doc: unknown, where: string): void {
  if (!isListDocument(doc)) {
    const problem = objectProblem(doc);
    if (problem !== undefined) throw new InputError(`${where}: ${problem}`);
    return;
  }
  const itemKind = doc.kind === 'List' ? undefined : (doc.kind as string).slice(0, -'List'.length);
  const items = doc.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (itemKind !== undefined && isPlainObject(item)) {
      const added = new Set<string>();
      if (item.kind === undefined) added.add('kind');
      if (item.apiVersion === undefined) added.add('apiVersion');
      item.kind ??= itemKind;
      item.apiVersion ??= doc.apiVersion;
      if (added.size > 0) (read.addedKeys ??= new Map()).set(item, added);
    }
    if (isListDocument(item)) {
      normalizeDocument(read, item, `${where}.items[${i}]`);
    } else {
      const problem = objectProblem(item);
      if (problem !== undefined) throw new InputError(`${where}.items[${i}]: ${problem}`);
    }
  }
}

// What keeps a document that is not a list from being a Kubernetes object, or undefined.
function objectProblem(doc: unknown): string | undefined {
  if (!isPlainObject(doc)) return `expected a Kubernetes object, found ${Array.isArray(doc) ? 'a list' : typeof doc}`;
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string' || doc.kind === '' || doc.apiVersion === '') {
    return `the object has no ${typeof doc.kind === 'string' && doc.kind !== '' ? 'apiVersion' : 'kind'}; every object needs apiVersion and kind (a list's items get them from a typed list such as ServiceList)`;
  }
  return undefined;
}

/** The kinds clusterip acts on; every other kind passes through. */
export type Kind = 'Service' | 'ServiceCIDR' | 'IPAddress';

export function kindOf(doc: unknown): Kind | undefined {
  const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
  if (d === null || typeof d !== 'object') return undefined;
  if (d.apiVersion === 'v1' && d.kind === 'Service') return 'Service';
  if (typeof d.apiVersion === 'string' && /^networking\.k8s\.io\/v1(beta1|alpha1)?$/.test(d.apiVersion)) {
    if (d.kind === 'ServiceCIDR') return 'ServiceCIDR';
    if (d.kind === 'IPAddress') return 'IPAddress';
  }
  return undefined;
}

/** Every object, lists opened, with its kind (undefined: a kind that passes through). */
export function flatten(docs: readonly unknown[]): Array<{ doc: unknown; kind: Kind | undefined }> {
  const out: Array<{ doc: unknown; kind: Kind | undefined }> = [];
  addOpened(docs, out);
  return out;
}

function addOpened(docs: readonly unknown[], out: Array<{ doc: unknown; kind: Kind | undefined }>): void {
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    if (isListDocument(doc)) addOpened(doc.items, out);
    else out.push({ doc, kind: kindOf(doc) });
  }
}

/** Every document of every input, in order. Throws InputError for missing paths and bad input. */
export function readInputs(paths: readonly string[], recursive: boolean, readStdin: () => string): ReadDocument[] {
  if (paths.filter((p) => p === '-').length > 1) throw new InputError('-f - (stdin) may be given once');
  const docs: ReadDocument[] = [];
  for (const path of paths) {
    const files = path === '-' ? ['-'] : expandPath(path, recursive, true);
    for (const file of files) {
      let text: string;
      try {
        text = file === '-' ? readStdin() : decodeManifestBytes(readFileSync(file), file);
      } catch (error) {
        if (error instanceof InputError) throw error;
        if (file !== '-') throw unreadablePath(file, error);
        throw new InputError(`cannot read stdin: ${reasonOf(error)}`);
      }
      const source = file === '-' ? 'stdin' : file;
      const parsed = parseDocuments(text, source);
      normalizeDocuments(parsed, source);
      for (const doc of parsed) docs.push(doc);
    }
  }
  if (docs.length === 0) throw new InputError(`no objects in ${paths.map((p) => (p === '-' ? 'stdin' : p)).join(', ')}`);
  return docs;
}
