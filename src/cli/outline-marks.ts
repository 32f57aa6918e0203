// The outline of a YAML document: where its mappings, lists and scalars sit in the text, packed as
// numbers. It is the only form an outline takes: the block reader (yaml-block-reader.ts) packs it
// while it reads a document's value, the outliner (yaml-outline.ts) packs it for a document
// js-yaml read, and the writer (yaml-edit.ts) plans its splices on it. Packed, an outline costs
// the garbage collector nothing per node, which made `-o yaml`'s write of a large file measurably
// faster than outline objects did (docs/benchmarks.md, "Measured costs behind the code").
//
// Layout, in preorder from a node's first value (lines count from the document text's first):
//   block mapping: MAP_MARK, column, entry count, end, last line,
//                  then per entry: key index (in `keys`), line, last line, value
//   block list:    SEQ_MARK, column, item count, end, last line,
//                  then per item: line, last line, value
//   flow mapping:  FLOW_MAP_MARK, offset of "}", entry count, end, last line,
//                  then per entry: key index, key offset, value offset, value end offset, value
//   flow list:     FLOW_SEQ_MARK, offset of "]", item count, end, last line,
//                  then per item: offset, end offset, value
//   scalar:        LEAF_MARK (KEEPING_LEAF_MARK for a block scalar keeping its trailing lines), last line
//   nothing after `key:`: EMPTY_MARK
// `end` is the index just past the node's last value, so a planner can step over a node it does
// not look into. Offsets count from the document text's start.

export const MAP_MARK = 1;
export const SEQ_MARK = 2;
export const LEAF_MARK = 3;
export const EMPTY_MARK = 4;
export const KEEPING_LEAF_MARK = 5;
export const FLOW_MAP_MARK = 6;
export const FLOW_SEQ_MARK = 7;

/** How many values a collection's header holds before its first entry or item. */
export const HEADER = 5;
/** Values per entry or item before its value node. */
export const MAP_ENTRY = 3;
export const SEQ_ITEM = 2;
export const FLOW_ENTRY = 4;
export const FLOW_ITEM = 2;

/** Where the outlines of documents are packed (one per file: the documents follow each other). */
export class OutlineMarks {
  values = new Int32Array(4096);
  /** How many of `values` hold outlines (a declined document's marks past it are void). */
  length = 0;
  /**
   * The mapping keys, as the strings the documents' objects were given (a mark holds the index).
   * The writer looks keys up in the objects: a key sliced afresh from the text would be hashed
   * and found in V8's string table on every lookup.
   */
  readonly keys: string[] = [];

  push(value: number): void {
    if (this.length === this.values.length) this.values = grownMarks(this.values);
    this.values[this.length++] = value;
  }

  /** Opens a collection: its header with the count, end and last line to be set by close(). */
  open(kind: number, position: number): number {
    const at = this.length;
    this.push(kind);
    this.push(position);
    this.push(0);
    this.push(0);
    this.push(0);
    return at;
  }

  close(at: number, count: number, lastLine: number): void {
    this.values[at + 2] = count;
    this.values[at + 3] = this.length;
    this.values[at + 4] = lastLine;
  }

  key(key: string): void {
    this.push(this.keys.length);
    this.keys.push(key);
  }
}

/** A buffer twice as long (4096 at least) holding the same marks: the block reader writes its own. */
export function grownMarks(values: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(4096, values.length * 2));
  grown.set(values);
  return grown;
}

/** One document's outline: its root node's first mark. */
export interface MarkedOutline {
  marks: OutlineMarks;
  at: number;
}

export const isCollection = (kind: number) => kind === MAP_MARK || kind === SEQ_MARK || kind === FLOW_MAP_MARK || kind === FLOW_SEQ_MARK;

/** The index just past the node whose first mark is at `at`. */
export function nodeEnd(values: Int32Array, at: number): number {
  const kind = values[at];
  if (isCollection(kind)) return values[at + 3];
  return kind === EMPTY_MARK ? at + 1 : at + 2;
}

/** The last line holding any of the node (an empty node: `keyLine`, where its key is). */
export function lastLineOf(values: Int32Array, at: number, keyLine: number): number {
  const kind = values[at];
  if (kind === EMPTY_MARK) return keyLine;
  return isCollection(kind) ? values[at + 4] : values[at + 1];
}

/** How a document indents what it nests; new lines are written the same way. */
export interface Style {
  /** Spaces per nesting level, as the document indents its mappings (2 when it never nests). */
  indentStep: number;
  /** Whether the document writes a mapping's list at the key's own indentation (`ports:\n- a`). */
  compactSequences: boolean;
}

/** The style the outline's block collections show first, in document order. */
export function styleOfMarks({ marks, at: first }: MarkedOutline): Style {
  const { values } = marks;
  let indentStep = 0;
  let compact = -1;
  // `parentColumn`: the column of the mapping whose entry holds the node, -1 for a list item or the root.
  const visit = (at: number, parentColumn: number): void => {
    const kind = values[at];
    if (kind !== MAP_MARK && kind !== SEQ_MARK) return;
    const column = values[at + 1];
    const count = values[at + 2];
    let p = at + HEADER;
    if (kind === MAP_MARK) {
      if (parentColumn >= 0 && column > parentColumn && indentStep === 0) indentStep = column - parentColumn;
      for (let i = 0; i < count; i++) {
        const value = p + MAP_ENTRY;
        if (values[value] === SEQ_MARK && compact === -1) compact = values[value + 1] === column ? 1 : 0;
        visit(value, column);
        p = nodeEnd(values, value);
      }
    } else {
      for (let i = 0; i < count; i++) {
        visit(p + SEQ_ITEM, -1);
        p = nodeEnd(values, p + SEQ_ITEM);
      }
    }
  };
  visit(first, -1);
  return { indentStep: indentStep || 2, compactSequences: compact === 1 };
}
