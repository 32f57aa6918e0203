import { describe, expect, it } from 'vitest';
import { bandOffsetFor, describeRange } from '../src/index.js';
import { expectAllocatorError } from './helpers.js';

describe('describeRange: the seed examples', () => {
  it.each([
    {
      cidr: '10.96.0.0/24', size: 254n, bandOffset: 16, staticStart: '10.96.0.1', staticEnd: '10.96.0.16',
      rangeEnd: '10.96.0.254', dynamicStart: '10.96.0.17', staticSize: 16n, dynamicSize: 238n,
    },
    {
      cidr: '10.96.0.0/20', size: 4094n, bandOffset: 256, staticStart: '10.96.0.1', staticEnd: '10.96.1.0',
      rangeEnd: '10.96.15.254', dynamicStart: '10.96.1.1', staticSize: 256n, dynamicSize: 3838n,
    },
    {
      cidr: '10.96.0.0/16', size: 65534n, bandOffset: 256, staticStart: '10.96.0.1', staticEnd: '10.96.1.0',
      rangeEnd: '10.96.255.254', dynamicStart: '10.96.1.1', staticSize: 256n, dynamicSize: 65278n,
    },
  ])('$cidr', (expected) => {
    const info = describeRange(expected.cidr);
    expect(info).toEqual({
      ...expected,
      family: 'IPv4',
      rangeStart: '10.96.0.1',
      dynamicEnd: expected.rangeEnd,
    });
  });
});

describe('band offset (kubernetes-semantics.md §1)', () => {
  it.each([
    ['10.96.0.0/28', 0],
    ['10.96.0.0/27', 16],
    ['10.96.0.0/26', 16],
    ['10.96.0.0/22', 64],
    ['10.96.0.0/20', 256],
    ['10.96.0.0/16', 256],
    ['10.0.0.0/8', 256],
    ['fd00::/122', 16],
    ['fd00::/118', 64],
    ['fd00:10:96::/64', 256],
  ])('%s -> %i', (cidr, band) => {
    expect(describeRange(cidr).bandOffset).toBe(band);
  });

  it.each([
    [16n, 0], [17n, 16], [32n, 16], [256n, 16], [257n, 16], [512n, 32], [4096n, 256], [1n << 64n, 256],
  ])('bandOffsetFor(%s) = %i', (cidrSize, band) => {
    expect(bandOffsetFor(cidrSize)).toBe(band);
  });

  it('a range without a static band reports null static bounds', () => {
    const info = describeRange('10.96.0.0/29');
    expect(info).toMatchObject({ size: 6n, bandOffset: 0, staticStart: null, staticEnd: null, dynamicStart: '10.96.0.1', dynamicEnd: '10.96.0.6', staticSize: 0n, dynamicSize: 6n });
  });
});

describe('usable counts and ends', () => {
  it.each([
    ['10.96.0.0/30', 2n, '10.96.0.2'],
    ['fd00::/127', 1n, 'fd00::1'],
    ['fd00::/126', 3n, 'fd00::3'],
    ['fd00:10:96::/112', 65535n, 'fd00:10:96::ffff'],
    ['fd00:10:96::/64', 18446744073709551615n, 'fd00:10:96:0:ffff:ffff:ffff:ffff'],
  ])('%s has %s usable addresses ending at %s', (cidr, size, end) => {
    const info = describeRange(cidr);
    expect(info.size).toBe(size);
    expect(info.rangeEnd).toBe(end);
  });

  it('legacy mode caps IPv6 at 65,535 usable addresses but keeps the band from the full size', () => {
    const info = describeRange('2001:db8:1::/48', { legacy: true });
    expect(info).toMatchObject({ size: 65535n, bandOffset: 256, rangeEnd: '2001:db8:1::ffff', dynamicSize: 65279n });
    expect(describeRange('fd00::/120', { legacy: true }).size).toBe(255n);
    expect(describeRange('10.0.0.0/8', { legacy: true }).size).toBe(16777214n);
  });

  it('outputs canonical text for any accepted spelling', () => {
    const info = describeRange('FD00:0010:0096:0000::/112');
    expect(info.cidr).toBe('fd00:10:96::/112');
    expect(info.rangeStart).toBe('fd00:10:96::1');
  });

  it.each([
    ['10.96.0.0/31', 'no usable addresses'],
    ['10.96.0.1/32', 'no usable addresses'],
    ['fd00::1/128', 'no usable addresses'],
    ['fd00::/48', 'shortest allowed prefix length for service CIDR is 64'],
    ['10.96.0.5/24', 'the network is 10.96.0.0/24'],
  ])('%s is rejected: %s', (cidr, words) => {
    expect(expectAllocatorError(() => describeRange(cidr), 'ERR_INVALID_CIDR').message).toContain(words);
  });
});
