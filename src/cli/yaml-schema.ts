// How the CLI reads YAML scalars: as kubectl does. kubectl decodes manifests with go-yaml v2
// (through sigs.k8s.io/yaml), which keeps YAML 1.1's booleans and integers:
// - yes/no/on/off/y/n (three casings) are booleans, as are true/false;
// - integers go through Go's strconv.ParseInt with base 0 after every "_" is dropped, so 010 is 8,
//   0o10 is 8, 0x1F is 31, 0b101 is 5 and 1_000 is 1000;
// - there are no base-60 numbers (12:30:45 is a string) and, decoded into untyped maps, no
//   timestamps (2001-12-14 stays a string).
// - floats as go-yaml resolves them (strconv.ParseFloat: "+.5" is 0.5, "+Inf" is Infinity).
// Nulls and merge keys (<<) follow js-yaml's core types, which agree with go-yaml v2.
import * as jsYaml from 'js-yaml';
import { FAILSAFE_SCHEMA, Type, type Schema } from 'js-yaml';

// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const types = (jsYaml as unknown as { types: Record<'null' | 'float' | 'merge' | 'binary' | 'omap' | 'pairs' | 'set', Type> }).types;

const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

const yaml11Bool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (TRUE_WORDS.has(data) || FALSE_WORDS.has(data)),
  construct: (data: string) => TRUE_WORDS.has(data),
  predicate: (value: unknown) => typeof value === 'boolean',
  represent: (value: object) => (value ? 'true' : 'false'),
});

// strconv.ParseInt(s, 0, 64) after dropping underscores; go-yaml only tries numbers for scalars
// that start with a sign or a digit (checked first: every plain scalar of a manifest comes here).
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/;

function startsLikeNumber(data: string): boolean {
  const c = data.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45;
}

function goInt(data: string): number | undefined {
  if (!startsLikeNumber(data)) return undefined;
  const match = GO_INT.exec(data.includes('_') ? data.replaceAll('_', '') : data);
  if (!match) return undefined;
  const [, sign, hex, octal, binary, leadingZeroOctal, decimal] = match;
  const magnitude = hex !== undefined ? parseInt(hex, 16)
    : octal !== undefined ? parseInt(octal, 8)
      : binary !== undefined ? parseInt(binary, 2)
        : leadingZeroOctal !== undefined ? (leadingZeroOctal === '' ? 0 : parseInt(leadingZeroOctal, 8))
          : parseInt(decimal!, 10);
  return sign === '-' ? -magnitude : magnitude;
}

const goYamlInt = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && goInt(data) !== undefined,
  construct: (data: string) => goInt(data),
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0),
  represent: (value: object) => String(value),
});

