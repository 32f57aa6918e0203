import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { allocationState, expectAllocatorError } from './helpers.js';

describe('snapshot bytes (RangeAllocation data)', () => {
  it.each([
    [[], []],
    [['10.96.0.1'], [0x01]],
    [['10.96.0.9'], [0x01, 0x00]],
    [['10.96.0.1', '10.96.0.9'], [0x01, 0x01]],
    [['10.96.0.8'], [0x80]],
    [['10.96.0.254'], [0x20, ...new Array(31).fill(0)]],
    [['10.96.0.1', '10.96.0.254'], [0x20, ...new Array(30).fill(0), 0x01]],
  ])('/24 holding %j -> %j', (ips, bytes) => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    for (const ip of ips) a.allocate(ip);
    const snap = a.snapshot();
    expect(snap.range).toBe('10.96.0.0/24');
    expect(Array.from(snap.data)).toEqual(bytes);
  });

  it('IPv6 ranges use the canonical range string', () => {
    const a = new ClusterIPAllocator('FD00:10:96::/112');
    a.allocate('fd00:10:96::1');
    expect(a.snapshot()).toEqual({ range: 'fd00:10:96::/112', data: Uint8Array.of(1) });
  });

  it('the snapshot is a copy: later changes do not alter it', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    a.allocate('10.96.0.1');
    const snap = a.snapshot();
    a.allocate('10.96.0.2');
    expect(Array.from(snap.data)).toEqual([1]);
  });
});

describe('restore', () => {
  it.each(['10.96.0.0/24', '10.96.0.0/20', 'fd00::/116', '2001:db8::/48'])('round-trips %s exactly', (cidr) => {
    const legacy = cidr.endsWith('/48');
    const a = new ClusterIPAllocator(cidr, { seed: 3, legacy });
    a.allocateMany(Number(a.free / 3n));
    if (!a.has(a.range.rangeEnd)) a.allocate(a.range.rangeEnd);
    if (a.range.staticStart && !a.has(a.range.staticStart)) a.allocate(a.range.staticStart);
    const b = ClusterIPAllocator.fromSnapshot(a.snapshot(), { legacy });
    expect(allocationState(b)).toEqual(allocationState(a));
    const c = new ClusterIPAllocator(cidr, { legacy });
    c.allocate(c.range.rangeStart === a.range.rangeStart ? c.range.dynamicStart : c.range.rangeStart);
    c.restore(a.snapshot());
    expect(allocationState(c)).toEqual(allocationState(a));
  });

  it('accepts leading zero bytes and differently spelled ranges', () => {
    const a = new ClusterIPAllocator('fd00::/112');
    a.restore({ range: 'FD00:0000::/112', data: Uint8Array.of(0, 0, 0x01, 0x00) });
    expect([...a]).toEqual(['fd00::9']);
  });

  it('restoring keeps the counters and the seeded sequence going', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 9 });
    a.allocateNext();
    a.restore({ range: '10.96.0.0/24', data: new Uint8Array() });
    expect(a.used).toBe(0);
    expect(a.stats().allocations.dynamic).toBe(1);
  });

  it('another range -> ERR_MISMATCHED_NETWORK, nothing changed', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24');
    a.allocate('10.96.0.5');
    const before = allocationState(a);
    const error = expectAllocatorError(() => a.restore({ range: '10.96.1.0/24', data: Uint8Array.of(1) }), 'ERR_MISMATCHED_NETWORK');
    expect(error.message).toBe('the provided network does not match the current range');
    expectAllocatorError(() => a.restore({ range: '10.96.0.0/25', data: Uint8Array.of(1) }), 'ERR_MISMATCHED_NETWORK');
    expect(allocationState(a)).toEqual(before);
  });

  it.each([
    ['bit 254 (the broadcast address) of a /24', { range: '10.96.0.0/24', data: Uint8Array.of(0x40, ...new Array(31).fill(0)) }],
    ['bit 255 of a /24', { range: '10.96.0.0/24', data: Uint8Array.of(0x80, ...new Array(31).fill(0)) }],
    ['a 33-byte integer for a /24', { range: '10.96.0.0/24', data: Uint8Array.of(1, ...new Array(32).fill(0)) }],
    ['bit 2 of a /30', { range: '10.96.0.0/30', data: Uint8Array.of(0x04) }],
    ['an unparsable range', { range: 'not-a-cidr', data: new Uint8Array() }],
    ['a range with host bits', { range: '10.96.0.1/24', data: new Uint8Array() }],
    ['data that is not bytes', { range: '10.96.0.0/24', data: [1, 2] }],
    ['a missing range', { data: new Uint8Array() }],
  ])('rejects %s with ERR_INVALID_SNAPSHOT and changes nothing', (_label, snapshot) => {
    const cidr = (snapshot as { range?: string }).range === '10.96.0.0/30' ? '10.96.0.0/30' : '10.96.0.0/24';
    const a = new ClusterIPAllocator(cidr);
    a.allocate(cidr === '10.96.0.0/30' ? '10.96.0.1' : '10.96.0.77');
    const before = allocationState(a);
    expectAllocatorError(() => a.restore(snapshot as never), 'ERR_INVALID_SNAPSHOT');
    expect(allocationState(a)).toEqual(before);
    expectAllocatorError(() => ClusterIPAllocator.fromSnapshot(snapshot as never), 'ERR_INVALID_SNAPSHOT');
  });

  it('the highest valid bit is accepted', () => {
    const a = ClusterIPAllocator.fromSnapshot({ range: '10.96.0.0/24', data: Uint8Array.of(0x20, ...new Array(31).fill(0)) });
    expect([...a]).toEqual(['10.96.0.254']);
    expect(a.stats().dynamic.used).toBe(1);
  });

  it('fromSnapshot takes the constructor options', () => {
    const snap = { range: '2001:db8::/48', data: Uint8Array.of(1) };
    expectAllocatorError(() => ClusterIPAllocator.fromSnapshot(snap), 'ERR_INVALID_SNAPSHOT');
    const a = ClusterIPAllocator.fromSnapshot(snap, { legacy: true, seed: 1 });
    expect(a.free).toBe(65534n);
    expect([...a]).toEqual(['2001:db8::1']);
  });
});
