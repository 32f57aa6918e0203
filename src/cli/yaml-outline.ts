// The outliner: where the mappings, lists and scalars of one YAML document sit in its text, packed
// as marks (outline-marks.ts), for a document the block reader declined and js-yaml read. With
// it the writer adds fields without re-printing (and so losing) the rest: comments, key order,
// quoting, blank lines and flow style stay as the user wrote them.
//
// It reads structure only, conservatively: indentation, `key:` entries, `- ` items, and flow
// mappings and lists (`{a: 1, b: [x]}`, also spread over lines and as the document's root).
// Scalars are spans it does not look inside. Anything it does not know for sure (anchors,
// aliases, tags, complex keys, tabs in indentation) makes outlineDocument answer undefined, and
// the writer falls back to the `yaml` library's Document API for that document. The writer also
// checks the outline's keys against the value js-yaml read before it edits (sameShape), so a
// misread outline cannot produce a wrong answer.
import { EMPTY_MARK, FLOW_MAP_MARK, FLOW_SEQ_MARK, KEEPING_LEAF_MARK, LEAF_MARK, MAP_MARK, SEQ_MARK, type MarkedOutline, type OutlineMarks } from './outline-marks.js';

class NotOutlined extends Error {}

// What code() gives past a line's last character: its line break, or TEXT_END past the text's.
// (Not the NaN of charCodeAt past the end: one such read makes V8 compile every read slower.)
const TEXT_END = -1;
const isLineEnd = (c: number) => c === 10 || c === TEXT_END;

/** A text and where its lines start and end ("\n" separated; the end is exclusive). */
export class LineIndex {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  start(line: number): number {
    return this.starts[line];
  }

  end(line: number): number {
    return line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
  }

  /** The character code at a column of a line: 10 (its line break) or TEXT_END (the text's end) past it. */
  code(line: number, column: number): number {
    const at = this.starts[line] + column;
    return at < this.text.length ? this.text.charCodeAt(at) : TEXT_END;
  }

  /** Leading spaces; the line's length when it is blank. */
  indent(line: number): number {
    let i = 0;
    while (this.code(line, i) === 32) i++;
    const c = this.code(line, i);
    if (isLineEnd(c)) return i;
    if (c === 9) {
      // Only whitespace: a blank line. Otherwise a tab indents content, which YAML forbids.
      if (this.text.slice(this.starts[line] + i, this.end(line)).trim() === '') return this.end(line) - this.starts[line];
      throw new NotOutlined('tab in indentation');
    }
    return i;
  }

  /** Blank, or only a comment. */
  isSkippable(line: number): boolean {
    let i = 0;
    let c = this.code(line, 0);
    while (c === 32 || c === 9) c = this.code(line, ++i);
    return isLineEnd(c) || c === 35;
  }

  /** Nothing but blanks and maybe a comment from the column on. */
  restIsEmpty(line: number, column: number): boolean {
    let i = column;
    let c = this.code(line, i);
    while (c === 32 || c === 9) c = this.code(line, ++i);
    return isLineEnd(c) || c === 35;
  }

  /** "- " (or a lone "-") at the column: a list item. */
  dashAt(line: number, column: number): boolean {
    if (this.code(line, column) !== 45) return false;
    const next = this.code(line, column + 1);
    return isLineEnd(next) || next === 32 || next === 9;
  }

  /** The line holding an offset of the text. */
  lineOf(offset: number): number {
    const { starts } = this;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  slice(line: number, column: number): string {
    return this.text.slice(this.starts[line] + column, this.end(line));
  }
}

// A quoted one-line key followed by ":" and a space or the end of the line. Sticky, matched in
// the whole text at the key's offset.
const QUOTED_KEY = /(?:"((?:[^"\\\n]|\\["\\/])*)"|'((?:[^'\n]|'')*)') *:(?=[ \n]|$)/y;

interface KeyMatch { key: string; end: number }

/** A character of a plain key: letters, digits and ._/- (every Kubernetes field name, label and annotation key). */
export const isPlainKeyChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 47 || c === 45;

// The key at the column and the column just past its ":". A plain key is letters, digits and
// ._/- (every Kubernetes field name, label and annotation key); other keys must be quoted.
function keyAt(text: LineIndex, line: number, column: number): KeyMatch | null {
  const first = text.code(line, column);
  if (first !== 45 && isPlainKeyChar(first)) {
    let i = column + 1;
    while (isPlainKeyChar(text.code(line, i))) i++;
    const keyEnd = i;
    while (text.code(line, i) === 32) i++;
    if (text.code(line, i) !== 58) return null;
    const after = text.code(line, i + 1);
    if (!isLineEnd(after) && after !== 32) return null;
    const start = text.start(line);
    return { key: text.text.slice(start + column, start + keyEnd), end: i + 1 };
  }
  if (first !== 34 && first !== 39) return null;
  QUOTED_KEY.lastIndex = text.start(line) + column;
  const match = QUOTED_KEY.exec(text.text);
  if (!match) return null;
  let key: string;
  try {
    key = match[1] !== undefined ? JSON.parse(`"${match[1]}"`) as string : match[2]!.replaceAll("''", "'");
  } catch {
    throw new NotOutlined('a quoted key JSON cannot decode');
  }
  return { key, end: column + match[0].length };
}

