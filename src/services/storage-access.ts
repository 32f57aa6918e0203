// What clusterip/etcd reads and writes underneath a ServiceIPAM: the stored objects themselves,
// without the request pipeline. The pipeline announces each stored object it is about to change
// (the journal), so the caller can record what a request wrote and what it replaced; the caller
// puts objects read from storage back in place (a watch event, a write that lost a race).
import type { ClusterIPAllocator } from '../allocator.js';
import type { NodePortAllocator } from '../node-port-allocator.js';
import type { ServiceCIDRRegistry } from './service-cidrs.js';
import type { StoredService } from './service-store.js';
import type { StorageJournal } from './storage-journal.js';

export interface StorageAccess {
  setJournal(journal: StorageJournal | undefined): void;
  service(namespace: string, name: string): StoredService | undefined;
  services(): IterableIterator<StoredService>;
  /** Puts (or, with undefined, removes) a stored Service as it is: no pipeline, no journal. */
  putService(namespace: string, name: string, record: StoredService | undefined): void;
  /** ServiceCIDRs and IPAddresses (1.33+), or undefined. */
  registry(): ServiceCIDRRegistry | undefined;
  nodePorts(): NodePortAllocator;
  /** The RangeAllocation bitmaps this version keeps, flag order: 1.29–1.32 and 1.33's dual write. */
  rangeAllocators(): ClusterIPAllocator[];
  /** kube-apiserver's start-up work: the controllers' pass, and default/kubernetes when absent. */
  bootstrap(reserveKubernetesService: boolean): void;
}

/** SYSTEM_FIELDS: how a ServiceIPAM names new objects. */
export interface SystemFields {
  /** A new object's metadata.uid. */
  uid(): string;
}
