// Node port ranges (--service-node-port-range): parsing as apimachinery's net.PortRange does, and
// the static band of the node port allocator (portallocator.calculateRangeOffset, KEP-3668).
import { invalidPortRangeError } from './errors.js';

export interface PortRange {
  /** The lowest port. */
  readonly base: number;
  /** How many ports (max − base + 1). */
  readonly size: number;
  /** "base-max", as Kubernetes prints a range and stores it in the RangeAllocation. */
  readonly text: string;
}

/** A node port range's layout: its ports and its two bands (describePortRange). */
export interface PortRangeInfo {
  /** The range in canonical form, "base-max". */
  range: string;
  /** Ports in the range. */
  size: number;
  /** Static band size (86 for 30000-32767). */
  bandOffset: number;
  /** The first port. */
  rangeStart: number;
  /** The last port. */
  rangeEnd: number;
  /** The static band's first port; null when the range has no static band. */
  staticStart: number | null;
  /** The static band's last port; null when the range has no static band. */
  staticEnd: number | null;
  /** The upper (dynamic) band's first port. */
  dynamicStart: number;
  /** The upper (dynamic) band's last port: rangeEnd. */
  dynamicEnd: number;
  /** Ports in the static band: bandOffset. */
  staticSize: number;
  /** Ports in the upper band: size − staticSize. */
  dynamicSize: number;
}

const MAX_PORT = 65535;

// strconv.Atoi: an optional sign and decimal digits, nothing else (no spaces, no "0x", no "1e3").
function atoi(text: string, whole: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw invalidPortRangeError(whole, `unable to parse port range: ${whole}: ${JSON.stringify(text)} is not an integer`);
  return Number(text);
}

/**
 * "min-max" (inclusive) or a single port, surrounding spaces ignored, as the API server's flag
 * parser takes them. Unlike the flag, an empty range is refused: it has no port to hand out.
 */
export function parsePortRange(value: unknown): PortRange {
  if (typeof value !== 'string') throw invalidPortRangeError(value, 'expected a string such as "30000-32767"');
  const text = value.trim();
  if (text === '') throw invalidPortRangeError(value, 'the range is empty');
  const hyphen = text.indexOf('-');
  let low: number;
  let high: number;
  if (hyphen === -1) {
    low = high = atoi(text, text);
    if (low < 0 || low > MAX_PORT) throw invalidPortRangeError(value, 'the port range should between 0 and 65535');
  } else {
    low = atoi(text.slice(0, hyphen), text);
    high = atoi(text.slice(hyphen + 1), text);
    if (low > MAX_PORT || high > MAX_PORT) throw invalidPortRangeError(value, `the port range cannot be greater than 65535: ${text}`);
    if (high < low) throw invalidPortRangeError(value, `end port cannot be less than start port: ${text}`);
  }
  return { base: low, size: high - low + 1, text: `${low}-${high}` };
}

/**
 * The static band's size for a node port range of `size` ports (KEP-3668): 1/32 of it, at least
 * 16 and at most 128, and 0 for ranges of 16 ports or fewer.
 */
export function nodePortBandOffset(size: number): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(Math.floor(size / 32), 16), 128);
}

export function portRangeInfoOf(range: PortRange, bandOffset: number): PortRangeInfo {
  const end = range.base + range.size - 1;
  return {
    range: range.text,
    size: range.size,
    bandOffset,
    rangeStart: range.base,
    rangeEnd: end,
    staticStart: bandOffset > 0 ? range.base : null,
    staticEnd: bandOffset > 0 ? range.base + bandOffset - 1 : null,
    dynamicStart: range.base + bandOffset,
    dynamicEnd: end,
    staticSize: bandOffset,
    dynamicSize: range.size - bandOffset,
  };
}

/** The band layout Kubernetes uses for a node port range. Throws ERR_INVALID_PORT_RANGE. */
export function describePortRange(range: string, options?: { staticBand?: boolean }): PortRangeInfo {
  const parsed = parsePortRange(range);
  return portRangeInfoOf(parsed, options?.staticBand === false ? 0 : nodePortBandOffset(parsed.size));
}
