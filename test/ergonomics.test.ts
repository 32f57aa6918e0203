// JSON-safe results and `using` (issue 14's ergonomics): bigints print as decimal strings through
// JSON.stringify, and Symbol.dispose disposes.
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator, NodePortAllocator, ServiceIPAM, describePortRange, describeRange } from '../src/index.js';
import { expectAllocatorError } from './helpers.js';

describe('JSON', () => {
  it('stats() and describeRange() go through JSON.stringify, bigints as strings, and still compare as before', () => {
    const a = new ClusterIPAllocator('fd00:10:96::/64', { seed: 1 });
    a.allocateMany(3);
    const stats = a.stats();
    expect(JSON.parse(JSON.stringify(stats))).toEqual({
      size: '18446744073709551615', used: 3, free: '18446744073709551612',
      static: { size: '256', used: 0, free: '256' }, dynamic: { size: '18446744073709551359', used: 3, free: '18446744073709551356' },
      allocations: { static: 0, dynamic: 3 }, errors: { static: 0, dynamic: 0 },
    });
    expect(Object.keys(stats)).not.toContain('toJSON');
    expect(JSON.parse(JSON.stringify(describeRange('10.96.0.0/24')))).toMatchObject({ size: '254', staticSize: '16', dynamicSize: '238', staticEnd: '10.96.0.16' });
    expect(JSON.parse(JSON.stringify(describePortRange('30000-32767')))).toMatchObject({ size: 2768, bandOffset: 86 });
    const ports = new NodePortAllocator('30000-32767', { seed: 1 });
    expect(JSON.parse(JSON.stringify(ports.stats())).free).toBe('2768');
    a.dispose();
    ports.dispose();
  });
});

describe('Symbol.dispose', () => {
  it('disposes allocators and the ServiceIPAM', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    const p = new NodePortAllocator('30000-30100');
    a[Symbol.dispose]();
    p[Symbol.dispose]();
    expectAllocatorError(() => a.allocateNext(), 'ERR_DISPOSED');
    expectAllocatorError(() => p.allocateNext(), 'ERR_DISPOSED');
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24' });
    ipam[Symbol.dispose]();
    expectAllocatorError(() => ipam.nodePortAllocator.allocateNext(), 'ERR_DISPOSED');
  });
});
