// Every spelling kubernetes-semantics.md §7 rejects, through every method that takes text.
import { describe, expect, it } from 'vitest';
import { ClusterIPAllocator, describeRange } from '../src/index.js';
import { allocationState, expectAllocatorError } from './helpers.js';

const badIPv4Texts: Array<[string, unknown]> = [
  ['leading zero in an octet (CVE-2021-29923)', '10.96.0.010'],
  ['leading zero, first octet', '010.96.0.10'],
  ['inet_aton hex octet', '0x0a.96.0.1'],
  ['inet_aton single integer', '174063617'],
  ['inet_aton two parts', '10.1'],
  ['inet_aton three parts', '10.96.1'],
  ['octet above 255', '10.96.0.256'],
  ['five parts', '10.96.0.1.1'],
  ['trailing dot', '10.96.0.1.'],
  ['empty octet', '10..0.1'],
  ['sign', '10.96.0.+1'],
  ['embedded prefix', '10.96.0.1/32'],
  ['leading space', ' 10.96.0.1'],
  ['trailing newline', '10.96.0.1\n'],
  ['inner space', '10.96. 0.1'],
  ['empty', ''],
  ['word', 'localhost'],
  ['not a string (number)', 174063617],
  ['not a string (null)', null],
  ['not a string (object)', { ip: '10.96.0.1' }],
];

const badIPv6Texts: Array<[string, unknown]> = [
  ['IPv4-mapped, dotted', '::ffff:10.96.0.1'],
  ['IPv4-mapped, hex', '::ffff:a60:1'],
  ['zone id', 'fe80::1%eth0'],
  ['brackets', '[fd00::1]'],
  ['embedded prefix', 'fd00::1/128'],
  ['five hex digits in a group', 'fd00::0000a'],
  ['two double colons', 'fd00::1::2'],
  ['nine groups', '1:2:3:4:5:6:7:8:9'],
  ['triple colon', 'fd00:::1'],
  ['single leading colon', ':fd00::1'],
  ['bad dotted tail', '64:ff9b::10.0.0.010'],
  ['non-hex letter', 'fd00::g'],
  ['trailing space', 'fd00::1 '],
];

function expectRejectedEverywhere(allocator: ClusterIPAllocator, text: unknown) {
  const before = allocationState(allocator);
  const countersBefore = allocator.stats();
  for (const call of [
    () => allocator.allocate(text as string),
    () => allocator.release(text as string),
    () => allocator.has(text as string),
    () => allocator.offsetOf(text as string),
  ]) {
    const error = expectAllocatorError(call, 'ERR_INVALID_IP');
    expect(error.message).toMatch(/^invalid IP address /);
  }
  expect(allocationState(allocator)).toEqual(before);
  // Unparsable text is not an allocation attempt: no error counter moves.
  expect(allocator.stats().errors).toEqual(countersBefore.errors);
}

describe('IP text that is rejected with ERR_INVALID_IP and changes nothing', () => {
  const v4 = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
  v4.allocate('10.96.0.10');
  v4.allocateMany(20);
  it.each(badIPv4Texts)('IPv4 range: %s', (_label, text) => expectRejectedEverywhere(v4, text));
  it.each(badIPv6Texts)('IPv4 range: %s', (_label, text) => expectRejectedEverywhere(v4, text));

  const v6 = new ClusterIPAllocator('fd00:10:96::/112', { seed: 1 });
  v6.allocate('fd00:10:96::a');
  v6.allocateMany(20);
  it.each(badIPv6Texts)('IPv6 range: %s', (_label, text) => expectRejectedEverywhere(v6, text));
  it.each(badIPv4Texts)('IPv6 range: %s', (_label, text) => expectRejectedEverywhere(v6, text));

  it('names the CVE ambiguity for leading zeros', () => {
    expect(expectAllocatorError(() => v4.allocate('10.96.0.010'), 'ERR_INVALID_IP').message).toContain('leading zeros');
  });
});

