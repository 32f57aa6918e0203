// The IPv6 reader (readIPv6Groups, ours since the package stopped depending on ipaddr.js) against
// ipaddr.js as the reference: for colon-hex text with groups of at most four digits, both accept
// the same texts and read the same eight groups. Inputs: random texts over the alphabet, and
// addresses written every legal way (compression anywhere, zero padding, either case) then mangled.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { readIPv6Groups } from '../src/ip-text.js';

function reference(text: string): number[] | undefined {
  return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text).parts : undefined;
}

function ours(text: string): number[] | undefined {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  return readIPv6Groups(text, groups) ? groups : undefined;
}

const group = fc.integer({ min: 0, max: 0xffff });
const written = fc.record({
  groups: fc.array(group, { minLength: 8, maxLength: 8 }),
  gapAt: fc.integer({ min: -1, max: 7 }),
  gapLength: fc.integer({ min: 1, max: 8 }),
  pad: fc.boolean(),
  upper: fc.boolean(),
}).map(({ groups, gapAt, gapLength, pad, upper }) => {
  const hex = groups.map((g) => (pad ? g.toString(16).padStart(4, '0') : g.toString(16)));
  let text: string;
  if (gapAt < 0) text = hex.join(':');
  else {
    const end = Math.min(8, gapAt + gapLength);
    text = `${hex.slice(0, gapAt).join(':')}::${hex.slice(end).join(':')}`;
  }
  return upper ? text.toUpperCase() : text;
});
const mangled = fc.tuple(written, fc.nat(), fc.constantFrom('', ':', '::', '0', 'g', '00000')).map(([text, at, insert]) => {
  const i = at % (text.length + 1);
  return text.slice(0, i) + insert + text.slice(i);
});
const random = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:'), maxLength: 24 });

describe('readIPv6Groups agrees with ipaddr.js', () => {
  it('on every text with groups of at most four hex digits', () => {
    fc.assert(fc.property(fc.oneof(written, mangled, random), (text) => {
      fc.pre(!/[0-9a-f]{5}/i.test(text));
      expect(ours(text)).toEqual(reference(text));
    }), { numRuns: 20_000 });
  });
});
