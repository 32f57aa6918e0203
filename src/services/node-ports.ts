// The node port half of the Service allocation stage (storage/alloc.go): which ports a Service
// gets on create and update, which it gives back, and the health-check node port. Ports are
// taken from the NodePortAllocator at once and recorded; releases wait for the commit, and a
// request that fails gives back what it took (portallocator.PortAllocationOperation).
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { AllocatorError } from '../errors.js';
import type { NodePortAllocator } from '../node-port-allocator.js';
import { ServiceInternalError, ServiceValidationError, invalid } from './field-errors.js';
import { needsHealthCheck, needsNodePort } from './service-fields.js';

export class NodePortOperation {
  readonly #allocator: NodePortAllocator;
  // Made on first use: most Services (ClusterIP) take and release no node port at all.
  #allocated: number[] | undefined;
  #releaseDeferred: number[] | undefined;

  constructor(allocator: NodePortAllocator) {
    this.#allocator = allocator;
  }

  allocate(port: number): void {
    this.#allocator.allocate(port);
    (this.#allocated ??= []).push(port);
  }

  allocateNext(): number {
    const port = this.#allocator.allocateNext();
    (this.#allocated ??= []).push(port);
    return port;
  }

  releaseDeferred(port: number): void {
    (this.#releaseDeferred ??= []).push(port);
  }

  /** The ports whose release waits for the commit. */
  get deferred(): readonly number[] {
    return this.#releaseDeferred ?? [];
  }

  /** Whether the operation took or deferred nothing (its commit and revert would do nothing). */
  get isEmpty(): boolean {
    return this.#allocated === undefined && this.#releaseDeferred === undefined;
  }

  /** The request succeeded: the deferred releases happen. */
  commit(): void {
    const deferred = this.#releaseDeferred;
    this.#releaseDeferred = undefined;
    this.#allocated = undefined;
    if (deferred) for (const port of deferred) this.#release(port);
  }

  /** The request failed: what it took goes back; nothing deferred is released. */
  revert(): void {
    const allocated = this.#allocated;
    this.#allocated = undefined;
    this.#releaseDeferred = undefined;
    if (allocated) for (let i = allocated.length - 1; i >= 0; i--) this.#release(allocated[i]);
  }

  // Stored Services may hold any number (a restored state, a port outside today's range).
  #release(port: number): void {
    if (Number.isInteger(port)) this.#allocator.release(port);
  }
}

/** shouldAllocateNodePorts: NodePort always; LoadBalancer unless allocateLoadBalancerNodePorts is false. */
function allocatesNodePorts(service: Service): boolean {
  const type = service.spec?.type;
  return type === 'NodePort' || (type === 'LoadBalancer' && service.spec?.allocateLoadBalancerNodePorts !== false);
}

/** The non-zero nodePorts of a Service, in port order, repeats kept (collectServiceNodePorts). */
export function collectServiceNodePorts(service: Service): number[] {
  return (service.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0);
}

/** A named port: taken, or the field error at spec.ports[index].nodePort with the allocator's text. */
function takeRequested(op: NodePortOperation, service: Service, index: number, port: number): number {
  try {
    op.allocate(port);
  } catch (error) {
    if (!(error instanceof AllocatorError)) throw error;
    const fieldError = invalid(`spec.ports[${index}].nodePort`, port, error.message);
    if (error.code === 'ERR_ALLOCATED') fieldError.taken = { kind: 'node-port', port };
    throw new ServiceValidationError(service.metadata?.name ?? '', [fieldError]);
  }
  return port;
}

/** A dynamic port, or the internal error a full range gives. */
function takeDynamic(op: NodePortOperation): number {
  try {
    return op.allocateNext();
  } catch (error) {
    if (!(error instanceof AllocatorError)) throw error;
    throw new ServiceInternalError(`failed to allocate a nodePort: ${error.message}`);
  }
}

/**
 * Create (initNodePorts): entries are keyed by port number — a later entry with the same port and
 * no nodePort shares the earlier one's (53/TCP and 53/UDP), and a nodePort requested on any entry
 * of that number is the one used.
 */
export function initNodePorts(service: Service, op: NodePortOperation): void {
  if (!needsNodePort(service)) return;
  const ports: ServicePort[] = service.spec?.ports ?? [];
  const byPortNumber = new Map<number, number>();
  const allocate = allocatesNodePorts(service);
  // findRequestedNodePort: the first nodePort requested for each port number (one pass, not one per entry).
  const requestedFor = new Map<number, number>();
  for (const p of ports) if ((p.nodePort ?? 0) !== 0 && !requestedFor.has(p.port)) requestedFor.set(p.port, p.nodePort!);
  ports.forEach((servicePort, i) => {
    const requested = servicePort.nodePort ?? 0;
    if (requested === 0 && !allocate) return;
    const shared = byPortNumber.get(servicePort.port);
    if (shared === undefined) {
      const wanted = requestedFor.get(servicePort.port) ?? 0;
      const port = wanted !== 0 ? takeRequested(op, service, i, wanted) : takeDynamic(op);
      servicePort.nodePort = port;
      byPortNumber.set(servicePort.port, port);
    } else if (requested === 0) {
      servicePort.nodePort = shared;
    } else if (requested !== shared) {
      takeRequested(op, service, i, requested);
    }
  });
}

/**
 * Update (updateNodePorts): a requested port the old Service did not hold is allocated, each new
 * zero entry gets its own port, and old ports the new Service no longer lists are released at
 * commit. Two entries with the same protocol and nodePort fail as upstream's plain error does.
 */
export function updateNodePorts(service: Service, old: Service, op: NodePortOperation): void {
  const oldPorts = new Set(collectServiceNodePorts(old));
  const seen = new Set<string>();
  const allocatedHere = new Set<number>();
  const allocate = allocatesNodePorts(service);
  (service.spec?.ports ?? []).forEach((servicePort, i) => {
    let port = servicePort.nodePort ?? 0;
    if (port === 0 && !allocate) return;
    if (port === 0) {
      port = servicePort.nodePort = takeDynamic(op);
    } else if (!oldPorts.has(port) && !allocatedHere.has(port)) {
      allocatedHere.add(takeRequested(op, service, i, port));
    }
    const protocol = servicePort.protocol ?? 'TCP';
    const key = `${protocol}/${port}`;
    if (seen.has(key)) throw new ServiceInternalError(`duplicate nodePort: {${protocol} ${port}}`, { bare: true });
    seen.add(key);
  });
  const newPorts = new Set(collectServiceNodePorts(service));
  for (const port of oldPorts) if (!newPorts.has(port)) op.releaseDeferred(port);
}

/** Releases every nodePort of a Service leaving NodePort/LoadBalancer (at commit). */
export function releaseNodePorts(old: Service, op: NodePortOperation): void {
  for (const port of collectServiceNodePorts(old)) op.releaseDeferred(port);
}

/** allocHealthCheckNodePort: the requested one, or any; a failure is an internal error, requested or not. */
export function allocHealthCheckNodePort(service: Service, op: NodePortOperation): void {
  const spec = service.spec!;
  const requested = spec.healthCheckNodePort ?? 0;
  try {
    if (requested !== 0) op.allocate(requested);
    else spec.healthCheckNodePort = op.allocateNext();
  } catch (error) {
    if (!(error instanceof AllocatorError)) throw error;
    // Upstream prints the (shadowed, still zero) port in the dynamic case.
    throw new ServiceInternalError(requested !== 0
      ? `failed to allocate requested HealthCheck NodePort ${requested}: ${error.message}`
      : `failed to allocate a HealthCheck NodePort 0: ${error.message}`);
  }
}

/** updateHealthCheckNodePort: allocate when it becomes needed, release (at commit) when it stops being needed. */
export function updateHealthCheckNodePort(service: Service, old: Service, op: NodePortOperation): void {
  const needed = needsHealthCheck(old);
  const needs = needsHealthCheck(service);
  if (!needed && needs) allocHealthCheckNodePort(service, op);
  else if (needed && !needs) op.releaseDeferred(old.spec?.healthCheckNodePort ?? 0);
}
