// Where a document read from a YAML file came from: its own bytes, the bytes around it that belong
// to no other document, and its outline. The reader (manifests.ts) makes one per document and the
// writer (yaml-edit.ts) gives every byte back, changed only where the run changed a field, so a
// file's documents written back to back are the file again.
import type { MarkedOutline } from './outline-marks.js';

export interface DocumentText {
  /**
   * Bytes before the document that belong to no other document: a byte order mark, empty and
   * comment-only documents with their markers.
   */
  readonly before: string;
  /** The document as it was read: "\n" line breaks (a "\r\n" file's "\r" are taken out). */
  readonly text: string;
  /** The document's bytes as the file holds them (`text` with its "\r" put back). */
  readonly original: string;
  /** Bytes after it: a "..." end marker and what follows it, or the file's trailing comments and markers. */
  readonly after: string;
  /** Where `original` has the "\r" that `text` lacks; undefined when they are the same. */
  readonly returns: CarriageReturns | undefined;
  /** The outline of `text`, when the block reader read it; the writer outlines other documents itself. */
  readonly outline: MarkedOutline | undefined;
}

/**
 * Offsets of a text with "\r\n" line breaks, from offsets of the same text with "\n" (what the
 * reader reads). `removed` holds, in order, the "\n"-text offset of every line break whose "\r"
 * was taken out.
 */
export class CarriageReturns {
  private constructor(private readonly removed: readonly number[]) {}

  /** The text with every "\r\n" as "\n", and where the "\r" were (undefined when there were none). */
  static takeOut(original: string): { text: string; returns: CarriageReturns | undefined } {
    if (!original.includes('\r\n')) return { text: original, returns: undefined };
    const removed: number[] = [];
    let text = '';
    let from = 0;
    for (let at = original.indexOf('\r\n'); at !== -1; at = original.indexOf('\r\n', at + 2)) {
      text += original.slice(from, at);
      removed.push(text.length);
      from = at + 1;
    }
    text += original.slice(from);
    return { text, returns: new CarriageReturns(removed) };
  }

  /** The original offset of a "\n"-text offset (a line break's offset maps to before its "\r"). */
  originalOffset(offset: number): number {
    const { removed } = this;
    let low = 0;
    let high = removed.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (removed[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return offset + low;
  }

  /** Whether most line breaks were "\r\n" (new lines are written the same way). */
  static dominant(original: string): '\r\n' | '\n' {
    let crlf = 0;
    let lf = 0;
    for (let at = original.indexOf('\n'); at !== -1; at = original.indexOf('\n', at + 1)) {
      if (at > 0 && original.charCodeAt(at - 1) === 13) crlf++;
      else lf++;
    }
    return crlf > lf ? '\r\n' : '\n';
  }
}
