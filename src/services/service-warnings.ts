// The warnings the API server returns with a Service it accepted (GetWarningsForService): IP text
// that a later release will refuse, and fields the Service's type ignores. kubectl prints each as
// "Warning: <text>".
import type { Service } from 'kubernetes-types/core/v1.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { addressValue } from './meta-allocator.js';
import { formatIPv6 } from '../ip-format.js';
import { parseCIDRSloppy } from '../cidr.js';
import { isServiceIPSet, serviceType } from './service-fields.js';

// GetWarningsForIP: sloppy forms and non-canonical IPv6. The message after "<field>: ", or
// undefined (the field's text is only built for a warning: every create checks its IPs).
function ipTextWarning(text: string): string | undefined {
  const ip = parseIPSloppy(text);
  if (ip === null) return undefined;
  if (ip.hasLeadingZeros || ip.isMapped) {
    return `non-standard IP address ${JSON.stringify(text)} will be considered invalid in a future Kubernetes release: use ${JSON.stringify(ip.canonical)}`;
  }
  if (ip.family === 6 && formatIPv6(ip.parts) !== text) {
    return `IPv6 address ${JSON.stringify(text)} should be in RFC 5952 canonical format (${JSON.stringify(ip.canonical)})`;
  }
  return undefined;
}

// The warnings of a list of IPs (spec.clusterIPs, spec.externalIPs), each with its indexed field.
function ipListWarnings(field: string, ips: readonly string[], warnings: string[]): void {
  for (let i = 0; i < ips.length; i++) {
    const warning = ipTextWarning(ips[i]);
    if (warning !== undefined) warnings.push(`${field}[${i}]: ${warning}`);
  }
}

// GetWarningsForCIDR: host bits set (ambiguous), sloppy forms, then non-canonical IPv6.
export function cidrTextWarnings(field: string, text: string): string[] {
  let cidr;
  try {
    cidr = parseCIDRSloppy(text);
  } catch {
    return [];
  }
  const slash = text.indexOf('/');
  const ip = parseIPSloppy(text.slice(0, slash))!;
  const prefixText = text.slice(slash + 1);
  const warnings: string[] = [];
  if (addressValue(ip) !== cidr.network) {
    const single = `${ip.canonical}/${cidr.addressBits}`;
    warnings.push(`${field}: CIDR value ${JSON.stringify(text)} is ambiguous in this context (should be ${JSON.stringify(cidr.cidr)} or ${JSON.stringify(single)}?)`);
  }
  if (ip.hasLeadingZeros || (prefixText.length > 1 && prefixText.startsWith('0'))) {
    warnings.push(`${field}: non-standard CIDR value ${JSON.stringify(text)} will be considered invalid in a future Kubernetes release: use ${JSON.stringify(cidr.cidr)}`);
  }
  if (warnings.length === 0 && ip.family === 6) {
    const canonical = `${formatIPv6(ip.parts)}/${cidr.prefix}`;
    if (canonical !== text) warnings.push(`${field}: IPv6 CIDR value ${JSON.stringify(text)} should be in RFC 5952 canonical format (${JSON.stringify(canonical)})`);
  }
  return warnings;
}

export interface WarningRules {
  /** PreferSameZone exists (1.34+): PreferClose is then a deprecated alias. */
  readonly preferCloseDeprecated: boolean;
}

/** GetWarningsForService, in its order. */
export function serviceWarnings(service: Service, rules: WarningRules): string[] {
  const spec = service.spec ?? {};
  const warnings: string[] = [];
  if (service.metadata?.annotations?.['service.kubernetes.io/topology-aware-hints'] !== undefined) {
    warnings.push('annotation service.kubernetes.io/topology-aware-hints is deprecated, please use service.kubernetes.io/topology-mode instead');
  }
  if (isServiceIPSet(service)) {
    ipListWarnings('spec.clusterIPs', spec.clusterIPs ?? [], warnings);
  }
  if (serviceType(service) === 'ClusterIP' && spec.clusterIP === 'None') {
    if (spec.loadBalancerIP) warnings.push('spec.loadBalancerIP is ignored for headless services');
    if ((spec.externalIPs ?? []).length > 0) warnings.push('spec.externalIPs is ignored for headless services');
    if (spec.sessionAffinity !== 'None') warnings.push('spec.SessionAffinity is ignored for headless services');
  }
  ipListWarnings('spec.externalIPs', spec.externalIPs ?? [], warnings);
  const loadBalancerIPWarning = spec.loadBalancerIP ? ipTextWarning(spec.loadBalancerIP) : undefined;
  if (loadBalancerIPWarning !== undefined) warnings.push(`spec.loadBalancerIP: ${loadBalancerIPWarning}`);
  (spec.loadBalancerSourceRanges ?? []).forEach((cidr, i) => warnings.push(...cidrTextWarnings(`spec.loadBalancerSourceRanges[${i}]`, cidr)));
  if (serviceType(service) === 'ExternalName' && (spec.externalIPs ?? []).length > 0) {
    warnings.push('spec.externalIPs is ignored when spec.type is "ExternalName"');
  }
  if (serviceType(service) !== 'ExternalName' && spec.externalName) {
    warnings.push('spec.externalName is ignored when spec.type is not "ExternalName"');
  }
  if (rules.preferCloseDeprecated && (spec as { trafficDistribution?: string }).trafficDistribution === 'PreferClose') {
    warnings.push('spec.trafficDistribution: "PreferClose" is deprecated; use "PreferSameZone"');
  }
  return warnings;
}
