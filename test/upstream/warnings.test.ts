// kubernetes/kubernetes pkg/api/service/warnings_test.go, ported as data (data/warnings_test.json):
// the warnings GetWarningsForService returns, checked against ours (the rules of 1.36).
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { serviceWarnings } from '../../src/services/service-warnings.js';
import { VERSION_PROFILES } from '../../src/services/versions.js';
import { upstreamTable } from './load.js';

interface Table {
  TestGetWarningsForService: Array<{ name: string; service: Service; numWarnings: number }>;
  TestGetWarningsForServiceClusterIPs: Array<{ name: string; service: Service; want: string[] }>;
}

const table = upstreamTable<Table>('warnings_test.json');
const rules = VERSION_PROFILES['1.36'];

describe('TestGetWarningsForService', () => {
  it.each(table.TestGetWarningsForService)('$name', (tc) => {
    expect(serviceWarnings(tc.service, rules)).toHaveLength(tc.numWarnings);
  });
});

describe('TestGetWarningsForServiceClusterIPs', () => {
  it.each(table.TestGetWarningsForServiceClusterIPs)('$name', (tc) => {
    expect(serviceWarnings(tc.service, rules)).toEqual(tc.want);
  });
});
