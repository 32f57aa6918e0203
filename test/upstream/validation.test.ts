// kubernetes/kubernetes pkg/apis/core/validation/validation_test.go: the cluster-IP, IP-family and
// headless cases of TestValidateServiceCreate and TestValidateServiceUpdate, ported as data
// (data/validation_test.json) and run against our ValidateService / ValidateServiceUpdate with the
// IP-text rules of the 1.35 runner (lenient on create; strict with ratcheting on update).
import { describe, expect, it } from 'vitest';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { validateService, validateServiceUpdate } from '../../src/services/service-validation.js';
import { upstreamTable } from './load.js';

interface Tweak { spec?: Record<string, unknown>; remove?: string[]; port0?: Partial<ServicePort>; addPorts?: ServicePort[] }
interface Table {
  makeValidService: Service;
  TestValidateServiceCreate: Array<Tweak & { name: string; numErrs: number }>;
  TestValidateServiceUpdate: Array<{ name: string; old: Tweak; new: Tweak; numErrs: number }>;
}

const table = upstreamTable<Table>('validation_test.json');

function tweaked(tweak: Tweak): Service {
  const service = structuredClone(table.makeValidService);
  const spec = service.spec as Record<string, unknown>;
  Object.assign(spec, structuredClone(tweak.spec ?? {}));
  for (const field of tweak.remove ?? []) delete spec[field];
  const ports = spec.ports as ServicePort[] | undefined;
  if (tweak.port0 && ports) Object.assign(ports[0], tweak.port0);
  if (tweak.addPorts) spec.ports = [...(ports ?? []), ...structuredClone(tweak.addPorts)];
  return service;
}

const describeErrors = (errors: ReturnType<typeof validateService>) => errors.map((e) => `${e.field}: ${e.detail ?? e.type}`);

describe('TestValidateServiceCreate (cluster-IP cases)', () => {
  it.each(table.TestValidateServiceCreate)('$name', (tc) => {
    const errors = validateService(tweaked(tc), { strict: false });
    expect(describeErrors(errors)).toHaveLength(tc.numErrs);
  });
});

describe('TestValidateServiceUpdate (cluster-IP cases)', () => {
  it.each(table.TestValidateServiceUpdate)('$name', (tc) => {
    const before = tweaked(tc.old);
    const after = tweaked(tc.new);
    const errors = validateServiceUpdate(after, before, { strict: true, validOld: before.spec?.clusterIPs ?? [] });
    expect(describeErrors(errors)).toHaveLength(tc.numErrs);
  });
});
