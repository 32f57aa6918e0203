// The IPv6 codec's prefix paths (address-codec.ts): every address it writes equals the general
// RFC 5952 formatter's text, and every text it reads gives the general parser's offset —
// including prefixes with zero runs of their own, fifth groups of zero, and zero runs in the host
// part that compression must choose over the prefix's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor, parsedOffset } from '../src/address-codec.js';
import { formatIPv6 } from '../src/ip-format.js';
import { parseIP } from '../src/ip-text.js';
import { rangeGeometry } from '../src/range.js';

const PREFIXES = ['fd00:10:96::/64', 'fd00::/64', '2001:db8:0:1::/64', '::/64', '0:0:0:1::/64', 'fd00:1:0:0::/64', '2001:db8:a:b::/80', 'fd00:0:0:0:ffff::/96'];
// Host groups rich in zeros, so the compression choices are exercised.
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 1, max: 0xffff }));

describe('the IPv6 codec agrees with the general formatter and parser', () => {
  it.each(PREFIXES)('%s', (cidr) => {
    const geometry = rangeGeometry(cidr, false, true);
    const codec = codecFor(geometry);
    const network = geometry.network;
    const hostBits = BigInt(128 - geometry.prefix);
    fc.assert(fc.property(fc.tuple(group, group, group, group), ([a, b, c, d]) => {
      const host = ((BigInt(a) << 48n) | (BigInt(b) << 32n) | (BigInt(c) << 16n) | BigInt(d)) & ((1n << hostBits) - 1n);
      if (host === 0n || BigInt(host) > geometry.usable) return;
      const k = host - 1n;
      const text = codec.ipAt(Number(k & 0xffffffffn), Number(k >> 32n));
      const value = network + host;
      const parts = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
      expect(text).toBe(formatIPv6(parts));
      for (const form of [text, text.toUpperCase(), parts.map((p) => p.toString(16)).join(':')]) {
        // Text the general parser refuses (an IPv4-mapped address, in ::/64) is refused here too.
        if (parseIP(form).family === 0) {
          expect(() => codec.offsetOf(form), form).toThrow(/invalid IP address/);
          continue;
        }
        expect(codec.offsetOf(form), form).toBe(true);
        expect(BigInt(parsedOffset.high) * 2n ** 32n + BigInt(parsedOffset.low)).toBe(k);
      }
    }), { numRuns: 300 });
  });

  it('text that only starts like the prefix is read by the general parser (refused or placed as it says)', () => {
    const codec = codecFor(rangeGeometry('fd00:10:96::/64', false, true));
    for (const text of ['fd00:10:96:0:1:2:3', 'fd00:10:96:0:1:2:3:4:5', 'fd00:10:96:0:1::2', 'fd00:10:96:0:12345:1:1:1', 'fd00:10:96:0:1:2:3:']) {
      const general = parseIP(text);
      if (general.family === 0) expect(() => codec.offsetOf(text)).toThrow();
      else expect(codec.offsetOf(text)).toBe(true);
    }
  });
});
