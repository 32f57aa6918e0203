// `-n/--namespace` as kubectl applies it to -f input: an object that names no namespace is taken
// to be in the given one, and an object naming another namespace is an error (kubectl's words).
// Only Services get the namespace written in (they are the namespaced objects a run fills and
// prints); ServiceCIDRs and IPAddresses are cluster-scoped.
import { isPlainObject } from '../plain-data.js';
import { InputError } from './cli-errors.js';
import { isListDocument, kindOf } from './inputs.js';

/**
 * The documents with `namespace` given to the Services that name none: copies where something
 * changes (the documents as read stay as they were, so the YAML writer sees the namespace as an
 * added field). Throws InputError for an object in another namespace.
 */
export function inNamespace(docs: readonly unknown[], namespace: string | undefined): unknown[] {
  if (namespace === undefined) return [...docs];
  const place = (doc: unknown): unknown => {
    if (isListDocument(doc)) return { ...doc, items: doc.items.map(place) };
    if (!isPlainObject(doc)) return doc;
    const metadata = isPlainObject(doc.metadata) ? doc.metadata : undefined;
    const own = metadata?.namespace;
    if (typeof own === 'string' && own !== '' && own !== namespace) {
      throw new InputError(`the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`);
    }
    if (kindOf(doc) !== 'Service' || (typeof own === 'string' && own !== '')) return doc;
    return { ...doc, metadata: { ...metadata, namespace } };
  };
  return docs.map(place);
}
