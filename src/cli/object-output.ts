// `-o name` and `-o jsonpath=…` of `clusterip allocate`, as kubectl prints them: `service/web`
// (`ipaddress.networking.k8s.io/10.96.0.10` for a grouped kind), one per object with lists
// opened; a JSONPath template over the one object, or over a List of them all.
import { flatten } from './inputs.js';
import { renderJsonPath } from './jsonpath.js';

/** yaml and json are manifests (manifests.ts); these print what a script wants from them. */
export type ObjectOutput = 'name' | `jsonpath=${string}`;

export function isObjectOutput(output: string): output is ObjectOutput {
  return output === 'name' || output.startsWith('jsonpath=');
}

/** kubectl's name of an object: kind in lower case, with its API group, then its name. */
function resourceName(object: unknown): string {
  const { apiVersion, kind, metadata } = object as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
  const group = apiVersion?.includes('/') ? `.${apiVersion.slice(0, apiVersion.lastIndexOf('/'))}` : '';
  return `${(kind ?? '').toLowerCase()}${group}/${metadata?.name ?? ''}`;
}

export function renderObjects(docs: readonly unknown[], output: ObjectOutput): string {
  const objects = flatten(docs).map(({ doc }) => doc);
  if (output === 'name') return objects.map((object) => `${resourceName(object)}\n`).join('');
  const data = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  return renderJsonPath(output.slice('jsonpath='.length), data);
}
