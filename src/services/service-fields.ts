// Reading and checking the ClusterIP-related fields of a Service: the API server's
// ValidateServiceClusterIPsRelatedFields and the upgrade/downgrade rules of ValidateServiceUpdate.
// IP text is read with Go's sloppy parser (ip-sloppy.ts), as the API server does; the version
// profile decides whether sloppy forms are errors.
import type { Service } from 'kubernetes-types/core/v1.js';
import { parseIPSloppy, type SloppyIP } from '../ip-sloppy.js';
import { duplicate, goStringSlice, invalid, notSupported, required, type FieldError } from './field-errors.js';

/** A Service's spec.ipFamilies entry. */
export type IPFamily = 'IPv4' | 'IPv6';
/** A Service's spec.ipFamilyPolicy. */
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export const NONE = 'None';
export const IP_FAMILIES: readonly string[] = ['IPv4', 'IPv6'];
export const IP_FAMILY_POLICIES: readonly string[] = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** How Services are tracked: namespace/name, the namespace defaulting to "default". */
export function serviceKey(service: Service): string {
  return keyOf(service.metadata?.namespace, service.metadata?.name ?? '');
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace || 'default'}/${name}`;
}

export function serviceType(service: Service): string {
  return service.spec?.type ?? '';
}

export function isExternalName(service: Service): boolean {
  return serviceType(service) === 'ExternalName';
}

/** clusterIPs[0] is "None" (the API server's check after normalisation). */
export function isHeadless(service: Service): boolean {
  const ips = service.spec?.clusterIPs ?? [];
  return ips.length > 0 && ips[0] === NONE;
}

/** Validation's stricter test: clusterIPs is exactly ["None"]. */
export function isHeadlessForValidation(service: Service): boolean {
  const ips = service.spec?.clusterIPs ?? [];
  return ips.length === 1 && ips[0] === NONE;
}

/** helper.IsServiceIPSet: clusterIP holds an address (not "" and not "None"). */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== NONE;
}

export function needsClusterIP(service: Service): boolean {
  return !isExternalName(service);
}

export function needsNodePort(service: Service): boolean {
  const type = serviceType(service);
  return type === 'NodePort' || type === 'LoadBalancer';
}

/** LoadBalancer with externalTrafficPolicy Local (apiservice.NeedsHealthCheck). */
export function needsHealthCheck(service: Service): boolean {
  return serviceType(service) === 'LoadBalancer' && service.spec?.externalTrafficPolicy === 'Local';
}

/** NodePort, LoadBalancer, or ClusterIP with externalIPs (apiservice.ExternallyAccessible). */
export function externallyAccessible(service: Service): boolean {
  const type = serviceType(service);
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && (service.spec?.externalIPs ?? []).length > 0);
}

/** The family Go's parser gives a text (IPv4-mapped counts as IPv4), or undefined. */
export function familyOf(ip: string): IPFamily | undefined {
  const parsed = parseIPSloppy(ip);
  return parsed === null ? undefined : parsed.family === 4 ? 'IPv4' : 'IPv6';
}

export function sameList(a: readonly string[] = [], b: readonly string[] = []): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * IsValidIPForLegacyField: Go's sloppy parser, plus (strict) no leading zeros and no IPv4-mapped
 * IPv6. `validOld` holds the IPs the stored object already had: they stay valid on update (the
 * KEP-4858 ratchet for immutable values). The error's detail, or undefined for valid text.
 */
export function ipTextProblem(ip: SloppyIP | null, text: string, strict: boolean, validOld: readonly string[] = []): string | undefined {
  if (ip === null) return IP_EXAMPLE;
  if (!strict || validOld.includes(text)) return undefined;
  if (ip.hasLeadingZeros) return 'must not have leading 0s';
  if (ip.isMapped) return 'must not be an IPv4-mapped IPv6 address';
  return undefined;
}

/** Options of the cluster-IP field validation that depend on the version and the request. */
export interface IPTextRules {
  /** StrictIPCIDRValidation (1.36+). */
  readonly strict: boolean;
  /** IPs of the stored object (on update), exempt from the strict rules. */
  readonly validOld?: readonly string[];
}

/** What the field checks return when they find nothing: shared, and frozen so no caller adds to it. */
const NO_ERRORS: FieldError[] = Object.freeze([]) as unknown as FieldError[];

// ValidateServiceClusterIPsRelatedFields, in the API server's order. Every create runs it twice
// (allocation stage and validation), mostly before V8 has optimised it: plain loops, and no list
// is made until there is something to put in it.
export function validateClusterIPFields(service: Service, rules: IPTextRules): FieldError[] {
  if (isExternalName(service)) return NO_ERRORS;
  const spec = service.spec ?? {};
  const clusterIPs = spec.clusterIPs ?? [];
  const families = spec.ipFamilies ?? [];
  let errors: FieldError[] | undefined;
  if (spec.clusterIP) {
    if (clusterIPs.length === 0) (errors ??= []).push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== spec.clusterIP) (errors ??= []).push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    (errors ??= []).push(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  for (let i = 0; i < families.length; i++) {
    const family = families[i];
    if (!IP_FAMILIES.includes(family)) (errors ??= []).push(notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    // An earlier equal value (SameValueZero, as a Set compares).
    for (let j = 0; j < i; j++) {
      if (families[j] === family || (families[j] !== families[j] && family !== family)) {
        (errors ??= []).push(duplicate(`spec.ipFamilies[${i}]`, family));
        break;
      }
    }
  }
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    (errors ??= []).push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIP = false;
  // Slot i: clusterIPs[i] as Go parses it (null for "None" and for text it does not take).
  const parsed: Array<SloppyIP | null> = [];
  for (let i = 0; i < clusterIPs.length; i++) {
    const ip = clusterIPs[i];
    if (i === 0 && ip === NONE) {
      if (clusterIPs.length > 1) {
        badIP = true;
        (errors ??= []).push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      }
      parsed.push(null);
      continue;
    }
    const parsedIP = parseIPSloppy(ip);
    const problem = ipTextProblem(parsedIP, ip, rules.strict, rules.validOld);
    if (problem !== undefined) {
      badIP = true;
      (errors ??= []).push(invalid(`spec.clusterIPs[${i}]`, ip, problem));
    }
    parsed.push(parsedIP);
  }
  if (clusterIPs.length > 2) (errors ??= []).push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  if (badIP) return errors ?? NO_ERRORS;
  // More than one IP must cover both families (IsDualStackIPStrings looks at the whole list).
  if (clusterIPs.length > 1) {
    const has4 = parsed.some((p) => p?.family === 4);
    const has6 = parsed.some((p) => p?.family === 6);
    if (!(has4 && has6)) (errors ??= []).push(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadlessForValidation(service) && clusterIPs.length > 0 && families.length > 0) {
    for (let i = 0; i < clusterIPs.length && i < families.length; i++) {
      const ip = clusterIPs[i];
      const isV6 = parsed[i]?.family === 6;
      if (families[i] === 'IPv4' && isV6) {
        (errors ??= []).push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !isV6) {
        (errors ??= []).push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    }
  }
  return errors ?? NO_ERRORS;
}

const familiesValue = (families: readonly string[]) => goStringSlice(families, '[]core.IPFamily');
const policyValue = (policy: string | undefined | null) => (policy ? JSON.stringify(policy) : 'null');

// validateUpgradeDowngradeClusterIPs and validateUpgradeDowngradeIPFamilies.
export function validateUpgradeDowngrade(before: Service, after: Service): FieldError[] {
  if (isExternalName(before) || isExternalName(after)) return [];
  const errors: FieldError[] = [];
  const oldIPs = before.spec?.clusterIPs ?? [];
  const newIPs = after.spec?.clusterIPs ?? [];
  const policy = after.spec?.ipFamilyPolicy;
  const oldHeadless = isHeadlessForValidation(before);
  const newHeadless = isHeadlessForValidation(after);
  if (!(oldHeadless && newHeadless)) {
    if (oldIPs.length === newIPs.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== newIPs[i]) errors.push(invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'));
      });
    } else if (oldIPs.length > newIPs.length) {
      if (newIPs.length === 0) errors.push(invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'));
      if (newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errors.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
      if (newIPs.length === 1 && policy !== 'SingleStack') {
        errors.push(invalid('spec.ipFamilyPolicy', policy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP", policyValue(policy)));
      }
    } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      errors.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
    }
  }
  if (oldHeadless === newHeadless && !newHeadless) {
    // The API server's own quirks are kept: every change reports index 0, and two of the checks
    // print clusterIPs (or look at them) where ipFamilies would be expected.
    const oldFamilies = before.spec?.ipFamilies ?? [];
    const newFamilies = after.spec?.ipFamilies ?? [];
    if (oldFamilies.length === newFamilies.length) {
      oldFamilies.forEach((family, i) => {
        if (family !== newFamilies[i]) errors.push(invalid('spec.ipFamilies[0]', newFamilies, 'may not change once set', familiesValue(newFamilies)));
      });
    } else if (oldFamilies.length > newFamilies.length) {
      if (newIPs.length === 0) errors.push(invalid('spec.ipFamilies[0]', newFamilies, 'primary ipFamily can not be unset', familiesValue(newFamilies)));
      if (newFamilies.length > 0 && newFamilies[0] !== oldFamilies[0]) errors.push(invalid('spec.ipFamilies[0]', newIPs, 'may not change once set'));
      if (newFamilies.length === 1 && policy !== 'SingleStack') {
        errors.push(invalid('spec.ipFamilyPolicy', policy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily", policyValue(policy)));
      }
    } else if (oldFamilies.length > 0 && newFamilies.length > 0 && newFamilies[0] !== oldFamilies[0]) {
      errors.push(invalid('spec.ipFamilies[0]', newIPs, 'may not change once set'));
    }
  }
  return errors;
}

/** The family -> IP text pairs a stored Service holds (none for headless and ExternalName). */
export function ipsByFamily(service: Service): Map<IPFamily, string> {
  const out = new Map<IPFamily, string>();
  if (isExternalName(service) || isHeadless(service)) return out;
  for (const ip of service.spec?.clusterIPs ?? []) {
    const family = familyOf(ip);
    if (family) out.set(family, ip);
  }
  return out;
}
