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

// A /64's (or longer range's) first four groups never change, so most of its addresses' text
// starts with the same characters: the prefix below, valid for every address whose fifth group is
// not zero and whose last three groups hold no run of zeros the RFC 5952 compression would choose
// over the prefix's. Such addresses are written by copying the prefix's character codes, and text
// that starts with the prefix is read by comparing it and reading four groups; everything else
// takes the general formatter and parser.
interface TextPrefix {
  readonly text: string;
  readonly codes: readonly number[];
  /** The prefix's own compressed zero run (0 when it has none). */
  readonly run: number;
}

function textPrefix(g0: number, g1: number, g2: number, g3: number): TextPrefix {
  const text = formatIPv6Groups(g0, g1, g2, g3, 1, 1, 1, 1).slice(0, -'1:1:1:1'.length);
  let run = 0;
  let current = 0;
  for (const g of [g0, g1, g2, g3]) {
    current = g === 0 ? current + 1 : 0;
    if (current > run) run = current;
  }
  return { text, codes: Array.from(text, (c) => c.charCodeAt(0)), run: run >= 2 ? run : 0 };
}

const HEX_DIGITS: readonly number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// Reused arrays, one per text length (2 to 39 characters): String.fromCharCode.apply takes the whole array.
const CODES_OF_LENGTH: number[][] = Array.from({ length: 40 }, (_, n) => new Array<number>(n).fill(0));

const hexWidth = (g: number) => (g < 0x10 ? 1 : g < 0x100 ? 2 : g < 0x1000 ? 3 : 4);

// The longest run of zeros among three groups.
function zeroRun3(a: number, b: number, c: number): number {
  if (a === 0) return b === 0 ? (c === 0 ? 3 : 2) : 1;
  if (b === 0) return c === 0 ? 2 : 1;
  return c === 0 ? 1 : 0;
}

// The network is held as u32 words: `top0`, `top1` (groups 0–3) and `netHigh`, `netLow` (groups
// 4–7); `maskHigh`/`maskLow` select the host bits within the low 64.
class IPv6Codec implements AddressCodec {
  readonly #prefix: TextPrefix;

  constructor(
    private readonly top0: number, private readonly top1: number,
    private readonly netHigh: number, private readonly netLow: number,
    private readonly maskHigh: number, private readonly maskLow: number,
    private readonly sizeHigh: number, private readonly sizeLow: number,
  ) {
    this.#prefix = textPrefix(top0 >>> 16, top0 & 0xffff, top1 >>> 16, top1 & 0xffff);
  }

  get family(): 6 { return 6; }

  offsetOf(text: unknown): boolean {
    const g = groups;
    if (typeof text !== 'string' || !(this.#readWithPrefix(text, g) || parseIPv6Groups(text, g))) {
      const parsed = parseIP(text);
      if (parsed.family === 0) throw invalidIPError(text, parsed.reason);
      if (parsed.family !== 6) return false;
      for (let i = 0; i < 8; i++) g[i] = parsed.parts[i];
    }
    if (((g[0] * 0x10000 + g[1]) !== this.top0) || ((g[2] * 0x10000 + g[3]) !== this.top1)) return false;
    return this.#hostOffset(g[4] * 0x10000 + g[5], g[6] * 0x10000 + g[7]);
  }

  // The offset of the address whose low 64 bits are (high, low), its top 64 bits the range's.
  #hostOffset(high: number, low: number): boolean {
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

  // The prefix's text, then exactly four groups of one to four hex digits between single colons:
  // true with all eight groups in g; false (g partly written, nothing decided) for any other text.
  #readWithPrefix(text: string, g: number[]): boolean {
    const prefix = this.#prefix.text;
    const length = text.length;
    if (length <= prefix.length || !text.startsWith(prefix)) return false;
    let index = 4;
    let value = 0;
    let digits = 0;
    for (let i = prefix.length; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c === 58) {
        if (digits === 0 || index === 7) return false;
        g[index++] = value;
        value = 0;
        digits = 0;
        continue;
      }
      const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (digit < 0 || ++digits > 4) return false;
      value = value * 16 + digit;
    }
    if (digits === 0 || index !== 7) return false;
    g[7] = value;
    g[0] = this.top0 >>> 16; g[1] = this.top0 & 0xffff; g[2] = this.top1 >>> 16; g[3] = this.top1 & 0xffff;
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
    const g4 = aHigh >>> 16;
    const g5 = aHigh & 0xffff;
    const g6 = aLow >>> 16;
    const g7 = aLow & 0xffff;
    const prefix = this.#prefix;
    const hostRun = zeroRun3(g5, g6, g7);
    if (g4 === 0 || (prefix.run === 0 ? hostRun >= 2 : hostRun > prefix.run)) {
      return formatIPv6Groups(this.top0 >>> 16, this.top0 & 0xffff, this.top1 >>> 16, this.top1 & 0xffff, g4, g5, g6, g7);
    }
    const base = prefix.codes;
    const codes = CODES_OF_LENGTH[base.length + hexWidth(g4) + hexWidth(g5) + hexWidth(g6) + hexWidth(g7) + 3];
    for (let i = 0; i < base.length; i++) codes[i] = base[i];
    let at = writeHex(codes, base.length, g4);
    codes[at++] = 58;
    at = writeHex(codes, at, g5);
    codes[at++] = 58;
    at = writeHex(codes, at, g6);
    codes[at++] = 58;
    writeHex(codes, at, g7);
    return String.fromCharCode.apply(null, codes);
  }
}

function writeHex(codes: number[], at: number, group: number): number {
  if (group >= 0x1000) codes[at++] = HEX_DIGITS[group >>> 12];
  if (group >= 0x100) codes[at++] = HEX_DIGITS[(group >>> 8) & 15];
  if (group >= 0x10) codes[at++] = HEX_DIGITS[(group >>> 4) & 15];
  codes[at++] = HEX_DIGITS[group & 15];
  return at;
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
