// The API server's initIPFamilyFields (storage/alloc.go): defaults ipFamilyPolicy, infers and
// completes ipFamilies, and rejects combinations the cluster cannot serve. It runs in the
// allocation stage, before full validation. Mutates `service.spec`; returns field errors.
import type { Service } from 'kubernetes-types/core/v1.js';
import { invalid, type FieldError } from './field-errors.js';
import {
  NONE, familyOf, isExternalName, sameList, serviceType, validateClusterIPFields, type IPFamily, type IPFamilyPolicy, type IPTextRules,
} from './service-fields.js';

export interface ClusterFamilies {
  /** Families configured, primary first (--service-cluster-ip-range order). */
  readonly families: readonly IPFamily[];
}

const otherFamily = (family: IPFamily): IPFamily => (family === 'IPv4' ? 'IPv6' : 'IPv4');

export function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}

// isMatchingPreferDualStackClusterIPFields: a PreferDualStack Service whose IP fields did not
// change is never silently upgraded or downgraded after the cluster changed its families.
export function isMatchingPreferDualStack(after: Service, before: Service | undefined): boolean {
  if (!before) return false;
  const policy = after.spec?.ipFamilyPolicy;
  if (policy === undefined || policy === null) return false;
  if (serviceType(before) !== serviceType(after)) return false;
  if (!['ClusterIP', 'NodePort', 'LoadBalancer'].includes(serviceType(after))) return false;
  if (policy !== 'PreferDualStack') return false;
  const oldPolicy = before.spec?.ipFamilyPolicy;
  if (oldPolicy !== undefined && oldPolicy !== null && oldPolicy !== 'PreferDualStack') return false;
  return sameList(before.spec?.clusterIPs, after.spec?.clusterIPs) && sameList(before.spec?.ipFamilies, after.spec?.ipFamilies);
}

const policyValue = (policy: string) => JSON.stringify(policy);

export function initIPFamilyFields(service: Service, before: Service | undefined, cluster: ClusterFamilies, rules: IPTextRules): FieldError[] {
  if (isExternalName(service)) return [];
  const spec = (service.spec ??= {});
  if (isMatchingPreferDualStack(service, before)) return [];

  if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) {
    if (before?.spec?.ipFamilyPolicy) spec.ipFamilyPolicy = before.spec.ipFamilyPolicy;
    else if (spec.clusterIP === NONE && !hasSelector(service)) spec.ipFamilyPolicy = 'RequireDualStack';
    else spec.ipFamilyPolicy = 'SingleStack';
  }
  const policy = spec.ipFamilyPolicy as IPFamilyPolicy;

  const fieldErrors = validateClusterIPFields(service, rules);
  if (fieldErrors.length > 0) return fieldErrors;

  const errors: FieldError[] = [];
  if (before) {
    if (policy === 'SingleStack') {
      // Naming SingleStack with the old values unchanged is the way to release the secondary.
      if (sameList(before.spec?.clusterIPs, spec.clusterIPs) && (spec.clusterIPs ?? []).length > 1) spec.clusterIPs = spec.clusterIPs!.slice(0, 1);
      if (sameList(before.spec?.ipFamilies, spec.ipFamilies) && (spec.ipFamilies ?? []).length > 1) spec.ipFamilies = spec.ipFamilies!.slice(0, 1);
    } else {
      const reduced = (now: string[] | undefined, old: string[] | undefined) => (now ?? []).length > 0 && (now ?? []).length < (old ?? []).length;
      if (reduced(spec.clusterIPs, before.spec?.clusterIPs)) errors.push(invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary cluster IP", policyValue(policy)));
      if (reduced(spec.ipFamilies, before.spec?.ipFamilies)) errors.push(invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary IP family", policyValue(policy)));
    }
  }
  if (policy === 'SingleStack') {
    if ((spec.clusterIPs ?? []).length === 2) errors.push(invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified", policyValue(policy)));
    if ((spec.ipFamilies ?? []).length === 2) errors.push(invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified", policyValue(policy)));
  }
  const clusterIPs = spec.clusterIPs ?? [];
  for (let i = 0; i < clusterIPs.length; i++) {
    if (clusterIPs[i] === NONE) break;
    const family = familyOf(clusterIPs[i])!;
    if (i >= (spec.ipFamilies ?? []).length) {
      if (!cluster.families.includes(family)) errors.push(invalid(`spec.clusterIPs[${i}]`, clusterIPs, `${family} is not configured on this cluster`));
      else (spec.ipFamilies ??= []).push(family);
    }
  }
  if (errors.length > 0) return errors;

  if (spec.clusterIP === NONE && !hasSelector(service)) {
    // Headless without selector may name both families even on a single-stack cluster.
    const families = (spec.ipFamilies ??= []) as IPFamily[];
    if (families.length === 0) families.push(cluster.families[0]);
    if (families.length < 2 && policy !== 'SingleStack') families.push(otherFamily(families[0]));
    return [];
  }

  if (policy === 'RequireDualStack' && cluster.families.length < 2) {
    errors.push(invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services', policyValue(policy)));
  }
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (!cluster.families.includes(family as IPFamily)) errors.push(invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
  });
  if (errors.length > 0) return errors;

  const dualStack = policy !== 'SingleStack' && cluster.families.length === 2;
  if (spec.ipFamilies === undefined || spec.ipFamilies === null) {
    const primary = cluster.families[0];
    spec.ipFamilies = dualStack ? [primary, otherFamily(primary)] : [primary];
    return [];
  }
  const families = spec.ipFamilies as IPFamily[];
  if (families.length === 0) families.push(cluster.families[0]);
  if (dualStack && families.length === 1) families.push(otherFamily(families[0]));
  return [];
}
