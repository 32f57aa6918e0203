// Where the block mappings and sequences of one YAML document sit in its text, by line and
// column (offsets into the text, never a string per line), so the writer can add fields without re-printing (and so losing) the rest: comments,
// key order, quoting and blank lines stay as the user wrote them.
//
// It reads only block structure, conservatively: indentation, `key:` entries and `- ` items.
// Scalars and flow collections are spans it does not look inside. Anything it does not know for
// sure (anchors, aliases, tags, complex keys, tabs in indentation, a collection on a document
// marker line) makes outlineDocument return undefined, and the writer falls back to the `yaml`
// library's Document API for that document. The writer also checks the outline's keys against
// the parsed document before it edits, so a misread outline cannot produce a wrong answer.

export interface MapEntry {
  key: string;
  /** Line and column where the key starts (after a `- ` on the same line, for a list item's first key). */
  line: number;
  column: number;
  value: OutlineNode;
  /** Last line holding any of the entry's value (trailing comments excluded). */
  endLine: number;
}

export interface SeqItem {
  /** Line and column of the `-`. */
  line: number;
  column: number;
  value: OutlineNode;
  endLine: number;
}

export type OutlineNode =
  | { kind: 'map'; indent: number; entries: MapEntry[] }
  | { kind: 'seq'; indent: number; items: SeqItem[] }
  /** A scalar, flow collection or block scalar: not looked into. */
  | { kind: 'leaf'; endLine: number; keepsTrailingLines: boolean }
  /** `key:` with nothing after it (null). */
  | { kind: 'empty' };

/** A document's root mapping. */
export type OutlineRoot = Extract<OutlineNode, { kind: 'map' }>;

export interface Outline {
  text: LineIndex;
  root: OutlineRoot;
}

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

// The last line of a node that holds something (an empty node is only read where its key is).
function endLineOf(node: OutlineNode): number {
  switch (node.kind) {
    case 'leaf':
      return node.endLine;
    case 'map':
      return node.entries[node.entries.length - 1].endLine;
    case 'seq':
      return node.items[node.items.length - 1].endLine;
    case 'empty':
      throw new Error('an empty node has no lines of its own');
  }
}

class OutlineReader {
  constructor(readonly text: LineIndex) {}

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

  // A value that starts at (line, column): what the text there opens.
  node(line: number, column: number, parentIndent: number): OutlineNode {
    const { text } = this;
    if (text.dashAt(line, column)) {
      // A list opening on the line of its parent's `- ` ("- - a") is not needed for manifests.
      if (column !== text.indent(line)) throw new NotOutlined('nested compact list');
      return this.sequence(line, column);
    }
    if (keyAt(text, line, column)) return this.mapping(line, column);
    const first = String.fromCharCode(text.code(line, column));
    if ('&*!?%@`'.includes(first)) throw new NotOutlined(`"${first}" at line ${line + 1}`);
    const keepsTrailingLines = (first === '|' || first === '>') && /^[|>][0-9]*\+/.test(text.slice(line, column));
    const endLine = this.spanEnd(line, parentIndent);
    return { kind: 'leaf', endLine, keepsTrailingLines };
  }

  mapping(line: number, column: number): Extract<OutlineNode, { kind: 'map' }> {
    const { text } = this;
    const entries: MapEntry[] = [];
    let at = line;
    let match = keyAt(text, at, column);
    for (;;) {
      if (!match) throw new NotOutlined(`no key at line ${at + 1}`);
      const { key } = match;
      let valueColumn = match.end;
      let entry: MapEntry;
      if (text.restIsEmpty(at, valueColumn)) {
        const next = this.nextContent(at + 1);
        const inText = next < text.lineCount;
        const nextIndent = inText ? text.indent(next) : -1;
        const compactList = inText && nextIndent === column && text.dashAt(next, nextIndent);
        if (inText && (nextIndent > column || compactList)) {
          const node = this.node(next, nextIndent, column);
          entry = { key, line: at, column, value: node, endLine: endLineOf(node) };
        } else {
          entry = { key, line: at, column, value: { kind: 'empty' }, endLine: at };
        }
      } else {
        while (text.code(at, valueColumn) === 32) valueColumn++;
        const node = this.node(at, valueColumn, column);
        if (node.kind !== 'leaf') throw new NotOutlined(`collection on the key's line ${at + 1}`);
        entry = { key, line: at, column, value: node, endLine: node.endLine };
      }
      entries.push(entry);
      const next = this.nextContent(entry.endLine + 1);
      if (next >= text.lineCount || text.indent(next) !== column) break;
      match = keyAt(text, next, column);
      if (!match) break;
      at = next;
    }
    return { kind: 'map', indent: column, entries };
  }

  sequence(line: number, column: number): Extract<OutlineNode, { kind: 'seq' }> {
    const { text } = this;
    const items: SeqItem[] = [];
    let at = line;
    for (;;) {
      let item: SeqItem;
      if (text.restIsEmpty(at, column + 1)) {
        const next = this.nextContent(at + 1);
        if (next < text.lineCount && text.indent(next) > column) {
          const node = this.node(next, text.indent(next), column);
          item = { line: at, column, value: node, endLine: endLineOf(node) };
        } else {
          item = { line: at, column, value: { kind: 'empty' }, endLine: at };
        }
      } else {
        let valueColumn = column + 1;
        while (text.code(at, valueColumn) === 32) valueColumn++;
        if (text.code(at, valueColumn) === 9) throw new NotOutlined('tab after "-"');
        const node = this.node(at, valueColumn, column);
        item = { line: at, column, value: node, endLine: endLineOf(node) };
      }
      items.push(item);
      const next = this.nextContent(item.endLine + 1);
      if (next >= text.lineCount || text.indent(next) !== column || !text.dashAt(next, column)) break;
      at = next;
    }
    return { kind: 'seq', indent: column, items };
  }
}

/** The outline of one document's text (a mapping at column 0), or undefined when it is not plain block YAML. */
export function outlineDocument(source: string): Outline | undefined {
  const text = new LineIndex(source);
  const reader = new OutlineReader(text);
  try {
    let first = 0;
    for (; first < text.lineCount; first++) {
      if (text.isSkippable(first)) continue;
      // "---" alone or with a comment; anything else on the marker line is not outlined.
      if (text.code(first, 0) === 45 && text.slice(first, 0).startsWith('---')) {
        if (/^---(?:[ \t]+#.*|[ \t]*)$/.test(text.slice(first, 0))) continue;
        return undefined;
      }
      break;
    }
    if (first >= text.lineCount || text.indent(first) !== 0 || !keyAt(text, first, 0)) return undefined;
    const node = reader.mapping(first, 0);
    const endLine = endLineOf(node);
    // Everything after the root mapping must be comments or blank.
    if (reader.nextContent(endLine + 1) < text.lineCount) return undefined;
    if (node.kind !== 'map') return undefined;
    return { text, root: node };
  } catch (error) {
    if (error instanceof NotOutlined) return undefined;
    throw error;
  }
}
