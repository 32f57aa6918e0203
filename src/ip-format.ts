// Address formatting and conversions. IPv6 output is RFC 5952: lowercase, no leading zeros in a
// group, the longest run of two or more zero groups (the first one on a tie) written as "::".

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function formatIPv6(parts: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && parts[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart;
      }
      runStart = -1;
    }
  }
  if (bestStart < 0) return parts.map((p) => p.toString(16)).join(':');
  const head = parts.slice(0, bestStart).map((p) => p.toString(16)).join(':');
  const tail = parts.slice(bestStart + bestLength).map((p) => p.toString(16)).join(':');
  return `${head}::${tail}`;
}

export function ipv6PartsToBigInt(parts: readonly number[]): bigint {
  let value = 0n;
  for (const part of parts) value = (value << 16n) | BigInt(part);
  return value;
}

export function bigIntToIPv6Parts(value: bigint): number[] {
  const parts = new Array<number>(8);
  for (let i = 7; i >= 0; i--) {
    parts[i] = Number(value & 0xffffn);
    value >>= 16n;
  }
  return parts;
}

export function formatAddress(family: 4 | 6, value: bigint): string {
  return family === 4 ? formatIPv4(Number(value)) : formatIPv6(bigIntToIPv6Parts(value));
}

/** RFC 5952 text of eight 16-bit groups, built from table lookups (the string API's hot path). */
export function formatIPv6Groups(g0: number, g1: number, g2: number, g3: number, g4: number, g5: number, g6: number, g7: number): string {
  const groups = GROUPS;
  groups[0] = g0; groups[1] = g1; groups[2] = g2; groups[3] = g3;
  groups[4] = g4; groups[5] = g5; groups[6] = g6; groups[7] = g7;
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && groups[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    text += hexGroup(groups[i]);
    if (i < 7 && i + 1 !== bestStart) text += ':';
  }
  return text;
}

const GROUPS = new Array<number>(8).fill(0);
// A group's hex text from two 256-entry tables: the high byte without leading zeros, then the low
// byte zero-padded to two digits — or, with no high byte, the low byte alone.
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
const BYTE_HEX_PADDED: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexGroup(group: number): string {
  return group < 256 ? BYTE_HEX[group] : BYTE_HEX[group >>> 8] + BYTE_HEX_PADDED[group & 0xff];
}
