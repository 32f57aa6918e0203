// Range math shared by every allocator and by describeRange: usable count, offsets and the
// static band, as laid out in kubernetes-semantics.md §1.
import { invalidCIDRError } from './errors.js';
import { parseCIDR } from './cidr.js';
import { formatAddress } from './ip-format.js';
import { withJSON } from './json-view.js';

/** An IP family, as RangeInfo and the allocators name it. */
export type IPFamilyName = 'IPv4' | 'IPv6';

/** A service CIDR's layout: its usable addresses and its two bands (describeRange). */
export interface RangeInfo {
  /** The range in canonical form. */
  cidr: string;
  /** The range's IP family. */
  family: IPFamilyName;
  /** Usable addresses (254n for a /24). */
  size: bigint;
  /** Static band size (16 for a /24). */
  bandOffset: number;
  /** The first usable address (the network address + 1). */
  rangeStart: string;
  /** The last usable address (for IPv4, the one before the broadcast address). */
  rangeEnd: string;
  /** The static band's first address; null when the range has no static band. */
  staticStart: string | null;
  /** The static band's last address; null when the range has no static band. */
  staticEnd: string | null;
  /** The upper (dynamic) band's first address. */
  dynamicStart: string;
  /** The upper (dynamic) band's last address: rangeEnd. */
  dynamicEnd: string;
  /** Addresses in the static band: bandOffset. */
  staticSize: bigint;
  /** Addresses in the upper band: size − staticSize. */
  dynamicSize: bigint;
}

/** How a range's bands are laid out. */
export interface RangeOptions {
  /** Cap IPv6 ranges at 65,535 usable addresses like the legacy bitmap allocator. */
  legacy?: boolean;
  /**
   * false: no static band (bandOffset 0), as before KEP-3070 — for comparisons such as
   * `clusterip simulate`. Default true (today's Kubernetes).
   */
  staticBand?: boolean;
}

export interface RangeGeometry {
  readonly cidr: string;
  readonly family: 4 | 6;
  readonly prefix: number;
  readonly network: bigint;
  /** Every address of the CIDR, network and broadcast included. */
  readonly cidrSize: bigint;
  readonly usable: bigint;
  readonly bandOffset: number;
  readonly legacy: boolean;
}

/** Largest legacy IPv6 bitmap: offsets network+1 … network+65535. */
const LEGACY_IPV6_CIDR_CAP = 65536n;
const SHORTEST_IPV6_PREFIX = 64;

/**
 * The static band's size for a CIDR of `cidrSize` addresses: 1/16 of it, at least 16 and at most
 * 256, and 0 for CIDRs of 16 addresses or fewer. Computed from the full CIDR size, before any cap.
 */
export function bandOffsetFor(cidrSize: bigint): number {
  if (cidrSize <= 16n) return 0;
  const sixteenth = cidrSize / 16n;
  if (sixteenth < 16n) return 16;
  if (sixteenth > 256n) return 256;
  return Number(sixteenth);
}

export function readRangeOptions(options: unknown): { legacy: boolean; staticBand: boolean } {
  if (options === undefined) return { legacy: false, staticBand: true };
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { legacy, staticBand } = options as RangeOptions;
  if (legacy !== undefined && typeof legacy !== 'boolean') throw new TypeError('options.legacy must be a boolean');
  if (staticBand !== undefined && typeof staticBand !== 'boolean') throw new TypeError('options.staticBand must be a boolean');
  return { legacy: legacy === true, staticBand: staticBand !== false };
}

export function rangeGeometry(cidrText: unknown, legacy: boolean, staticBand = true): RangeGeometry {
  const parsed = parseCIDR(cidrText);
  if (parsed.family === 6 && !legacy && parsed.prefix < SHORTEST_IPV6_PREFIX) {
    throw invalidCIDRError(cidrText, `shortest allowed prefix length for service CIDR is ${SHORTEST_IPV6_PREFIX}`);
  }
  const cidrSize = 1n << BigInt(parsed.addressBits - parsed.prefix);
  let usable: bigint;
  if (parsed.family === 4) {
    usable = cidrSize - 2n; // network and broadcast are never handed out
  } else {
    usable = (legacy && cidrSize > LEGACY_IPV6_CIDR_CAP ? LEGACY_IPV6_CIDR_CAP : cidrSize) - 1n;
  }
  if (usable <= 0n) throw invalidCIDRError(cidrText, 'the range has no usable addresses');
  return {
    cidr: parsed.cidr,
    family: parsed.family,
    prefix: parsed.prefix,
    network: parsed.network,
    cidrSize,
    usable,
    bandOffset: staticBand ? bandOffsetFor(cidrSize) : 0,
    legacy,
  };
}

export function rangeInfoOf(geometry: RangeGeometry): RangeInfo {
  const { family, network, usable, bandOffset } = geometry;
  const band = BigInt(bandOffset);
  const at = (offset: bigint) => formatAddress(family, network + 1n + offset);
  return withJSON({
    cidr: geometry.cidr,
    family: family === 4 ? 'IPv4' : 'IPv6',
    size: usable,
    bandOffset,
    rangeStart: at(0n),
    rangeEnd: at(usable - 1n),
    staticStart: bandOffset > 0 ? at(0n) : null,
    staticEnd: bandOffset > 0 ? at(band - 1n) : null,
    dynamicStart: at(band),
    dynamicEnd: at(usable - 1n),
    staticSize: band,
    dynamicSize: usable - band,
  });
}

/** The band layout Kubernetes uses for a service CIDR. Throws ERR_INVALID_CIDR. */
export function describeRange(cidr: string, options?: RangeOptions): RangeInfo {
  const { legacy, staticBand } = readRangeOptions(options);
  return rangeInfoOf(rangeGeometry(cidr, legacy, staticBand));
}
