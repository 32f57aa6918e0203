// The behaviours Kubernetes' own ipallocator tests pin, table-driven the way theirs are.
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator } from '../src/index.js';
import { allocationState, expectAllocatorError, scriptedRandomInt } from './helpers.js';

const cases = [
  {
    name: 'IPv4 /24', cidr: '192.168.1.0/24', free: 254, released: '192.168.1.5', alreadyAllocated: '192.168.1.1',
    outOfRange: ['192.168.0.1', '192.168.1.0', '192.168.1.255', '192.168.2.2', '2001:db8::1'],
  },
  {
    name: 'IPv4 /25', cidr: '192.168.1.0/25', free: 126, released: '192.168.1.5', alreadyAllocated: '192.168.1.1',
    outOfRange: ['192.168.1.0', '192.168.1.127', '192.168.1.128', '192.168.0.255'],
  },
  {
    name: 'IPv4 /30', cidr: '192.168.1.0/30', free: 2, released: '192.168.1.2', alreadyAllocated: '192.168.1.1',
    outOfRange: ['192.168.1.0', '192.168.1.3', '192.168.1.4'],
  },
  {
    name: 'IPv6 /120', cidr: '2001:db8:1::/120', free: 255, released: '2001:db8:1::5', alreadyAllocated: '2001:db8:1::1',
    outOfRange: ['2001:db8:1::', '2001:db8:1::100', '2001:db8::1', '192.168.1.1'],
  },
  {
    name: 'IPv6 /112', cidr: 'fd00:10:96::/112', free: 65535, released: 'fd00:10:96::ffff', alreadyAllocated: 'fd00:10:96::a',
    outOfRange: ['fd00:10:96::', 'fd00:10:96::1:0', 'fd00:10:95:ffff:ffff:ffff:ffff:ffff'],
  },
  {
    name: 'IPv6 /48, legacy', cidr: '2001:db8:1::/48', legacy: true, free: 65535, released: '2001:db8:1::5', alreadyAllocated: '2001:db8:1::1',
    outOfRange: ['2001:db8:1::', '2001:db8:1::1:0', '2001:db8:1:ffff:ffff:ffff:ffff:ffff', '2001:db8:2::1'],
  },
];

describe.each(cases)('allocate and release: $name', (tc) => {
  const make = () => new ClusterIPAllocator(tc.cidr, { legacy: tc.legacy, seed: 7 });

  it('starts with the whole range free', () => {
    const a = make();
    expect(a.free).toBe(BigInt(tc.free));
    expect(a.used).toBe(0);
  });

  it('rejects a second static allocation of the same IP', () => {
    const a = make();
    expect(a.allocate(tc.alreadyAllocated)).toBe(tc.alreadyAllocated);
    const before = allocationState(a);
    expect(expectAllocatorError(() => a.allocate(tc.alreadyAllocated), 'ERR_ALLOCATED').message).toBe('provided IP is already allocated');
    expect(allocationState(a)).toEqual(before);
  });

  it.each(tc.outOfRange)('rejects %s as not in range, with the Kubernetes text', (ip) => {
    const a = make();
    const error = expectAllocatorError(() => a.allocate(ip), 'ERR_NOT_IN_RANGE');
    expect(error.message).toBe(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${tc.cidr}`);
    expect(a.has(ip)).toBe(false);
    expect(a.release(ip)).toBe(false);
    expect(a.used).toBe(0);
  });

  it('exhausts with unique dynamic IPs, then reports "range is full"', () => {
    const a = make();
    const seen = new Set<string>();
    for (let i = 0; i < tc.free; i++) seen.add(a.allocateNext());
    expect(seen.size).toBe(tc.free);
    expect(a.free).toBe(0n);
    expect(expectAllocatorError(() => a.allocateNext(), 'ERR_FULL').message).toBe('range is full');
    expect(a.release(tc.released)).toBe(true);
    expect(a.has(tc.released)).toBe(false);
    expect(a.allocateNext()).toBe(tc.released);
    expectAllocatorError(() => a.allocateNext(), 'ERR_FULL');
  });
});

describe('band order', () => {
  it('a /25 fills .17-.126 dynamically before touching .1-.16', () => {
    const a = new ClusterIPAllocator('10.96.0.0/25', { seed: 11 });
    const lastOctet = (ip: string) => Number(ip.split('.')[3]);
    const upper = a.allocateMany(110).map(lastOctet);
    expect(Math.min(...upper)).toBe(17);
    expect(Math.max(...upper)).toBe(126);
    expect(new Set(upper).size).toBe(110);
    expect(a.stats().static.used).toBe(0);
    const lower = Array.from({ length: 16 }, () => lastOctet(a.allocateNext()));
    expect(lower.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expectAllocatorError(() => a.allocateNext(), 'ERR_FULL');
  });

  it('takes the first free address after the drawn start and wraps inside the upper band', () => {
    const { randomInt } = scriptedRandomInt([237]); // last offset of the /24's upper band
    const a = new ClusterIPAllocator('10.96.0.0/24', { randomInt });
    expect(a.allocateNext()).toBe('10.96.0.254');
    expect(a.allocateNext()).toBe('10.96.0.17'); // .254 is taken: wrap to the band's first address
    a.allocate('10.96.0.18');
    expect(a.allocateNext()).toBe('10.96.0.19');
  });

  it('static allocations in the lower band are never handed out dynamically', () => {
    const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 5 });
    a.allocate('10.96.0.10');
    a.allocate('10.96.0.1');
    const dynamic = a.allocateMany(252);
    expect(dynamic).not.toContain('10.96.0.10');
    expect(dynamic).not.toContain('10.96.0.1');
    expect(new Set(dynamic).size).toBe(252);
  });
});

describe('uniqueness once the upper band is exhausted (kubernetes#109927)', () => {
  it.each([
    ['10.96.0.0/27', 30],
    ['10.96.0.0/24', 254],
    ['10.96.0.0/20', 4094],
    ['fd00::/118', 1023],
  ])('%s: every dynamic allocation is distinct until full', (cidr, size) => {
    for (const draws of [[0], [5, 3, 1], [1_000_003, 7, 999, 13]]) {
      const { randomInt, calls } = scriptedRandomInt(draws);
      const a = new ClusterIPAllocator(cidr, { randomInt });
      const ips = Array.from({ length: size }, () => a.allocateNext());
      expect(new Set(ips).size).toBe(size);
      expectAllocatorError(() => a.allocateNext(), 'ERR_FULL');
      // One draw per allocation, plus one over the static band for each allocation after the upper band filled.
      const band = a.range.bandOffset;
      expect(calls.length).toBe(size + band);
      expect(calls.filter((n) => n === BigInt(band)).length).toBe(band);
    }
  });
});
