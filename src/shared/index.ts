// `clusterip/etcd`: a range shared across processes through etcd (Node only).
export { SharedClusterIPAllocator, DEFAULT_RANGE_KEY } from './shared-allocator.js';
export type { SharedAllocatorOptions } from './shared-allocator.js';
export { EtcdStore } from './etcd-store.js';
export type { EtcdStoreOptions, Versioned } from './etcd-store.js';
export { StoreError } from './store-errors.js';
export type { StoreErrorCode } from './store-errors.js';
