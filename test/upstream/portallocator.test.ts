// kubernetes/kubernetes pkg/registry/core/service/portallocator/allocator_test.go, ported as data
// (data/portallocator_allocator_test.json). Upstream's metrics are process-wide Prometheus
// collectors of the one allocator with metrics enabled; ours are the ServiceIPAM's metrics() of its
// node port allocator, so the "metrics disabled" allocator is a second, separate allocator.
import { describe, expect, it } from 'vitest';
import { NodePortAllocator, ServiceIPAM, nodePortBandOffset } from '../../src/index.js';
import { expectAllocatorError } from '../helpers.js';
import { parseMetrics, upstreamTable } from './load.js';

interface MetricsExpectation { free: number; used: number; allocated: number; errors: number }
interface Table {
  TestAllocate: { range: string; free: number; released: number; outOfRange: number[]; alreadyAllocated: number };
  TestAllocateReserved: { range: string; dynamicOffset: number; released: number };
  TestForEach: { range: string; sets: number[][] };
  TestSnapshot: { range: string; allocate: number; otherRange: string };
  TestNewFromSnapshot: { range: string; allocate: number; free: number; used: number };
  Test_calculateRangeOffset: Array<{ name: string; base: number; size: number; want: number }>;
  TestNodePortMetrics: { range: string; steps: Array<{ do?: string; count?: number; expect?: MetricsExpectation }> };
  TestNodePortAllocatedMetrics: { range: string; dynamicAllocated: number; staticErrors: number };
  TestMetricsDisabled: { range: string; enabledAllocations: number; disabledAllocations: number; expect: MetricsExpectation };
}

const table = upstreamTable<Table>('portallocator_allocator_test.json');
const inRange = (range: string, port: number) => {
  const [base, max] = range.split('-').map(Number);
  return port >= base && port <= max;
};

describe('TestAllocate', () => {
  it('fills the range without repeats, then ErrFull; errors for taken and out-of-range ports', () => {
    const tc = table.TestAllocate;
    const r = new NodePortAllocator(tc.range, { seed: 1 });
    expect(r.free).toBe(BigInt(tc.free));
    expect(r.used).toBe(0);
    const found = new Set<number>();
    while (r.free > 0n) {
      const port = r.allocateNext();
      expect(inRange(tc.range, port)).toBe(true);
      expect(found.has(port)).toBe(false);
      found.add(port);
    }
    expectAllocatorError(() => r.allocateNext(), 'ERR_FULL');
    expect(r.release(tc.released)).toBe(true);
    expect(r.free).toBe(1n);
    expect(r.used).toBe(tc.free - 1);
    expect(r.allocateNext()).toBe(tc.released);
    expect(r.release(tc.released)).toBe(true);
    for (const port of tc.outOfRange) {
      expect(expectAllocatorError(() => r.allocate(port), 'ERR_NOT_IN_RANGE').message)
        .toBe(`provided port is not in the valid range. The range of valid ports is ${tc.range}`);
    }
    expect(expectAllocatorError(() => r.allocate(tc.alreadyAllocated), 'ERR_ALLOCATED').message).toBe('provided port is already allocated');
    expect(r.free).toBe(1n);
    expect(r.used).toBe(tc.free - 1);
    r.allocate(tc.released);
    expect(r.free).toBe(0n);
    expect(r.used).toBe(tc.free);
    r.dispose();
  });
});

describe('TestAllocateReserved', () => {
  it('dynamic allocation fills the upper band before touching the static band', () => {
    const tc = table.TestAllocateReserved;
    const r = new NodePortAllocator(tc.range, { seed: 2 });
    const { size, bandOffset, rangeStart } = r.range;
    expect(bandOffset).toBe(tc.dynamicOffset);
    for (let i = 0; i < size - bandOffset; i++) r.allocateNext();
    for (let i = bandOffset; i < size; i++) expect(r.has(rangeStart + i)).toBe(true);
    expect(r.free).toBe(BigInt(bandOffset));
    for (let i = 0; i < bandOffset; i++) r.allocate(rangeStart + i);
    expect(r.free).toBe(0n);
    expect(r.release(tc.released)).toBe(true);
    expect(r.allocateNext()).toBe(tc.released);
    expect(r.free).toBe(0n);
    r.dispose();
  });
});

describe('TestForEach', () => {
  it.each(table.TestForEach.sets.map((set, i) => ({ i, set })))('[$i]', ({ set }) => {
    const r = new NodePortAllocator(table.TestForEach.range);
    for (const port of set) {
      r.allocate(port);
      expect(r.has(port)).toBe(true);
    }
    expect([...r]).toEqual([...set].sort((a, b) => a - b));
    r.dispose();
  });
});

