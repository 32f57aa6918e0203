// kubernetes/kubernetes pkg/apis/networking/validation/validation_test.go: TestValidateIPAddress and
// TestValidateServiceCIDR, ported as data (data/networking_validation_test.json), run against our
// ValidateIPAddress and ValidateServiceCIDR with upstream's expected error counts; each IPAddress
// case also through applyIPAddress (refused exactly when upstream counts errors).
import { describe, expect, it } from 'vitest';
import { NetworkingValidationError, ServiceIPAM, type IPAddress, type ServiceCIDR } from '../../src/index.js';
import { validateIPAddress, validateServiceCIDR } from '../../src/services/service-cidrs.js';
import { upstreamTable } from './load.js';

interface Table {
  TestValidateIPAddress: Record<string, { expectedErrors: number; ipAddress: IPAddress }>;
  TestValidateServiceCIDR: Record<string, { expectedErrors: number; ipRange: ServiceCIDR }>;
}
const table = upstreamTable<Table>('networking_validation_test.json');

describe('TestValidateIPAddress', () => {
  it.each(Object.entries(table.TestValidateIPAddress))('%s', (_name, tc) => {
    const errors = validateIPAddress(tc.ipAddress);
    expect(errors, JSON.stringify(errors)).toHaveLength(tc.expectedErrors);
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '192.168.0.0/16', reserveKubernetesService: false });
    const apply = () => ipam.applyIPAddress({ ...tc.ipAddress, apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress' } as IPAddress);
    if (tc.expectedErrors === 0) expect(apply().metadata.name).toBe(tc.ipAddress.metadata.name);
    else expect(apply).toThrow(NetworkingValidationError);
  });

  it('wrong-ipaddress-reference names the field and the rule (IsValidPathSegmentName)', () => {
    const errors = validateIPAddress(table.TestValidateIPAddress['wrong-ipaddress-reference'].ipAddress);
    expect(errors).toEqual([expect.objectContaining({ field: 'spec.parentRef.name', value: 'foo$%&', detail: "may not contain '%'" })]);
  });

  it.each([['a/b', "may not contain '/'"], ['..', "may not be '..'"], ['.', "may not be '.'"]])('a parentRef name %j: %s', (name, detail) => {
    const errors = validateIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.0.0.1' }, spec: { parentRef: { resource: 'services', namespace: name, name } } });
    expect(errors.map((e) => `${e.field}: ${e.detail}`)).toEqual([`spec.parentRef.name: ${detail}`, `spec.parentRef.namespace: ${detail}`]);
  });
});

describe('TestValidateServiceCIDR', () => {
  it.each(Object.entries(table.TestValidateServiceCIDR))('%s', (_name, tc) => {
    const errors = validateServiceCIDR(tc.ipRange);
    expect(errors, JSON.stringify(errors)).toHaveLength(tc.expectedErrors);
  });
});
