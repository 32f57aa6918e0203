// Offset <-> address text. Offset k is the address network + 1 + k; offsets cross as two u32
// halves (low, high), so no range — not even a /64 — needs BigInt on the single-call path: the
// usable part of every range lies in the address's low 64 bits (IPv6 ranges are /64 or longer,
// and the legacy cap keeps longer ones to 65,535 addresses), and network + 1 + k never carries out
// of the host bits.
import { parseIP, parseIPv4Octets, parseIPv6Groups, type ParsedIP } from './ip-text.js';
import { formatIPv4, formatIPv6, formatIPv6Groups } from './ip-format.js';
import { invalidIPError } from './errors.js';
import type { RangeGeometry } from './range.js';

/** Where offsetOf leaves the offset it found (one shared register: calls never overlap). */
export const parsedOffset = { low: 0, high: 0 };

export interface AddressCodec {
  readonly family: 4 | 6;
  /**
   * Parses an address: true when it is one of the range's usable addresses (the offset is then in
   * parsedOffset), false when it is another family or outside the range. Unparsable text throws
   * ERR_INVALID_IP.
   */
  offsetOf(text: unknown): boolean;
  /** Canonical text of the offset (low, high), which must already be known to be in range. */
  ipAt(low: number, high: number): string;
}

export function formatParsedIP(ip: ParsedIP): string {
  return ip.family === 4 ? formatIPv4(ip.value) : formatIPv6(ip.parts);
}

/** Canonical text of an IP for error messages (the text itself if it does not parse). */
export function canonicalIPText(ip: unknown): string {
  const parsed = parseIP(ip);
  return parsed.family === 0 ? String(ip) : formatParsedIP(parsed);
}

const TWO_32 = 2 ** 32;

class IPv4Codec implements AddressCodec {
  constructor(private readonly first: number, private readonly size: number) {}

  get family(): 4 { return 4; }

  offsetOf(text: unknown): boolean {
    let value = typeof text === 'string' ? parseIPv4Octets(text) : -1;
    if (value < 0) {
      const parsed = parseIP(text);
      if (parsed.family === 0) throw invalidIPError(text, parsed.reason);
      if (parsed.family !== 4) return false;
      value = parsed.value;
    }
    const k = value - this.first;
    if (k < 0 || k >= this.size) return false;
    parsedOffset.low = k;
    parsedOffset.high = 0;
    return true;
  }

  ipAt(low: number): string {
    return formatIPv4(this.first + low);
  }
}

const groups = new Array<number>(8).fill(0);

// The network is held as u32 words: `top0`, `top1` (groups 0–3) and `netHigh`, `netLow` (groups
// 4–7); `maskHigh`/`maskLow` select the host bits within the low 64.
class IPv6Codec implements AddressCodec {
  constructor(
    private readonly top0: number, private readonly top1: number,
    private readonly netHigh: number, private readonly netLow: number,
    private readonly maskHigh: number, private readonly maskLow: number,
    private readonly sizeHigh: number, private readonly sizeLow: number,
  ) {}

  get family(): 6 { return 6; }

  offsetOf(text: unknown): boolean {
    const g = groups;
    if (typeof text !== 'string' || !parseIPv6Groups(text, g)) {
      const parsed = parseIP(text);
      if (parsed.family === 0) throw invalidIPError(text, parsed.reason);
      if (parsed.family !== 6) return false;
      for (let i = 0; i < 8; i++) g[i] = parsed.parts[i];
    }
    if (((g[0] * 0x10000 + g[1]) !== this.top0) || ((g[2] * 0x10000 + g[3]) !== this.top1)) return false;
    const high = g[4] * 0x10000 + g[5];
    const low = g[6] * 0x10000 + g[7];
    if (((high & ~this.maskHigh) >>> 0) !== this.netHigh || ((low & ~this.maskLow) >>> 0) !== this.netLow) return false;
    // v = host part (network + 1 + k - network); k = v - 1, which must be below the size.
    let kHigh = (high & this.maskHigh) >>> 0;
    let kLow = (low & this.maskLow) >>> 0;
    if (kLow === 0) {
      if (kHigh === 0) return false; // the network address
      kHigh -= 1;
      kLow = TWO_32 - 1;
    } else {
      kLow -= 1;
    }
    if (kHigh > this.sizeHigh || (kHigh === this.sizeHigh && kLow >= this.sizeLow)) return false;
    parsedOffset.low = kLow;
    parsedOffset.high = kHigh;
    return true;
  }

  ipAt(low: number, high: number): string {
    let vLow = low + 1;
    let vHigh = high;
    if (vLow === TWO_32) {
      vLow = 0;
      vHigh += 1;
    }
    const aHigh = (this.netHigh | vHigh) >>> 0;
    const aLow = (this.netLow | vLow) >>> 0;
    return formatIPv6Groups(
      this.top0 >>> 16, this.top0 & 0xffff, this.top1 >>> 16, this.top1 & 0xffff,
      aHigh >>> 16, aHigh & 0xffff, aLow >>> 16, aLow & 0xffff,
    );
  }
}

const word = (value: bigint, shift: bigint) => Number((value >> shift) & 0xffffffffn);

export function codecFor(geometry: RangeGeometry): AddressCodec {
  if (geometry.family === 4) return new IPv4Codec(Number(geometry.network) + 1, Number(geometry.usable));
  const hostBits = Math.min(128 - geometry.prefix, 64);
  const mask = (1n << BigInt(hostBits)) - 1n;
  const size = geometry.usable;
  return new IPv6Codec(
    word(geometry.network, 96n), word(geometry.network, 64n), word(geometry.network, 32n), word(geometry.network, 0n),
    word(mask, 32n), word(mask, 0n), word(size, 32n), word(size, 0n),
  );
}
