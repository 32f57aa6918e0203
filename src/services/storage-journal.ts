// The journal a ServiceIPAM and its ServiceCIDR registry announce stored changes to, before they
// make them (storage-access.ts says who listens: clusterip/etcd records what a request wrote and
// what it replaced). Its own module: the registry announces, and storage access reads the registry.

export interface StorageJournal {
  /** Before a stored Service is created, replaced or deleted. */
  service(namespace: string, name: string): void;
  /** Before an IPAddress is created, replaced or deleted. */
  ipAddress(name: string): void;
}
