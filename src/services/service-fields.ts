// Reading and checking the ClusterIP-related fields of a Service, as the API server's validation
// (ValidateServiceClusterIPsRelatedFields, the type rules, the update rules) does.
import type { Service } from 'kubernetes-types/core/v1.js';
import { parseIP } from '../ip-text.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from './field-errors.js';

export type IPFamily = 'IPv4' | 'IPv6';
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export const NONE = 'None';
const FAMILIES = ['IPv4', 'IPv6'];
const POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const EXTERNAL_NAME_FORBIDDEN = 'may not be set for ExternalName services';
const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** How Services are tracked: namespace/name, the namespace defaulting to "default". */
export function serviceKey(service: Service): string {
  return keyOf(service.metadata?.namespace, service.metadata?.name ?? '');
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace || 'default'}/${name}`;
}

export function serviceType(service: Service): string {
  return service.spec?.type ?? 'ClusterIP';
}

export function isExternalName(service: Service): boolean {
  return serviceType(service) === 'ExternalName';
}

export function isHeadless(service: Service): boolean {
  const ips = service.spec?.clusterIPs ?? [];
  return ips.length === 1 && ips[0] === NONE;
}

/** The family of a valid IP text, or undefined. */
export function familyOf(ip: string): IPFamily | undefined {
  const parsed = parseIP(ip);
  return parsed.family === 4 ? 'IPv4' : parsed.family === 6 ? 'IPv6' : undefined;
}

// Rules tied to the type: unknown types, ExternalName's forbidden fields, "None" for exposed types.
export function validateTypeRules(service: Service): FieldError[] {
  const spec = service.spec ?? {};
  const errors: FieldError[] = [];
  const type = serviceType(service);
  if (!TYPES.includes(type)) errors.push(notSupported('spec.type', type, TYPES));
  if (type === 'ExternalName') {
    if (spec.clusterIP) errors.push(forbidden('spec.clusterIP', EXTERNAL_NAME_FORBIDDEN));
    if ((spec.clusterIPs ?? []).length > 0) errors.push(forbidden('spec.clusterIPs', EXTERNAL_NAME_FORBIDDEN));
    if ((spec.ipFamilies ?? []).length > 0) errors.push(forbidden('spec.ipFamilies', EXTERNAL_NAME_FORBIDDEN));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errors.push(forbidden('spec.ipFamilyPolicy', EXTERNAL_NAME_FORBIDDEN));
    if (!spec.externalName) errors.push(required('spec.externalName'));
  }
  if ((type === 'NodePort' || type === 'LoadBalancer') && isHeadless(service)) {
    errors.push(invalid('spec.clusterIPs[0]', NONE, `may not be set to 'None' for ${type} services`));
  }
  return errors;
}

// The API server's ValidateServiceClusterIPsRelatedFields.
export function validateClusterIPFields(service: Service): FieldError[] {
  if (isExternalName(service)) return [];
  const spec = service.spec ?? {};
  const clusterIPs = spec.clusterIPs ?? [];
  const families = spec.ipFamilies ?? [];
  const errors: FieldError[] = [];
  if (spec.clusterIP) {
    if (clusterIPs.length === 0) errors.push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== spec.clusterIP) errors.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errors.push(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!FAMILIES.includes(family)) errors.push(notSupported(`spec.ipFamilies[${i}]`, family, FAMILIES));
    if (seen.has(family)) errors.push(duplicate(`spec.ipFamilies[${i}]`, family));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !POLICIES.includes(spec.ipFamilyPolicy)) {
    errors.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, POLICIES));
  }
  let badIP = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === NONE) {
      if (clusterIPs.length > 1) {
        badIP = true;
        errors.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    if (familyOf(ip) === undefined) {
      badIP = true;
      errors.push(invalid(`spec.clusterIPs[${i}]`, ip, IP_EXAMPLE));
    }
  });
  if (clusterIPs.length > 2) errors.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  if (badIP) return errors;
  if (clusterIPs.length > 1 && familyOf(clusterIPs[0]) === familyOf(clusterIPs[1])) {
    errors.push(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(service)) {
    clusterIPs.forEach((ip, i) => {
      if (i >= families.length) return;
      const family = familyOf(ip);
      if (families[i] === 'IPv4' && family === 'IPv6') {
        errors.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && family !== 'IPv6') {
        errors.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errors;
}

// Update rules: cluster IPs and families may not change once set, the primary may not be unset,
// and the secondary goes only with ipFamilyPolicy SingleStack.
export function validateUpdateRules(before: Service, after: Service): FieldError[] {
  if (isExternalName(before) || isExternalName(after)) return [];
  const errors: FieldError[] = [];
  const oldIPs = before.spec?.clusterIPs ?? [];
  const newIPs = after.spec?.clusterIPs ?? [];
  const policy = after.spec?.ipFamilyPolicy;
  const oldHeadless = isHeadless(before);
  const newHeadless = isHeadless(after);
  if (!(oldHeadless && newHeadless)) {
    if (oldIPs.length === newIPs.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== newIPs[i]) errors.push(invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'));
      });
    } else if (oldIPs.length > newIPs.length) {
      if (newIPs.length === 0) errors.push(invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset'));
      if (newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errors.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
      if (newIPs.length === 1 && policy !== 'SingleStack') {
        errors.push(invalid('spec.ipFamilyPolicy', policy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      errors.push(invalid('spec.clusterIPs[0]', newIPs, 'may not change once set'));
    }
  }
  if (oldHeadless === newHeadless && !newHeadless) {
    const oldFamilies = before.spec?.ipFamilies ?? [];
    const newFamilies = after.spec?.ipFamilies ?? [];
    if (oldFamilies.length === newFamilies.length) {
      if (oldFamilies.some((f, i) => f !== newFamilies[i])) errors.push(invalid('spec.ipFamilies[0]', newFamilies, 'may not change once set'));
    } else if (oldFamilies.length > newFamilies.length) {
      if (newFamilies.length > 0 && newFamilies[0] !== oldFamilies[0]) errors.push(invalid('spec.ipFamilies[0]', newFamilies, 'may not change once set'));
      if (newFamilies.length === 1 && policy !== 'SingleStack') {
        errors.push(invalid('spec.ipFamilyPolicy', policy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (oldFamilies.length > 0 && newFamilies[0] !== oldFamilies[0]) {
      errors.push(invalid('spec.ipFamilies[0]', newFamilies, 'may not change once set'));
    }
  }
  return errors;
}