const isFlowSpace = (c: number) => c === 32 || c === 9 || c === 10;

class OutlineReader {
  constructor(readonly text: LineIndex, readonly marks: OutlineMarks) {}

  /** The next line at or after `from` that holds content (not blank, not only a comment). */
  nextContent(from: number): number {
    let i = from;
    while (i < this.text.lineCount && this.text.isSkippable(i)) i++;
    return i;
  }

  /** Last line of a value that continues while lines are indented deeper than `parentIndent`. */
  spanEnd(firstLine: number, parentIndent: number): number {
    let last = firstLine;
    for (let i = firstLine + 1; i < this.text.lineCount; i++) {
      const indent = this.text.indent(i);
      if (indent === this.text.end(i) - this.text.start(i)) continue;
      // A deeper line that looks like a comment may be block scalar content, so it counts; a
      // shallower comment ends nothing.
      if (indent <= parentIndent) {
        if (this.text.isSkippable(i)) continue;
        break;
      }
      last = i;
    }
    return last;
  }

  // A value that starts at (line, column): what the text there opens. Marks it; gives its last line.
  node(line: number, column: number, parentIndent: number): number {
    const { text } = this;
    if (text.dashAt(line, column)) {
      // A list opening on the line of its parent's `- ` ("- - a") is not needed for manifests.
      if (column !== text.indent(line)) throw new NotOutlined('nested compact list');
      return this.sequence(line, column);
    }
    if (keyAt(text, line, column)) return this.mapping(line, column);
    const code = text.code(line, column);
    if (code === 123 || code === 91) return this.flowOnLine(line, column);
    const first = String.fromCharCode(code);
    if ('&*!?%@`'.includes(first)) throw new NotOutlined(`"${first}" at line ${line + 1}`);
    const keepsTrailingLines = (first === '|' || first === '>') && /^[|>][0-9]*\+/.test(text.slice(line, column));
    const endLine = this.spanEnd(line, parentIndent);
    this.marks.push(keepsTrailingLines ? KEEPING_LEAF_MARK : LEAF_MARK);
    this.marks.push(endLine);
    return endLine;
  }

  // A flow collection opening at (line, column); only a comment may follow it on its last line.
  flowOnLine(line: number, column: number): number {
    const { text } = this;
    const end = this.flow(text.start(line) + column);
    const lastLine = text.lineOf(end - 1);
    if (!text.restIsEmpty(lastLine, end - text.start(lastLine))) throw new NotOutlined(`text after a flow collection at line ${lastLine + 1}`);
    return lastLine;
  }

  mapping(line: number, column: number): number {
    const { text, marks } = this;
    const at = marks.open(MAP_MARK, column);
    let count = 0;
    let keyLine = line;
    let match = keyAt(text, keyLine, column);
    let lastLine = line;
    for (;;) {
      if (!match) throw new NotOutlined(`no key at line ${keyLine + 1}`);
      marks.key(match.key);
      marks.push(keyLine);
      const lastLineAt = marks.length;
      marks.push(0);
      let valueColumn = match.end;
      if (text.restIsEmpty(keyLine, valueColumn)) {
        const next = this.nextContent(keyLine + 1);
        const inText = next < text.lineCount;
        const nextIndent = inText ? text.indent(next) : -1;
        const compactList = inText && nextIndent === column && text.dashAt(next, nextIndent);
        if (inText && (nextIndent > column || compactList)) {
          lastLine = this.node(next, nextIndent, column);
        } else {
          marks.push(EMPTY_MARK);
          lastLine = keyLine;
        }
      } else {
        while (text.code(keyLine, valueColumn) === 32) valueColumn++;
        const valueAt = marks.length;
        lastLine = this.node(keyLine, valueColumn, column);
        const kind = marks.values[valueAt];
        if (kind === MAP_MARK || kind === SEQ_MARK) throw new NotOutlined(`collection on the key's line ${keyLine + 1}`);
      }
      marks.values[lastLineAt] = lastLine;
      count++;
      const next = this.nextContent(lastLine + 1);
      if (next >= text.lineCount || text.indent(next) !== column) break;
      match = keyAt(text, next, column);
      if (!match) break;
      keyLine = next;
    }
    marks.close(at, count, lastLine);
    return lastLine;
  }

