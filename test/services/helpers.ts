import type { Service } from 'kubernetes-types/core/v1.js';
import { expect } from 'vitest';
import { ServiceValidationError, type FieldError, type ServiceIPAM, type ServiceIPAMOptions } from '../../src/index.js';
import { ServiceIPAM as IPAM } from '../../src/index.js';

export const DUAL = '10.96.0.0/16,fd00:10:96::/112';
export const SINGLE_V4 = '10.96.0.0/16';
export const SINGLE_V6 = 'fd00:10:96::/112';

/** A Service with a selector and one port (the API server requires ports). */
export function svc(name: string, spec: Service['spec'] = {}, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

/** A selector-less Service (for the headless special case). */
export function bare(name: string, spec: Service['spec'] = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } };
}

/** An IPAM without default/kubernetes, so counts start at zero. */
export function emptyIPAM(options: ServiceIPAMOptions): ServiceIPAM {
  return new IPAM({ reserveKubernetesService: false, ...options });
}

export function expectFieldErrors(fn: () => unknown, expected: Array<Partial<FieldError>>): FieldError[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceValidationError);
    const errors = (error as ServiceValidationError).errors;
    expect(errors).toEqual(expected.map((e) => expect.objectContaining(e)));
    return errors;
  }
  throw new Error('expected a ServiceValidationError');
}

/** Allocation state of every range and the tracked Services, to prove a failure changed nothing. */
export function ipamState(ipam: ServiceIPAM) {
  return JSON.stringify({ state: ipam.snapshot(), list: ipam.list() });
}

/** A clock a test moves by hand. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

/** The node port part of a repair report that found nothing, for the default range. */
export const cleanNodePorts = { range: '30000-32767', notAllocated: [], duplicates: [], outOfRange: [], leaked: [] };
