// kubernetes/kubernetes pkg/registry/core/service/ipallocator/cidrallocator_test.go, ported as
// data (data/cidrallocator_test.json) and played through the public ServiceIPAM: Services are
// the allocations, ServiceCIDR objects the ranges.
//
// Upstream starts its MetaAllocator with no ServiceCIDR at all. A ServiceIPAM always has the
// default one made from the flag, so we give it a /29 and fill it first: "nothing left to hand
// out" is then true exactly where upstream's is.
import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, ServiceInternalError, ServiceValidationError } from '../../src/index.js';
import { testClock, upstreamTable } from './load.js';

interface Step { do: string; name?: string; cidr?: string; ip?: string; expectError?: boolean; expectTotal?: number; used?: number }
const table = upstreamTable<{ tests: Array<{ name: string; steps: Step[] }> }>('cidrallocator_test.json');

const FLAG = '172.31.255.0/29';
const service = (name: string, clusterIP?: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
});

describe.each(table.tests)('$name', ({ steps }) => {
  it('plays upstream\'s steps', () => {
    const clock = testClock('2026-01-01T00:00:00Z');
    const ipam = new ServiceIPAM({ serviceClusterIPRange: FLAG, reserveKubernetesService: false, seed: 11, now: clock.now });
    for (let i = 1; i <= 6; i++) ipam.create(service(`filler-${i}`, `172.31.255.${i}`));
    const mine = () => ipam.list().filter((s) => !s.metadata!.name!.startsWith('filler-'));
    let count = 0;
    let n = 0;
    const found = new Set<string>();
    for (const step of steps) {
      switch (step.do) {
        case 'expectFull':
          expect(() => ipam.create(service(`probe-${n++}`))).toThrow(ServiceInternalError);
          break;
        case 'addServiceCIDR':
          ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: step.name }, spec: { cidrs: [step.cidr!] } });
          break;
        case 'fill':
          for (;;) {
            let ip: string;
            try {
              ip = ipam.create(service(`dyn-${n++}`)).spec!.clusterIP!;
            } catch (error) {
              expect(error).toBeInstanceOf(ServiceInternalError);
              break;
            }
            expect(found.has(ip)).toBe(false);
            found.add(ip);
            count++;
          }
          expect(count).toBe(step.expectTotal);
          break;
        case 'allocate':
          if (step.expectError) {
            expect(() => ipam.create(service(`static-${n++}`, step.ip))).toThrow(ServiceValidationError);
            expect(() => ipam.create(service(`static-${n++}`, step.ip))).toThrow('the provided network does not match the current range');
          } else {
            ipam.create(service(`static-${n++}`, step.ip));
            found.add(step.ip!);
            count++;
          }
          break;
        case 'expectUsed':
          expect(mine()).toHaveLength(step.used!);
          break;
        case 'releaseAll':
          for (const s of mine()) ipam.delete(s);
          found.clear();
          break;
        case 'deleteServiceCIDR': {
          // Nothing blocks it; it takes no allocation while terminating and is gone after the grace.
          const terminating = ipam.deleteServiceCIDR(step.name!);
          expect(terminating?.metadata.deletionTimestamp).toBeDefined();
          clock.advance(10_000);
          expect(ipam.serviceCIDRs().map((o) => o.metadata.name)).not.toContain(step.name);
          break;
        }
        case 'resetCount':
          count = 0;
          break;
        default:
          throw new Error(`unknown step ${step.do}`);
      }
    }
    ipam.dispose();
  });
});