  sequence(line: number, column: number): number {
    const { text, marks } = this;
    const at = marks.open(SEQ_MARK, column);
    let count = 0;
    let itemLine = line;
    let lastLine = line;
    for (;;) {
      marks.push(itemLine);
      const lastLineAt = marks.length;
      marks.push(0);
      if (text.restIsEmpty(itemLine, column + 1)) {
        const next = this.nextContent(itemLine + 1);
        if (next < text.lineCount && text.indent(next) > column) {
          lastLine = this.node(next, text.indent(next), column);
        } else {
          marks.push(EMPTY_MARK);
          lastLine = itemLine;
        }
      } else {
        let valueColumn = column + 1;
        while (text.code(itemLine, valueColumn) === 32) valueColumn++;
        if (text.code(itemLine, valueColumn) === 9) throw new NotOutlined('tab after "-"');
        lastLine = this.node(itemLine, valueColumn, column);
      }
      marks.values[lastLineAt] = lastLine;
      count++;
      const next = this.nextContent(lastLine + 1);
      if (next >= text.lineCount || text.indent(next) !== column || !text.dashAt(next, column)) break;
      itemLine = next;
    }
    marks.close(at, count, lastLine);
    return lastLine;
  }

  // ---- flow collections, read by offset ----

  /** Past spaces, line breaks and comments from `at`. */
  private skipFlowSpace(at: number): number {
    const source = this.text.text;
    let i = at;
    for (;;) {
      const c = source.charCodeAt(i);
      if (isFlowSpace(c)) {
        i++;
      } else if (c === 35 && (i === 0 || isFlowSpace(source.charCodeAt(i - 1)))) {
        const end = source.indexOf('\n', i);
        i = end === -1 ? source.length : end;
      } else {
        return i;
      }
    }
  }

  /** The flow node at `at` (marked); gives the offset just past it. */
  private flow(at: number): number {
    const source = this.text.text;
    const c = source.charCodeAt(at);
    if (c === 123) return this.flowMapping(at);
    if (c === 91) return this.flowSequence(at);
    const end = this.flowScalarEnd(at);
    this.marks.push(LEAF_MARK);
    this.marks.push(this.text.lineOf(end - 1));
    return end;
  }

  private flowMapping(open: number): number {
    const source = this.text.text;
    const { marks } = this;
    const at = marks.open(FLOW_MAP_MARK, 0);
    let count = 0;
    let i = this.skipFlowSpace(open + 1);
    while (source.charCodeAt(i) !== 125) {
      const keyFrom = i;
      const { key, end: keyEnd } = this.flowKey(i);
      i = this.skipFlowSpace(keyEnd);
      if (source.charCodeAt(i) !== 58) throw new NotOutlined('flow mapping entry without ":"');
      i = this.skipFlowSpace(i + 1);
      const next = source.charCodeAt(i);
      if (next === 44 || next === 125) throw new NotOutlined('flow mapping entry without a value');
      marks.key(key);
      marks.push(keyFrom);
      marks.push(i);
      const valueTo = this.flowWithEnd(i);
      count++;
      i = this.nextFlowItem(valueTo, 125);
    }
    return this.closeFlow(at, count, i);
  }

  private flowSequence(open: number): number {
    const source = this.text.text;
    const { marks } = this;
    const at = marks.open(FLOW_SEQ_MARK, 0);
    let count = 0;
    let i = this.skipFlowSpace(open + 1);
    while (source.charCodeAt(i) !== 93) {
      const c = source.charCodeAt(i);
      if (c === 44) throw new NotOutlined('empty flow list item');
      marks.push(i);
      const to = this.flowWithEnd(i);
      count++;
      // "[a: 1]" is a list holding a mapping: not needed for manifests, refused here.
      i = this.nextFlowItem(to, 93);
    }
    return this.closeFlow(at, count, i);
  }

  /** Closes the flow collection whose header is at `at`, its "}" or "]" at `close`; returns the offset past it. */
  private closeFlow(at: number, count: number, close: number): number {
    this.marks.values[at + 1] = close;
    this.marks.close(at, count, this.text.lineOf(close));
    return close + 1;
  }

  /**
   * The flow node at `i`, preceded by its end offset: the end is known only once the node is read,
   * so a slot is pushed first and filled after. Returns the end.
   */
  private flowWithEnd(i: number): number {
    const { marks } = this;
    const endAt = marks.length;
    marks.push(0);
    const end = this.flow(i);
    marks.values[endAt] = end;
    return end;
  }

  /** Past the "," after an entry or item ending at `end` (at its collection's `close` when none follows). */
  private nextFlowItem(end: number, close: number): number {
    const i = this.skipFlowSpace(end);
    const separator = this.text.text.charCodeAt(i);
    if (separator === 44) return this.skipFlowSpace(i + 1);
    if (separator !== close) throw new NotOutlined(`flow item not followed by "," or "${String.fromCharCode(close)}"`);
    return i;
  }

