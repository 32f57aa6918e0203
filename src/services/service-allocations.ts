// What the allocators and their repair controllers read of a Service: its name, type, cluster IP
// texts and the node ports it holds. A stored Service keeps these beside its JSON text
// (service-store.ts), so releases, hazards and repair never parse or copy the whole object.
import type { Service } from 'kubernetes-types/core/v1.js';
import { NONE, keyOf } from './service-fields.js';

export interface ServiceAllocations {
  readonly namespace: string;
  readonly name: string;
  /** spec.type ('' when unset). */
  readonly type: string;
  /** spec.clusterIP as stored (undefined when unset). */
  readonly clusterIP: string | undefined;
  /** spec.clusterIPs as stored, texts unparsed (empty when unset). */
  readonly clusterIPs: readonly string[];
  /** The node ports the Service holds: each listed nodePort once, and its health check port when it needs one. */
  readonly nodePorts: readonly number[];
}

export const NO_STRINGS: readonly string[] = Object.freeze([]);
export const NO_NUMBERS: readonly number[] = Object.freeze([]);

/** "namespace/name", the namespace "default" when empty. */
export function allocationsKey(service: ServiceAllocations): string {
  return keyOf(service.namespace, service.name);
}

/** The IP texts a Service holds: none for ExternalName and headless (clusterIPs[0] "None"). */
export function heldIPTexts(service: ServiceAllocations): readonly string[] {
  const ips = service.clusterIPs;
  if (service.type === 'ExternalName' || ips.length === 0 || ips[0] === NONE) return NO_STRINGS;
  return ips;
}

/** helper.IsServiceIPSet: clusterIP holds an address (not "" and not "None"). */
export function hasServiceIP(service: ServiceAllocations): boolean {
  return service.clusterIP !== undefined && service.clusterIP !== '' && service.clusterIP !== NONE;
}

/**
 * The node ports a Service object holds: its nodePorts once each, and its health check port when
 * it needs one (LoadBalancer, externalTrafficPolicy Local). Most Services hold none: the fields are
 * looked at before any list is made.
 */
export function heldNodePorts(service: Service): readonly number[] {
  const spec = service.spec;
  if (!spec) return NO_NUMBERS;
  const ports = spec.ports;
  let out: number[] | undefined;
  if (ports) {
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i].nodePort;
      if (port && !(out ??= []).includes(port)) out.push(port);
    }
  }
  const health = spec.healthCheckNodePort;
  if (health && spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !(out ??= []).includes(health)) out.push(health);
  return out ?? NO_NUMBERS;
}

/** The allocation record of a Service object (read, never kept: the object may change after). */
export function allocationsOf(service: Service): ServiceAllocations {
  const spec = service.spec;
  return {
    namespace: service.metadata?.namespace || 'default',
    name: service.metadata?.name ?? '',
    type: spec?.type ?? '',
    clusterIP: spec?.clusterIP,
    clusterIPs: spec?.clusterIPs ?? NO_STRINGS,
    nodePorts: heldNodePorts(service),
  };
}

/** Each node port with the keys of the Services holding it, in order: what repair, restore and `check` start from. */
export function nodePortHolders(services: Iterable<ServiceAllocations>): Map<number, string[]> {
  const holders = new Map<number, string[]>();
  for (const service of services) {
    const ports = service.nodePorts;
    if (ports.length === 0) continue;
    const key = allocationsKey(service);
    for (const port of ports) {
      const list = holders.get(port);
      if (list) list.push(key);
      else holders.set(port, [key]);
    }
  }
  return holders;
}
