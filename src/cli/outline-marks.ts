// A document's outline (yaml-outline.ts) packed as numbers, which is the form the writer plans
// its edits on. The block reader packs the outline while it reads (one buffer per file); an
// outline read by outlineDocument is packed by marksOfOutline. Planning on the packed form saves
// the writer an object per node and entry, and a key sliced from the text per entry, which made
// `-o yaml`'s write of a large file measurably slower (docs/benchmarks.md, "Measured costs behind the code").
//
// Layout, in preorder from a node's first value:
//   mapping: MAP_MARK, column, entry count, end, then per entry: key index (in `keys`), line, last line, value
//   list:    SEQ_MARK, column, item count, end, then per item: line, last line, value
//   scalar:  LEAF_MARK (KEEPING_LEAF_MARK for a block scalar keeping its trailing lines), last line
//   nothing after `key:`: EMPTY_MARK
// `end` is the index just past the node's last value, so a planner can step over a node it
// does not look into.
import type { MapEntry, OutlineNode, OutlineRoot, SeqItem } from './yaml-outline.js';

export const MAP_MARK = 1;
export const SEQ_MARK = 2;
export const LEAF_MARK = 3;
export const EMPTY_MARK = 4;
export const KEEPING_LEAF_MARK = 5;

/** Where the outlines of documents are packed (the block reader uses one per file). */
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
}

/** A buffer twice as long (4096 at least) holding the same marks: the block reader writes its own. */
export function grownMarks(values: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(4096, values.length * 2));
  grown.set(values);
  return grown;
}

/** One document's outline: its root mapping's first mark. */
export interface MarkedOutline {
  marks: OutlineMarks;
  at: number;
}

/** The index just past the node whose first mark is at `at`. */
export function nodeEnd(values: Int32Array, at: number): number {
  const kind = values[at];
  if (kind === MAP_MARK || kind === SEQ_MARK) return values[at + 3];
  return kind === EMPTY_MARK ? at + 1 : at + 2;
}

/** outlineDocument's outline, packed. */
export function marksOfOutline(root: OutlineRoot): MarkedOutline {
  const marks = new OutlineMarks();
  const pack = (node: OutlineNode): void => {
    if (node.kind === 'leaf') {
      marks.push(node.keepsTrailingLines ? KEEPING_LEAF_MARK : LEAF_MARK);
      marks.push(node.endLine);
      return;
    }
    if (node.kind === 'empty') {
      marks.push(EMPTY_MARK);
      return;
    }
    const endAt = marks.length + 3;
    marks.push(node.kind === 'map' ? MAP_MARK : SEQ_MARK);
    marks.push(node.indent);
    marks.push(node.kind === 'map' ? node.entries.length : node.items.length);
    marks.push(0);
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        marks.push(marks.keys.length);
        marks.keys.push(entry.key);
        marks.push(entry.line);
        marks.push(entry.endLine);
        pack(entry.value);
      }
    } else {
      for (const item of node.items) {
        marks.push(item.line);
        marks.push(item.endLine);
        pack(item.value);
      }
    }
    marks.values[endAt] = marks.length;
  };
  pack(root);
  return { marks, at: 0 };
}

/** The packed outline as objects again (what outlineDocument gives), to compare the two. */
export function outlineOfMarks({ marks, at: first }: MarkedOutline): OutlineRoot {
  const { values, keys } = marks;
  let at = first;
  const node = (): OutlineNode => {
    const kind = values[at++];
    if (kind === LEAF_MARK || kind === KEEPING_LEAF_MARK) return { kind: 'leaf', endLine: values[at++], keepsTrailingLines: kind === KEEPING_LEAF_MARK };
    if (kind === EMPTY_MARK) return { kind: 'empty' };
    const column = values[at++];
    const count = values[at++];
    at++; // the end
    if (kind === MAP_MARK) {
      const entries: MapEntry[] = [];
      for (let i = 0; i < count; i++) {
        const key = keys[values[at++]];
        const line = values[at++];
        const endLine = values[at++];
        entries.push({ key, line, column, value: node(), endLine });
      }
      return { kind: 'map', indent: column, entries };
    }
    const items: SeqItem[] = [];
    for (let i = 0; i < count; i++) {
      const line = values[at++];
      const endLine = values[at++];
      items.push({ line, column, value: node(), endLine });
    }
    return { kind: 'seq', indent: column, items };
  };
  return node() as OutlineRoot;
}

/** How a document indents what it nests; new lines are written the same way. */
export interface Style {
  /** Spaces per nesting level, as the document indents its mappings (2 when it never nests). */
  indentStep: number;
  /** Whether the document writes a mapping's list at the key's own indentation (`ports:\n- a`). */
  compactSequences: boolean;
}

/** The style the outline shows first, in document order. */
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
    let p = at + 4;
    if (kind === MAP_MARK) {
      if (parentColumn >= 0 && column > parentColumn && indentStep === 0) indentStep = column - parentColumn;
      for (let i = 0; i < count; i++) {
        const value = p + 3;
        if (values[value] === SEQ_MARK && compact === -1) compact = values[value + 1] === column ? 1 : 0;
        visit(value, column);
        p = nodeEnd(values, value);
      }
    } else {
      for (let i = 0; i < count; i++) {
        visit(p + 2, -1);
        p = nodeEnd(values, p + 2);
      }
    }
  };
  visit(first, -1);
  return { indentStep: indentStep || 2, compactSequences: compact === 1 };
}
