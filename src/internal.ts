// Hooks for this package's own tests and CLI, not part of the API (index.ts does not export them).
/** ClusterIPAllocator[STORE]() returns its offset store (or null once disposed). */
export const STORE = Symbol('clusterip.store');
/**
 * ServiceIPAM[STORED_WRITE]('create' | 'update' | 'apply', …): the CLI's path. With `adoptInput`
 * the input object itself is defaulted and filled instead of a copy of it. 'apply' updates the
 * stored Service of the input's name, or creates it when there is none.
 */
export const STORED_WRITE = Symbol('clusterip.storedWrite');
/**
 * ServiceIPAM[STORAGE](): the stored objects underneath the Service pipeline, for clusterip/etcd,
 * which keeps them in etcd (src/services/storage-access.ts).
 */
export const STORAGE = Symbol('clusterip.storage');
/**
 * ServiceIPAMOptions[SYSTEM_FIELDS]: fill the fields the API server sets on every object it stores
 * (uid, creationTimestamp, apiVersion and kind), as clusterip/etcd stores them.
 */
export const SYSTEM_FIELDS = Symbol('clusterip.systemFields');
