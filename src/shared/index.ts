// `clusterip/etcd`: Service IP allocation shared across processes through etcd, stored where and
// how kube-apiserver stores it (Node only).
export { SharedServiceIPAM } from './shared-service-ipam.js';
export type { SharedServiceIPAMOptions, SharedStoreStats, StoreConfig, MigrationReport } from './shared-service-ipam.js';
export type { StoreProblem } from './store-view.js';
export { SharedClusterIPAllocator, DEFAULT_RANGE_KEY } from './shared-allocator.js';
export type { SharedAllocatorOptions } from './shared-allocator.js';
export { EtcdLayout, DEFAULT_PREFIX } from './etcd-layout.js';
export { StoreError } from './store-errors.js';
export type { StoreErrorCode } from './store-errors.js';