// go-yaml v2's floats (resolve.go): the named infinities and NaNs, a text starting with "." read by
// strconv.ParseFloat as it is, and a text starting with a digit or sign that is no integer read by
// ParseFloat after its underscores are dropped ("+.5" is 0.5, "1e3" is 1000, "0x1p-2" is 0.25,
// "+Inf" is Infinity). goYamlInt is asked first, as go-yaml asks ParseInt first.
const NAMED_FLOATS: Readonly<Record<string, number>> = {
  '.inf': Infinity, '.Inf': Infinity, '.INF': Infinity, '+.inf': Infinity, '+.Inf': Infinity, '+.INF': Infinity,
  '-.inf': -Infinity, '-.Inf': -Infinity, '-.INF': -Infinity, '.nan': NaN, '.NaN': NaN, '.NAN': NaN,
};
const GO_DECIMAL_FLOAT = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
const GO_HEX_FLOAT = /^([-+]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([-+]?[0-9]+)$/;
const GO_INFINITY = /^([-+]?)(?:inf|infinity)$/i;

// strconv.ParseFloat(text, 64), or undefined when it would fail.
function parseGoFloat(text: string): number | undefined {
  if (GO_DECIMAL_FLOAT.test(text)) return Number(text);
  const hex = GO_HEX_FLOAT.exec(text);
  if (hex) {
    const [, sign, whole, fraction = '', exponent] = hex;
    if (whole === '' && fraction === '') return undefined;
    const mantissa = parseInt(`${whole}${fraction}` || '0', 16);
    const magnitude = mantissa * 2 ** (Number(exponent) - 4 * fraction.length);
    return sign === '-' ? -magnitude : magnitude;
  }
  const infinity = GO_INFINITY.exec(text);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return undefined;
}

function goFloat(data: string): number | undefined {
  if (Object.hasOwn(NAMED_FLOATS, data)) return NAMED_FLOATS[data];
  const c = data.charCodeAt(0);
  if (c === 46) return parseGoFloat(data);
  if (!startsLikeNumber(data)) return undefined;
  return parseGoFloat(data.includes('_') ? data.replaceAll('_', '') : data);
}

const float = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && goFloat(data) !== undefined,
  construct: (data: string) => goFloat(data)!,
  predicate: (value: unknown) => typeof value === 'number' && !(goYamlInt.predicate as (v: unknown) => boolean)(value),
  represent: (value: object, style?: string) => (types.float.represent as (v: object, s?: string) => string)(value, style),
});

// The first characters of every text an implicit type claims: "~" and null/Null/NULL; the
// booleans' y n t f o (either case); a digit, sign or "." for numbers; "<<" (merge). The test
// checks each printable character against the types themselves.
const MAY_START_IMPLICIT = new Uint8Array(128);
for (const c of '~nNyYtTfFoO0123456789+-.<') MAY_START_IMPLICIT[c.charCodeAt(0)] = 1;

/** The implicit scalar types, in the order they are tried. */
const IMPLICIT_TYPES = [types.null, yaml11Bool, goYamlInt, float, types.merge];

/** js-yaml schema that reads scalars as kubectl does. */
export const KUBECTL_SCHEMA: Schema = FAILSAFE_SCHEMA.extend({ implicit: IMPLICIT_TYPES, explicit: [types.binary, types.omap, types.pairs, types.set] });

/**
 * What a plain (unquoted) scalar reads as: the first implicit type that claims the text
 * constructs it, in KUBECTL_SCHEMA's order, as js-yaml does; a string when none does.
 */
export function resolvePlainScalar(text: string): unknown {
  // Most scalars of a manifest (names, labels, "TCP") start with a character that no implicit
  // type's text starts with: they are strings without asking each type.
  const first = text.charCodeAt(0);
  if (first < 128 && !MAY_START_IMPLICIT[first]) return text;
  for (const type of IMPLICIT_TYPES) {
    if (type.resolve(text)) return type.construct(text);
  }
  return text;
}

const PLAIN_SAFE = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;

/**
 * Whether a string can be written unquoted and still read back as the same string: only
 * characters that never start or break a plain scalar, and no implicit type claiming it
 * ("yes", "010", "1e3", "null" are quoted).
 */
export function isPlainSafe(text: string): boolean {
  if (isDottedQuad(text)) return true;
  let known = plainSafeCache.get(text);
  if (known === undefined) {
    known = PLAIN_SAFE.test(text) && !text.endsWith(':') && !IMPLICIT_TYPES.some((type) => type.resolve(text));
    // Field names and enum values repeat in every object; addresses do not, and are not kept.
    if (text.length <= 24 && plainSafeCache.size < 4096) plainSafeCache.set(text, known);
  }
  return known;
}
const plainSafeCache = new Map<string, boolean>();

// An IPv4 address: digits and three dots never read as anything but a string.
function isDottedQuad(text: string): boolean {
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (i === 0 || text.charCodeAt(i - 1) === 46) return false;
      dots++;
    } else if (c < 48 || c > 57) {
      return false;
    }
  }
  return dots === 3 && text.charCodeAt(text.length - 1) !== 46;
}
