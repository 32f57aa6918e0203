// What the API server fills in or rewrites before it looks at a Service: the v1 defaulting done
// when the request is decoded (SetDefaults_Service), the read-time defaults of stored objects, and
// the storage layer's update helpers (patchAllocatedValues, normalizeClusterIPs) and the strategy's
// dropTypeDependentFields. Each mutates the Service it is given.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import {
  NONE, externallyAccessible, needsClusterIP, needsHealthCheck, needsNodePort, sameList, serviceType, type IPFamily,
} from './service-fields.js';

/** v1.DefaultClientIPServiceAffinitySeconds: three hours. */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

// SetDefaults_Service.
export function setServiceDefaults(service: Service): void {
  const spec = (service.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  const ports = spec.ports ?? [];
  for (let i = 0; i < ports.length; i++) defaultPort(ports[i]);
  if (externallyAccessible(service) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    spec.allocateLoadBalancerNodePorts = true;
  }
}

function defaultPort(port: ServicePort): void {
  if (!port.protocol) port.protocol = 'TCP';
  if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
}

// defaultOnReadService: objects stored before clusterIPs/ipFamilies existed get them on read.
export function defaultOnRead(service: Service, primary: IPFamily): void {
  normalizeClusterIPs(service, undefined);
  const spec = service.spec ?? {};
  if (!needsClusterIP(service) || (spec.ipFamilies ?? []).length > 0) {
    if (serviceType(service) === 'ExternalName') delete spec.internalTrafficPolicy;
    return;
  }
  const other: IPFamily = primary === 'IPv4' ? 'IPv6' : 'IPv4';
  if (spec.clusterIP === NONE) {
    if (Object.keys(spec.selector ?? {}).length === 0) {
      spec.ipFamilyPolicy = 'RequireDualStack';
      spec.ipFamilies = [primary, other];
    } else {
      spec.ipFamilyPolicy = 'SingleStack';
      spec.ipFamilies = [primary];
    }
  } else {
    spec.ipFamilies = (spec.clusterIPs ?? []).map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'));
    if (spec.ipFamilies.length === 1) spec.ipFamilyPolicy = 'SingleStack';
    else if (spec.ipFamilies.length === 2) spec.ipFamilyPolicy = 'RequireDualStack';
  }
}

// normalizeClusterIPs: keep clusterIP and clusterIPs in step for clients that set only one.
export function normalizeClusterIPs(after: Service, before: Service | undefined): void {
  const spec = (after.spec ??= {});
  if (!before) {
    if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const old = before.spec ?? {};
  if ((old.clusterIPs ?? []).length > 0 && (spec.clusterIPs ?? []).length === 0 && (old.clusterIP ?? '') === (spec.clusterIP ?? '')) {
    spec.clusterIPs = old.clusterIPs!.slice();
  }
  if ((old.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    if (old.clusterIP && !spec.clusterIP) {
      if (sameList(old.clusterIPs, spec.clusterIPs)) delete spec.clusterIPs;
    } else if (sameList(old.clusterIPs, spec.clusterIPs)) {
      spec.clusterIPs = [spec.clusterIP!];
    }
  }
}

// patchAllocatedValues: values the API server allocated and a resubmitted manifest leaves out are kept.
export function patchAllocatedValues(after: Service, before: Service): void {
  const spec = (after.spec ??= {});
  const old = before.spec ?? {};
  if (needsClusterIP(before) && needsClusterIP(after)) {
    if (!spec.clusterIP) {
      if (old.clusterIP) spec.clusterIP = old.clusterIP;
      else delete spec.clusterIP;
    }
    if ((spec.clusterIPs ?? []).length === 0 && (old.clusterIPs ?? []).length > 0) spec.clusterIPs = old.clusterIPs!.slice();
  }
  if (needsNodePort(before) && needsNodePort(after)) {
    const usedOld = new Set((old.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
    const usedNew = new Set((spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
    const used = new Set([...usedOld].filter((n) => usedNew.has(n)));
    const byName = new Map<string, number>();
    for (const port of old.ports ?? []) byName.set(port.name ?? '', port.nodePort ?? 0);
    for (const port of spec.ports ?? []) {
      if (port.nodePort) continue;
      const oldValue = byName.get(port.name ?? '') ?? 0;
      if (!used.has(oldValue) && oldValue !== 0) port.nodePort = oldValue;
    }
  }
  if (needsHealthCheck(before) && needsHealthCheck(after) && !spec.healthCheckNodePort && old.healthCheckNodePort) {
    spec.healthCheckNodePort = old.healthCheckNodePort;
  }
}

// dropTypeDependentFields: on update, fields the new type does not use and the client did not
// change are wiped (their allocations are released at commit).
export function dropTypeDependentFields(after: Service, before: Service): void {
  const spec = (after.spec ??= {});
  const old = before.spec ?? {};
  if (needsClusterIP(before) && !needsClusterIP(after)) {
    if ((old.clusterIP ?? '') === (spec.clusterIP ?? '') && sameList(old.clusterIPs, spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(old.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if ((old.ipFamilyPolicy ?? '') === (spec.ipFamilyPolicy ?? '')) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(before) && !needsNodePort(after)) {
    const oldPorts = new Set((old.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
    const newPorts = (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0);
    if (newPorts.every((n) => oldPorts.has(n))) for (const port of spec.ports ?? []) delete port.nodePort;
  }
  if (needsHealthCheck(before) && !needsHealthCheck(after) && (old.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (serviceType(before) === 'LoadBalancer' && serviceType(after) !== 'LoadBalancer') {
    if (typeof spec.allocateLoadBalancerNodePorts === 'boolean' && spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if ((spec.loadBalancerClass ?? null) === (old.loadBalancerClass ?? null)) delete spec.loadBalancerClass;
  }
  const externalType = (s: Service) => serviceType(s) === 'NodePort' || serviceType(s) === 'LoadBalancer';
  if (externalType(before) && !externalType(after) && (old.externalTrafficPolicy ?? '') === (spec.externalTrafficPolicy ?? '')) {
    delete spec.externalTrafficPolicy;
  }
}