  /** A flow mapping key: plain (letters, digits, ._/-) or quoted on one line. */
  private flowKey(at: number): { key: string; end: number } {
    const source = this.text.text;
    const c = source.charCodeAt(at);
    if (c === 34 || c === 39) {
      const end = this.quotedEnd(at);
      const body = source.slice(at + 1, end - 1);
      if (body.includes('\n')) throw new NotOutlined('a flow key over lines');
      if (c === 39) return { key: body.replaceAll("''", "'"), end };
      try {
        return { key: JSON.parse(`"${body}"`) as string, end };
      } catch {
        throw new NotOutlined('a quoted key JSON cannot decode');
      }
    }
    if (c === 45 || !isPlainKeyChar(c)) throw new NotOutlined(`flow key at offset ${at}`);
    let i = at + 1;
    while (isPlainKeyChar(source.charCodeAt(i))) i++;
    // "a:b" is one plain scalar in a flow mapping; the key needs ": " (or ":" and a line break).
    const after = source.charCodeAt(i + 1);
    if (source.charCodeAt(i) !== 58 || !(isFlowSpace(after) || after === 44 || after === 125)) throw new NotOutlined('plain flow key not followed by ": "');
    return { key: source.slice(at, i), end: i };
  }

  /** Just past a quoted scalar starting at `at`. */
  private quotedEnd(at: number): number {
    const source = this.text.text;
    const quote = source.charCodeAt(at);
    for (let i = at + 1; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (quote === 34 && c === 92) {
        i++;
      } else if (c === quote) {
        if (quote === 39 && source.charCodeAt(i + 1) === 39) i++;
        else return i + 1;
      }
    }
    throw new NotOutlined('unterminated quoted scalar');
  }

  /** Just past a scalar in a flow collection: quoted, or plain up to "," "]" "}" ": " or " #". */
  private flowScalarEnd(at: number): number {
    const source = this.text.text;
    const c = source.charCodeAt(at);
    if (c === 34 || c === 39) return this.quotedEnd(at);
    if ('&*!?%@`|>'.includes(source[at] ?? '') || Number.isNaN(c)) throw new NotOutlined(`flow node at offset ${at}`);
    if ((c === 45 || c === 58) && isFlowSpace(source.charCodeAt(at + 1))) throw new NotOutlined(`flow node at offset ${at}`);
    let end = at;
    for (let i = at; i < source.length; i++) {
      const d = source.charCodeAt(i);
      if (d === 44 || d === 91 || d === 93 || d === 123 || d === 125) break;
      if (d === 10) throw new NotOutlined('a plain flow scalar over lines');
      if (d === 58 && (isFlowSpace(source.charCodeAt(i + 1)) || i + 1 === source.length)) break;
      if (d === 35 && isFlowSpace(source.charCodeAt(i - 1))) break;
      if (d !== 32 && d !== 9) end = i + 1;
    }
    if (end === at) throw new NotOutlined(`empty flow scalar at offset ${at}`);
    return end;
  }
}

/**
 * The outline of one document's text, packed into `marks`: a mapping at column 0, or a flow
 * mapping (also on the "---" line). Undefined when the text is not in the shape it reads.
 */
export function outlineDocument(source: string, marks: OutlineMarks): MarkedOutline | undefined {
  const text = new LineIndex(source);
  const reader = new OutlineReader(text, marks);
  const at = marks.length;
  const keys = marks.keys.length;
  try {
    let first = 0;
    let column = 0;
    for (; first < text.lineCount; first++) {
      if (text.isSkippable(first)) continue;
      // "---" alone, with a comment, or before a flow mapping.
      if (text.code(first, 0) === 45 && /^---(?=[ \t]|$)/.test(text.slice(first, 0))) {
        if (/^---(?:[ \t]+#.*|[ \t]*)$/.test(text.slice(first, 0))) continue;
        column = 3;
        while (text.code(first, column) === 32 || text.code(first, column) === 9) column++;
        if (text.code(first, column) !== 123) return undefined;
      }
      break;
    }
    if (first >= text.lineCount) return undefined;
    let lastLine: number;
    if (text.code(first, column) === 123) {
      lastLine = reader.flowOnLine(first, column);
    } else {
      if (text.indent(first) !== 0 || !keyAt(text, first, 0)) return undefined;
      lastLine = reader.mapping(first, 0);
    }
    // Everything after the root mapping must be comments or blank.
    if (reader.nextContent(lastLine + 1) < text.lineCount) return undefined;
    return { marks, at };
  } catch (error) {
    if (error instanceof NotOutlined) {
      marks.length = at;
      marks.keys.length = keys;
      return undefined;
    }
    throw error;
  }
}
