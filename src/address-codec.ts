// Offset <-> address text for ranges held in the dense bitmap (at most 2^24 usable addresses).
// Offset k is the address network + 1 + k. These ranges only ever vary in the low 32 bits of the
// address (the host part starts at zero and network + 1 + k stays inside the CIDR), so the hot
// path works on plain numbers and never on BigInt.
import { parseIP, type ParsedIP } from './ip-text.js';
import { formatIPv4, formatIPv6, bigIntToIPv6Parts } from './ip-format.js';
import type { RangeGeometry } from './range.js';

export interface AddressCodec {
  /** Canonical text of offset k (k must already be checked to be in range). */
  ipAt(offset: number): string;
  /** Offset of a parsed address, or -1 when it is of the other family or outside the usable range. */
  offsetOf(ip: ParsedIP): number;
  /** Same for an IPv4 address given as an unsigned 32-bit number (the string API's fast path). */
  offsetOfIPv4(value: number): number;
}

export function formatParsedIP(ip: ParsedIP): string {
  return ip.family === 4 ? formatIPv4(ip.value) : formatIPv6(ip.parts);
}

/** Canonical text of an IP for error messages (the text itself if it does not parse). */
export function canonicalIPText(ip: string): string {
  const parsed = parseIP(ip);
  return parsed.family === 0 ? String(ip) : formatParsedIP(parsed);
}

export function denseCodecFor(geometry: RangeGeometry): AddressCodec {
  const size = Number(geometry.usable);
  if (geometry.family === 4) {
    const first = Number(geometry.network) + 1;
    const offsetOfIPv4 = (value: number) => {
      const offset = value - first;
      return offset >= 0 && offset < size ? offset : -1;
    };
    return {
      ipAt: (offset) => formatIPv4(first + offset),
      offsetOf: (ip) => (ip.family === 4 ? offsetOfIPv4(ip.value) : -1),
      offsetOfIPv4,
    };
  }
  const networkParts = bigIntToIPv6Parts(geometry.network);
  const fixed = networkParts.slice(0, 6);
  const firstLow = networkParts[6] * 0x10000 + networkParts[7] + 1;
  const scratchParts = networkParts.slice();
  return {
    ipAt: (offset) => {
      const low = firstLow + offset;
      scratchParts[6] = Math.floor(low / 0x10000);
      scratchParts[7] = low % 0x10000;
      return formatIPv6(scratchParts);
    },
    offsetOf: (ip) => {
      if (ip.family !== 6) return -1;
      const parts = ip.parts;
      for (let i = 0; i < 6; i++) if (parts[i] !== fixed[i]) return -1;
      const offset = parts[6] * 0x10000 + parts[7] - firstLow;
      return offset >= 0 && offset < size ? offset : -1;
    },
    offsetOfIPv4: () => -1,
  };
}
