// Where kube-apiserver itself can hand out a duplicate, this package does the same (it reproduces
// the API server) and says so: a request that creates such a state, and a restore that loads one,
// report a Hazard in the request's `hazards` list. Each names the upstream code that behaves so.
// Kubernetes returns no warning for these; `warnings` stays exactly the API server's.

/** What kind of hazard: a state the API server can reach in which an IP or port can be handed out twice. */
export type HazardCode =
  /** A Service lists a node port that nothing allocated for it (an ExternalName Service may). */
  | 'node-port-not-allocated'
  /** A request released a node port that another Service still lists. */
  | 'node-port-released-while-held'
  /** A node port is listed by more than one Service. */
  | 'node-port-shared'
  /** A clusterIP stored in non-canonical text: the IPAddress repair compares texts and deletes its IPAddress. */
  | 'ip-text-not-canonical'
  /** An IPAddress was deleted while a Service holds its IP: the IP is free until repair recreates it. */
  | 'ipaddress-deleted-while-held'
  /** A Service IP has no IPAddress (or no bit): the next allocation may hand it out. */
  | 'ip-not-allocated'
  /** A Service IP's IPAddress belongs to something else. */
  | 'ip-held-by-other'
  /** An IP is held by more than one Service. */
  | 'ip-shared';

/**
 * A note that the API server's own behaviour, reproduced here, can lead to a duplicate: reported in
 * a request's (or restore's) `hazards` list, never as an error. Kubernetes reports nothing.
 */
export interface Hazard {
  /** What kind of hazard, as a stable code. */
  readonly code: HazardCode;
  /** What happened, in a sentence. */
  readonly message: string;
  /** namespace/name of the Service concerned. */
  readonly service?: string;
  /** The IP concerned, when it is about an IP. */
  readonly ip?: string;
  /** The node port concerned, when it is about a port. */
  readonly port?: number;
  /** The other holders: Services' namespace/name, or an IPAddress's parent. */
  readonly holders?: readonly string[];
  /** The upstream code that does the same (file and function, in kubernetes/kubernetes). */
  readonly upstream: string;
}

const UPSTREAM: Record<HazardCode, string> = {
  'node-port-not-allocated': 'pkg/registry/core/service/storage/alloc.go: txnAllocNodePorts allocates only for NodePort and LoadBalancer; ValidateService forbids nodePort only for ClusterIP',
  'node-port-released-while-held': 'pkg/registry/core/service/storage/alloc.go: releaseAllocatedResources and updateNodePorts release collectServiceNodePorts, whatever the type',
  'node-port-shared': 'pkg/registry/core/service/storage/alloc.go: updateNodePorts keeps every port the old object listed without allocating it',
  'ip-text-not-canonical': 'pkg/registry/core/service/ipallocator/controller/repairip.go: syncIPAddress compares the IPAddress name with clusterIPs as text',
  'ipaddress-deleted-while-held': 'pkg/registry/networking/ipaddress: an IPAddress is deleted like any object; repairip.go recreates it on its next pass',
  'ip-not-allocated': 'pkg/registry/core/service/ipallocator/controller/repairip.go: syncService ("is not allocated; repairing")',
  'ip-held-by-other': 'pkg/registry/core/service/ipallocator/controller/repairip.go: syncService ("has a wrong reference")',
  'ip-shared': 'pkg/registry/core/service/ipallocator/controller/repairip.go: syncService ("was assigned to multiple services")',
};

export function hazard(code: HazardCode, message: string, causes: Omit<Hazard, 'code' | 'message' | 'upstream'> = {}): Hazard {
  return { code, message, ...causes, upstream: UPSTREAM[code] };
}

/** The upstream source of each hazard, for the README's table and `check`. */
export function hazardSource(code: HazardCode): string {
  return UPSTREAM[code];
}
