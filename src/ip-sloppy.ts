// The IP parser kube-apiserver uses for Service clusterIP(s): k8s.io/utils/net.ParseIPSloppy, which
// is Go 1.16's net.ParseIP. It accepts forms our strict parser (ip-text.ts) rejects on purpose —
// IPv4 octets with leading zeros ("010.096.000.010" is 10.96.0.10, decimal), hex groups with more
// than four digits ("00001::" is 1::), and IPv4-mapped IPv6 ("::ffff:10.96.0.5", which Go treats as
// the IPv4 address 10.96.0.5). The Service pipeline needs exactly that behaviour: up to 1.35 such
// text is accepted with a warning, from 1.36 it is rejected with its own messages.
import { formatIPv4, formatIPv6 } from './ip-format.js';

export interface SloppyIP {
  /** Family as Go sees it: IPv4-mapped IPv6 counts as IPv4. */
  readonly family: 4 | 6;
  /** IPv4 as an unsigned 32-bit number (family 4). */
  readonly value: number;
  /** Eight 16-bit groups (family 6). */
  readonly parts: readonly number[];
  /** Go's net.IP.String(): dotted quad for IPv4 (mapped included), RFC 5952 for IPv6. */
  readonly canonical: string;
  /** netip.ParseAddr would reject the text (leading zeros in an octet, a hex group over 4 digits). */
  readonly hasLeadingZeros: boolean;
  /** The text is an IPv4-mapped IPv6 address (netip's Is4In6). */
  readonly isMapped: boolean;
}

// Go's dtoi/xtoi stop at this bound and fail.
const BIG = 0xffffff;

interface Scan { value: number; length: number; leadingZero: boolean }

function scanHex(s: string, at: number): Scan | null {
  let value = 0;
  let i = at;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else break;
    value = value * 16 + digit;
    if (value >= BIG) return null;
    i++;
  }
  if (i === at) return null;
  return { value, length: i - at, leadingZero: i - at > 4 };
}

// Set by dottedValue: whether an octet of the last address it read had a leading zero.
let dottedLeadingZero = false;

/**
 * The address of four decimal octets filling s[at:], or -1 where Go's parseIPv4 would fail.
 * Scans in place (no object per octet): every Service create parses its addresses several times.
 */
function dottedValue(s: string, at: number): number {
  let value = 0;
  let leadingZero = false;
  let i = at;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= s.length || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
    const start = i;
    let octetValue = 0;
    // In bounds only: one read past the end (NaN) makes V8 compile every read of it slower.
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octetValue = octetValue * 10 + (c - 48);
      if (octetValue > 255) return -1;
    }
    if (i === start) return -1;
    if (i - start > 1 && s.charCodeAt(start) === 48) leadingZero = true;
    value = value * 256 + octetValue;
  }
  if (i !== s.length) return -1;
  dottedLeadingZero = leadingZero;
  return value;
}

function parseColonHex(s: string): { bytes: Uint8Array; leadingZero: boolean } | null {
  const ip = new Uint8Array(16);
  let leadingZero = false;
  let ellipsis = -1;
  let at = 0;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    at = 2;
    if (at === s.length) return { bytes: ip, leadingZero };
  }
  let i = 0;
  while (i < 16) {
    const hex = scanHex(s, at);
    if (!hex || hex.value > 0xffff) return null;
    if (at + hex.length < s.length && s[at + hex.length] === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return null;
      const v4 = dottedValue(s, at);
      if (v4 < 0) return null;
      leadingZero ||= dottedLeadingZero;
      ip[i] = v4 >>> 24;
      ip[i + 1] = (v4 >>> 16) & 255;
      ip[i + 2] = (v4 >>> 8) & 255;
      ip[i + 3] = v4 & 255;
      at = s.length;
      i += 4;
      break;
    }
    leadingZero ||= hex.leadingZero;
    ip[i] = hex.value >>> 8;
    ip[i + 1] = hex.value & 255;
    i += 2;
    at += hex.length;
    if (at === s.length) break;
    if (s[at] !== ':' || at + 1 === s.length) return null;
    at++;
    if (s[at] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      at++;
      if (at === s.length) break;
    }
  }
  if (at !== s.length) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const shift = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + shift] = ip[j];
    for (let j = ellipsis + shift - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return null;
  }
  return { bytes: ip, leadingZero };
}

function isMappedBytes(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

const NO_PARTS: readonly number[] = Object.freeze([]);

/** Go 1.16 net.ParseIP (k8s.io/utils/net.ParseIPSloppy); null where it returns nil. */
export function parseIPSloppy(text: unknown): SloppyIP | null {
  if (typeof text !== 'string') return null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '.') {
      const value = dottedValue(text, 0);
      if (value < 0) return null;
      // Without leading zeros the text already is Go's dotted quad.
      const canonical = dottedLeadingZero ? formatIPv4(value) : text;
      return { family: 4, value, parts: NO_PARTS, canonical, hasLeadingZeros: dottedLeadingZero, isMapped: false };
    }
    if (c === ':') {
      const v6 = parseColonHex(text);
      if (!v6) return null;
      const b = v6.bytes;
      if (isMappedBytes(b)) {
        const value = ((b[12] << 24) >>> 0) + (b[13] << 16) + (b[14] << 8) + b[15];
        return { family: 4, value, parts: NO_PARTS, canonical: formatIPv4(value), hasLeadingZeros: v6.leadingZero, isMapped: true };
      }
      const parts: number[] = [];
      for (let g = 0; g < 8; g++) parts.push((b[2 * g] << 8) | b[2 * g + 1]);
      return { family: 6, value: 0, parts, canonical: formatIPv6(parts), hasLeadingZeros: v6.leadingZero, isMapped: false };
    }
  }
  return null;
}
