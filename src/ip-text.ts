// Strict IP text parsing. Kubernetes rejects every spelling of an address that some parser could
// read differently (CVE-2021-29923: "010" is 8 to inet_aton and 10 to Go), so we accept exactly one
// form per family: four plain decimal octets for IPv4, and colon-hex for IPv6 (any case, groups
// zero-padded to at most four digits, optionally ending in a dotted quad).

export type ParsedIP =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly parts: readonly number[] };

export type ParseResult = ParsedIP | { readonly family: 0; readonly reason: string };

const IPV6_ALPHABET = /^[0-9a-fA-F:.]+$/;
const LONG_HEX_GROUP = /[0-9a-fA-F]{5}/;

function failure(reason: string): ParseResult {
  return { family: 0, reason };
}

const DOT = 46;
const ZERO = 48;
const NINE = 57;

// Returns the address as an unsigned 32-bit number, or -1 when `text` is not exactly four plain
// decimal octets (0-255, no leading zeros, no signs, nothing else). A character loop rather than a
// regular expression: this runs on every string call and is several times faster.
export function parseIPv4Octets(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - ZERO);
      if (octet > 255) return -1;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function explainBadIPv4(text: string): string {
  if (/^\d+(\.\d+){3}$/.test(text)) {
    return /(^|\.)0\d/.test(text)
      ? 'IPv4 octets must not have leading zeros (they are read as octal by some parsers)'
      : 'IPv4 octets must be between 0 and 255';
  }
  return 'IPv4 addresses must be written as four decimal octets (a.b.c.d)';
}

function parseIPv6Text(text: string): ParseResult {
  if (!IPV6_ALPHABET.test(text)) return failure('not a valid IPv4 or IPv6 address');
  let hexOnly = text;
  if (text.includes('.')) {
    // The dotted tail is turned into two hex groups here and the result read as plain colon-hex.
    const lastColon = text.lastIndexOf(':');
    const tail = parseIPv4Octets(text.slice(lastColon + 1));
    if (lastColon < 0 || tail < 0) return failure('the dotted IPv4 part of an IPv6 address must be four decimal octets');
    hexOnly = `${text.slice(0, lastColon + 1)}${(tail >>> 16).toString(16)}:${(tail & 0xffff).toString(16)}`;
  }
  if (LONG_HEX_GROUP.test(hexOnly)) return failure('IPv6 groups have at most four hex digits');
  const parts = [0, 0, 0, 0, 0, 0, 0, 0];
  if (!readIPv6Groups(hexOnly, parts)) return failure('not a valid IPv4 or IPv6 address');
  if (parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0xffff) {
    return failure('IPv4-mapped IPv6 addresses are not allowed; write the IPv4 address instead');
  }
  return { family: 6, parts };
}

// Parses one IP address. Never throws: the caller turns a failure into its own typed error.
export function parseIP(text: unknown): ParseResult {
  if (typeof text !== 'string') return failure('expected a string');
  if (text.length === 0) return failure('empty string');
  if (text.length > 64) return failure('too long to be an IP address');
  if (/\s/.test(text)) return failure('whitespace is not allowed');
  if (text.includes('/')) return failure('a prefix length is not allowed where an IP address is expected');
  if (text.includes('%')) return failure('zone identifiers are not allowed');
  if (text.includes('[') || text.includes(']')) return failure('brackets are not allowed');
  if (!text.includes(':')) {
    const value = parseIPv4Octets(text);
    return value < 0 ? failure(explainBadIPv4(text)) : { family: 4, value };
  }
  return parseIPv6Text(text);
}

const COLON = 58;

// Strict colon-hex IPv6 without a dotted tail, straight into eight 16-bit groups: the string
// API's fast path, with no regular expression, array or BigInt. Returns false for anything it does
// not accept outright (a dotted quad, IPv4-mapped, any error); the caller then asks parseIP, which
// either accepts the form or explains what is wrong with it.
export function parseIPv6Groups(text: string, groups: number[]): boolean {
  if (!readIPv6Groups(text, groups)) return false;
  // IPv4-mapped (::ffff:0:0/96) is refused; parseIP says so.
  return !(groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff);
}

// Colon-hex IPv6 (groups of one to four hex digits, at most one "::", no dotted tail, no zone)
// into the eight 16-bit groups of `groups` (eight long); false when the text is not exactly that.
export function readIPv6Groups(text: string, groups: number[]): boolean {
  const length = text.length;
  if (length < 2 || length > 39) return false;
  let count = 0;
  let value = 0;
  let digits = 0;
  let gap = -1; // number of groups before "::"
  let previousColon = false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= ZERO && c <= NINE) digit = c - ZERO;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else if (c === COLON) {
      if (i + 1 < length && text.charCodeAt(i + 1) === COLON) {
        if (gap >= 0) return false;
        if (digits > 0) {
          if (count === 8) return false;
          groups[count++] = value;
        } else if (i !== 0) {
          return false;
        }
        gap = count;
        value = 0;
        digits = 0;
        i++;
        previousColon = false;
        continue;
      }
      if (digits === 0 || count >= 7) return false;
      groups[count++] = value;
      value = 0;
      digits = 0;
      previousColon = true;
      continue;
    } else {
      return false;
    }
    if (++digits > 4) return false;
    value = value * 16 + digit;
    previousColon = false;
  }
  if (digits > 0) {
    if (count === 8) return false;
    groups[count++] = value;
  } else if (previousColon) {
    return false;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    const tail = count - gap;
    for (let i = 0; i < tail; i++) groups[7 - i] = groups[count - 1 - i];
    for (let i = gap; i < 8 - tail; i++) groups[i] = 0;
  }
  return true;
}
