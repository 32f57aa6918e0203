// The warnings the API server returns with a Service it accepted (GetWarningsForService): IP text
// that a later release will refuse, and fields the Service's type ignores. kubectl prints each as
// "Warning: <text>".
import type { Service } from 'kubernetes-types/core/v1.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { formatIPv6 } from '../ip-format.js';
import { isServiceIPSet, serviceType } from './service-fields.js';

// GetWarningsForIP: sloppy forms and non-canonical IPv6.
export function ipTextWarnings(field: string, text: string): string[] {
  const ip = parseIPSloppy(text);
  if (ip === null) return [];
  if (ip.hasLeadingZeros || ip.isMapped) {
    return [`${field}: non-standard IP address ${JSON.stringify(text)} will be considered invalid in a future Kubernetes release: use ${JSON.stringify(ip.canonical)}`];
  }
  if (ip.family === 6 && formatIPv6(ip.parts) !== text) {
    return [`${field}: IPv6 address ${JSON.stringify(text)} should be in RFC 5952 canonical format (${JSON.stringify(ip.canonical)})`];
  }
  return [];
}

export function serviceWarnings(service: Service): string[] {
  const spec = service.spec ?? {};
  const warnings: string[] = [];
  if (service.metadata?.annotations?.['service.kubernetes.io/topology-aware-hints'] !== undefined) {
    warnings.push('annotation service.kubernetes.io/topology-aware-hints is deprecated, please use service.kubernetes.io/topology-mode instead');
  }
  if (isServiceIPSet(service)) {
    (spec.clusterIPs ?? []).forEach((ip, i) => warnings.push(...ipTextWarnings(`spec.clusterIPs[${i}]`, ip)));
  }
  if (serviceType(service) === 'ClusterIP' && spec.clusterIP === 'None') {
    if (spec.loadBalancerIP) warnings.push('spec.loadBalancerIP is ignored for headless services');
    if ((spec.externalIPs ?? []).length > 0) warnings.push('spec.externalIPs is ignored for headless services');
    if (spec.sessionAffinity !== 'None') warnings.push('spec.SessionAffinity is ignored for headless services');
  }
  (spec.externalIPs ?? []).forEach((ip, i) => warnings.push(...ipTextWarnings(`spec.externalIPs[${i}]`, ip)));
  if (spec.loadBalancerIP) warnings.push(...ipTextWarnings('spec.loadBalancerIP', spec.loadBalancerIP));
  if (serviceType(service) === 'ExternalName' && (spec.externalIPs ?? []).length > 0) {
    warnings.push('spec.externalIPs is ignored when spec.type is "ExternalName"');
  }
  if (serviceType(service) !== 'ExternalName' && spec.externalName) {
    warnings.push('spec.externalName is ignored when spec.type is not "ExternalName"');
  }
  return warnings;
}
