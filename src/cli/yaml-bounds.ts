// The limits kubectl's YAML decoder (go-yaml v2) puts on hostile manifests, for our readers:
// - text must be UTF-8 ("invalid leading UTF-8 octet"), never silently turned into U+FFFD;
// - aliases may expand a document only so far ("document contains excessive aliasing"): the
//   same count of decoded nodes against nodes decoded inside an alias, with go-yaml's ratios;
// - nesting is capped. go-yaml stops at 10,000 levels; js-yaml's recursion (and ours after it)
//   runs out of stack near 2,000, so the cap here is MAX_NESTING, far above any manifest's ~30.
// Each failure is an InputError naming the file and, where it has one, the line and column.
import { InputError } from './cli-errors.js';

/** The deepest nesting of mappings, lists and flow collections read. */
export const MAX_NESTING = 500;

/**
 * Text from bytes, as go-yaml reads it: UTF-8, or an InputError at the first bad byte. A leading
 * byte order mark stays in the text (the YAML reader reads past it and the writer gives it back).
 */
export function decodeManifestBytes(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const { offset, reason } = firstBadUTF8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new InputError(`${source}:${line}:${offset - lineStart + 1}: ${reason} (byte ${offset}): manifests must be UTF-8`);
  }
}

// Where go-yaml's reader stops on bad UTF-8, and its words for why.
function firstBadUTF8(bytes: Uint8Array): { offset: number; reason: string } {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const width = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return { offset: i, reason: 'invalid leading UTF-8 octet' };
    if (i + width > bytes.length) return { offset: i, reason: 'incomplete UTF-8 octet sequence' };
    let code = width === 1 ? b : width === 2 ? b & 0x1f : width === 3 ? b & 0x0f : b & 0x07;
    for (let k = 1; k < width; k++) {
      const octet = bytes[i + k];
      if ((octet & 0xc0) !== 0x80) return { offset: i + k, reason: 'invalid trailing UTF-8 octet' };
      code = (code << 6) | (octet & 0x3f);
    }
    const shortest = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (shortest !== width) return { offset: i, reason: 'invalid length of a UTF-8 sequence' };
    if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return { offset: i, reason: 'invalid Unicode character' };
    i += width;
  }
  return { offset: bytes.length, reason: 'invalid UTF-8' };
}

/**
 * Where a YAML text nests deeper than MAX_NESTING (line and column from 1), or undefined. A
 * scan of the text before a parser recurses into it: block mappings and lists by indentation
 * (and compact "- - -" items), flow collections by their brackets outside quoted scalars and
 * comments. Block scalar bodies are skipped. It over-counts rather than under-counts.
 */
export function deepestNesting(text: string): { line: number; column: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote = 0; // 0, or the quote character of a scalar that spans lines
  let blockScalarIndent = -1; // the indentation a block scalar's body must exceed
  let line = 0;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    let i = start;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    const indent = i - start;
    const blank = i === end || text.charCodeAt(i) === 35 || text.charCodeAt(i) === 13;
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) {
        start = end + 1;
        continue;
      }
      blockScalarIndent = -1;
    }
    if (!blank && flow === 0 && quote === 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      // Compact items: each "- " opens one more level on the same line.
      let dashes = i;
      while (text.charCodeAt(dashes) === 45 && (text.charCodeAt(dashes + 1) === 32 || dashes + 1 === end)) {
        indents.push(dashes - start + 1);
        dashes += 2;
        while (text.charCodeAt(dashes) === 32) dashes++;
      }
      if (indents.length > MAX_NESTING) return { line, column: indent + 1 };
    }
    let lastContent = -1;
    for (let at = i; at < end; at++) {
      const c = text.charCodeAt(at);
      if (quote !== 0) {
        if (quote === 34 && c === 92) at++;
        else if (c === quote) {
          if (quote === 39 && text.charCodeAt(at + 1) === 39) at++;
          else quote = 0;
        }
        continue;
      }
      if (c === 35 && (at === i || text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) break;
      if (c === 34 || c === 39) {
        // A quote opens a scalar only where a scalar can start.
        const before = at === i ? 32 : text.charCodeAt(at - 1);
        if (before === 32 || before === 9 || before === 91 || before === 123 || before === 44 || before === 58 || before === 45) quote = c;
      } else if (c === 91 || c === 123) {
        flow++;
        if (flow + indents.length > MAX_NESTING) return { line, column: at - start + 1 };
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
      }
      if (c !== 32 && c !== 9 && c !== 13) lastContent = at;
    }
    // "key: |" or "- >-": the lines after, deeper than this one, are a scalar's text.
    if (flow === 0 && quote === 0 && lastContent >= 0) {
      const tail = text.slice(Math.max(i, lastContent - 3), lastContent + 1);
      if (/(?:^|[\s:-])[|>][-+0-9]*$/.test(tail)) blockScalarIndent = indent;
    }
    start = end + 1;
  }
  return undefined;
}

// go-yaml's decoder: past 400,000 decoded nodes the share allowed to come from aliases falls from
// 99 % to 10 % at 4,000,000; below 1,000 nodes or 100 alias nodes nothing is refused.
const ALIAS_RATIO_LOW = 400_000;
const ALIAS_RATIO_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= ALIAS_RATIO_LOW) return 0.99;
  if (decoded >= ALIAS_RATIO_HIGH) return 0.10;
  return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW));
}

/**
 * Whether decoding the value as go-yaml does would count excessive aliasing. js-yaml gives an
 * alias the anchored node itself, so a node met again is an alias; the walk stops as soon as
 * the ratio is exceeded, so a small alias bomb costs a few thousand steps, not its expansion.
 */
export function hasExcessiveAliasing(value: unknown): boolean {
  const seen = new Set<object>();
  let decoded = 0;
  let aliased = 0;
  const visit = (node: unknown, inAlias: boolean): boolean => {
    decoded++;
    if (inAlias) aliased++;
    if (aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded)) return true;
    if (node === null || typeof node !== 'object') return false;
    let alias = inAlias;
    if (seen.has(node)) alias = true;
    else seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) if (visit(item, alias)) return true;
    } else {
      for (const key of Object.keys(node)) {
        // The key is a node of its own.
        decoded++;
        if (alias) aliased++;
        if (visit((node as Record<string, unknown>)[key], alias)) return true;
      }
    }
    return false;
  };
  return visit(value, false);
}