describe('TestSnapshot', () => {
  it('restores into an allocator of the same range only', () => {
    const tc = table.TestSnapshot;
    const r = new NodePortAllocator(tc.range, { seed: 3 });
    const ports = Array.from({ length: tc.allocate }, () => r.allocateNext());
    const dst = r.snapshot();
    expect(dst.range).toBe(tc.range);
    expect(expectAllocatorError(() => r.restore({ range: tc.otherRange, data: dst.data }), 'ERR_MISMATCHED_NETWORK').message)
      .toBe('the provided port range does not match the current port range');
    const other = new NodePortAllocator(dst.range);
    other.restore(dst);
    for (const port of ports) expect(other.has(port)).toBe(true);
    expect(other.free).toBe(r.free);
    r.dispose();
    other.dispose();
  });
});

describe('TestNewFromSnapshot', () => {
  it('builds an allocator holding the snapshot', () => {
    const tc = table.TestNewFromSnapshot;
    const r = new NodePortAllocator(tc.range, { seed: 4 });
    const allocated = Array.from({ length: tc.allocate }, () => r.allocateNext());
    const restored = NodePortAllocator.fromSnapshot(r.snapshot());
    expect(restored.free).toBe(BigInt(tc.free));
    expect(restored.used).toBe(tc.used);
    for (const port of allocated) expect(restored.has(port)).toBe(true);
    r.dispose();
    restored.dispose();
  });
});

describe('Test_calculateRangeOffset', () => {
  it.each(table.Test_calculateRangeOffset)('$name', (tc) => {
    expect(nodePortBandOffset(tc.size)).toBe(tc.want);
    const r = new NodePortAllocator(`${tc.base}-${tc.base + tc.size - 1}`);
    expect(r.range.bandOffset).toBe(tc.want);
    r.dispose();
  });
});

function portMetrics(ipam: ServiceIPAM): MetricsExpectation {
  const m = parseMetrics(ipam.metrics());
  const get = (name: string) => m.get(`kube_apiserver_nodeport_allocator_${name}`) ?? 0;
  return {
    free: get('available_ports'),
    used: get('allocated_ports'),
    allocated: get('allocation_total{scope="static"}') + get('allocation_total{scope="dynamic"}'),
    errors: get('allocation_errors_total{scope="static"}') + get('allocation_errors_total{scope="dynamic"}'),
  };
}

describe('TestNodePortMetrics', () => {
  it('gauges and counters follow allocations, errors and releases', () => {
    const { range, steps } = table.TestNodePortMetrics;
    const ipam = new ServiceIPAM({ serviceNodePortRange: range, reserveKubernetesService: false, seed: 6 });
    const a = ipam.nodePortAllocator;
    // Upstream's gauges appear at the first operation; ours are there from the start.
    expect(portMetrics(ipam)).toEqual({ free: 2768, used: 0, allocated: 0, errors: 0 });
    const found: number[] = [];
    for (const step of steps) {
      if (step.do === 'allocateNext') for (let i = 0; i < step.count!; i++) found.push(a.allocateNext());
      if (step.do === 'reallocateFound') for (const port of found) expectAllocatorError(() => a.allocate(port), 'ERR_ALLOCATED');
      if (step.do === 'releaseFound') for (const port of found) expect(a.release(port)).toBe(true);
      if (step.do === 'allocateNextIgnoringErrors') {
        for (let i = 0; i < step.count!; i++) {
          try {
            a.allocateNext();
          } catch {
            // upstream ignores the error: it is counted
          }
        }
      }
      if (step.expect) expect(portMetrics(ipam)).toEqual(step.expect);
    }
    ipam.dispose();
  });
});

describe('TestNodePortAllocatedMetrics', () => {
  it('counts dynamic allocations and static errors by scope', () => {
    const tc = table.TestNodePortAllocatedMetrics;
    const ipam = new ServiceIPAM({ serviceNodePortRange: tc.range, reserveKubernetesService: false, seed: 7 });
    const ports = [ipam.nodePortAllocator.allocateNext(), ipam.nodePortAllocator.allocateNext()];
    for (const port of ports) expectAllocatorError(() => ipam.nodePortAllocator.allocate(port), 'ERR_ALLOCATED');
    const m = parseMetrics(ipam.metrics());
    expect(m.get('kube_apiserver_nodeport_allocator_allocation_total{scope="dynamic"}')).toBe(tc.dynamicAllocated);
    expect(m.get('kube_apiserver_nodeport_allocator_allocation_errors_total{scope="static"}')).toBe(tc.staticErrors);
    ipam.dispose();
  });
});

describe('TestMetricsDisabled', () => {
  it("another allocator's allocations do not move this one's metrics", () => {
    const tc = table.TestMetricsDisabled;
    const ipam = new ServiceIPAM({ serviceNodePortRange: tc.range, reserveKubernetesService: false, seed: 8 });
    const other = new NodePortAllocator(tc.range, { seed: 9 });
    for (let i = 0; i < tc.enabledAllocations; i++) ipam.nodePortAllocator.allocateNext();
    expect(portMetrics(ipam)).toEqual(tc.expect);
    for (let i = 0; i < tc.disabledAllocations; i++) other.allocateNext();
    expect(portMetrics(ipam)).toEqual(tc.expect);
    ipam.dispose();
    other.dispose();
  });
});
