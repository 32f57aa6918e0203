// Address formatting and conversions. IPv6 output is RFC 5952: lowercase, no leading zeros in a
// group, the longest run of two or more zero groups (the first one on a tie) written as "::".

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function formatIPv6(parts: readonly number[]): string {
  return formatIPv6Groups(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]);
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

/**
 * RFC 5952 text of eight 16-bit groups (the string API's hot path). The text is written as
 * character codes into a reused array of exactly its length and made into one flat string by
 * String.fromCharCode: building it with `+` made about twenty intermediate strings per address,
 * and the garbage collector's work for them cost more than the formatting itself.
 */
export function formatIPv6Groups(g0: number, g1: number, g2: number, g3: number, g4: number, g5: number, g6: number, g7: number): string {
  const groups = GROUPS;
  groups[0] = g0; groups[1] = g1; groups[2] = g2; groups[3] = g3;
  groups[4] = g4; groups[5] = g5; groups[6] = g6; groups[7] = g7;
  // The longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
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
  const bestEnd = bestStart + bestLength; // first group after the run (bestStart < 0: none)
  // Length first, so the codes go straight into the array of that length.
  let length = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      length += 2;
      i = bestEnd - 1;
      continue;
    }
    const group = groups[i];
    length += group < 0x10 ? 1 : group < 0x100 ? 2 : group < 0x1000 ? 3 : 4;
    if (i < 7 && i + 1 !== bestStart) length++;
  }
  const codes = CODES_OF_LENGTH[length];
  let at = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      codes[at++] = COLON;
      codes[at++] = COLON;
      i = bestEnd - 1;
      continue;
    }
    const group = groups[i];
    if (group >= 0x1000) codes[at++] = HEX_CODES[group >>> 12];
    if (group >= 0x100) codes[at++] = HEX_CODES[(group >>> 8) & 15];
    if (group >= 0x10) codes[at++] = HEX_CODES[(group >>> 4) & 15];
    codes[at++] = HEX_CODES[group & 15];
    if (i < 7 && i + 1 !== bestStart) codes[at++] = COLON;
  }
  return String.fromCharCode.apply(null, codes);
}

const GROUPS = new Array<number>(8).fill(0);
const COLON = 58;
const HEX_CODES: readonly number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// IPv6 text is 2 ("::") to 39 characters long.
const CODES_OF_LENGTH: number[][] = Array.from({ length: 40 }, (_, n) => new Array<number>(n).fill(0));
