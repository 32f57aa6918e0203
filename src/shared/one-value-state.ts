// The layout `clusterip allocate --store` used before the Kubernetes one: the whole ServiceIPAM
// state (a ClusterIPState, as snapshot() gives it) as one etcd value, at <prefix>/clusterip/state
// or at the key the old --store URL named. Found so that it is never misread, and moved into
// the Kubernetes layout by SharedServiceIPAM.migrateOneValueState().
import type { EtcdKV, StoredKV } from './etcd-kv.js';
import type { EtcdLayout } from './etcd-layout.js';

export interface OneValueState {
  key: string;
  kv: StoredKV;
  state: Record<string, unknown>;
}

/** The keys where the one-value state may be: the layout's, and the prefix itself (the old URL's key). */
export function oneValueKeys(layout: EtcdLayout, from?: string): string[] {
  if (from !== undefined) return [from];
  return [layout.oneValueState, ...(layout.prefix ? [layout.prefix] : [])];
}

/** The first of those keys holding a ClusterIPState, or undefined. */
export async function findOneValueState(kv: EtcdKV, keys: readonly string[]): Promise<OneValueState | undefined> {
  const { kvs } = await kv.getMany(keys);
  for (const key of keys) {
    const stored = kvs.get(key);
    if (!stored) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored.value.toString('utf8'));
    } catch {
      continue;
    }
    if (isOneValueState(parsed)) return { key, kv: stored, state: parsed };
  }
  return undefined;
}

function isOneValueState(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return record.kind === 'ClusterIPState' || ('services' in record && 'ranges' in record);
}