describe('IP text that is accepted', () => {
  it.each([
    ['FD00:10:96::000A', 'fd00:10:96::a'],
    ['fd00:0010:0096:0000:0000:0000:0000:000a', 'fd00:10:96::a'],
    ['fd00:10:96:0:0:0:0:a', 'fd00:10:96::a'],
    ['fd00:10:96::0.0.0.10', 'fd00:10:96::a'],
  ])('%s is %s', (text, canonical) => {
    const a = new ClusterIPAllocator('fd00:10:96::/112');
    expect(a.allocate(text)).toBe(canonical);
    expect(a.has(canonical)).toBe(true);
    expect(a.offsetOf(text)).toBe(9);
    expect(a.release(text)).toBe(true);
  });

  it('IPv4-embedded IPv6 that is not IPv4-mapped is ordinary IPv6 (ipaddr.js would rewrite ::a.b.c.d)', () => {
    const nat64 = new ClusterIPAllocator('64:ff9b::/120');
    expect(nat64.allocate('64:ff9b::0.0.0.1')).toBe('64:ff9b::1');
    const compat = new ClusterIPAllocator('::/120', { legacy: false });
    expect(compat.allocate('::0.0.0.7')).toBe('::7');
    expect(compat.has('::7')).toBe(true);
  });
});

describe('CIDR text that is rejected with ERR_INVALID_CIDR', () => {
  it.each([
    ['host bits set', '10.96.0.5/24', 'the network is 10.96.0.0/24'],
    ['host bits set, IPv6', 'FD00::1/112', 'the network is fd00::/112'],
    ['prefix with leading zero', '10.96.0.0/024', 'prefix length'],
    ['prefix with sign', '10.96.0.0/+24', 'prefix length'],
    ['prefix too long', '10.96.0.0/33', 'prefix length'],
    ['IPv6 prefix too long', 'fd00::/129', 'prefix length'],
    ['empty prefix', '10.96.0.0/', 'prefix length'],
    ['no prefix', '10.96.0.0', 'missing'],
    ['two slashes', '10.96.0.0/24/24', 'more than one'],
    ['leading zero octet', '10.96.00.0/24', 'leading zeros'],
    ['inet_aton form', '10.96/16', 'four decimal octets'],
    ['surrounding space', ' 10.96.0.0/24', 'whitespace'],
    ['IPv4-mapped', '::ffff:10.96.0.0/120', 'IPv4-mapped'],
    ['zone id', 'fe80::%eth0/112', 'zone'],
    ['brackets', '[fd00::]/112', 'brackets'],
    ['no usable address, /31', '10.96.0.0/31', 'no usable addresses'],
    ['no usable address, /32', '10.96.0.1/32', 'no usable addresses'],
    ['no usable address, /128', 'fd00::1/128', 'no usable addresses'],
    ['IPv6 shorter than /64', 'fd00::/63', 'shortest allowed prefix length for service CIDR is 64'],
    ['IPv6 /0', '::/0', 'shortest allowed prefix length for service CIDR is 64'],
    ['empty', '', 'missing'],
    ['not a string', 42, 'expected a string'],
  ])('%s: %j', (_label, cidr, words) => {
    const error = expectAllocatorError(() => new ClusterIPAllocator(cidr as string), 'ERR_INVALID_CIDR');
    expect(error.message).toContain(words);
  });

  it('accepts every range from the largest to the smallest', () => {
    expect(new ClusterIPAllocator('10.0.0.0/8').free).toBe(16777214n);
    expect(new ClusterIPAllocator('fd00::/104').free).toBe(16777215n);
    expect(new ClusterIPAllocator('fd00::/103').free).toBe(33554431n);
    expect(new ClusterIPAllocator('0.0.0.0/0').free).toBe(4294967294n);
    expect(new ClusterIPAllocator('fd00::/64').free).toBe(18446744073709551615n);
    expect(new ClusterIPAllocator('fd00::/64', { legacy: true }).free).toBe(65535n);
  });

  it('rejects bad options with TypeErrors', () => {
    expect(() => new ClusterIPAllocator('10.96.0.0/24', { seed: 1, randomInt: () => 0n })).toThrow(TypeError);
    expect(() => new ClusterIPAllocator('10.96.0.0/24', { seed: 1.5 })).toThrow(TypeError);
    expect(() => new ClusterIPAllocator('10.96.0.0/24', { randomInt: 3 as never })).toThrow(TypeError);
    expect(() => new ClusterIPAllocator('10.96.0.0/24', { strategy: 'lowest' as never })).toThrow(TypeError);
    expect(() => new ClusterIPAllocator('10.96.0.0/24', { legacy: 'yes' as never })).toThrow(TypeError);
    expect(() => describeRange('10.96.0.0/24', 7 as never)).toThrow(TypeError);
  });
});
