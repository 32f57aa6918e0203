// Baseline: an optimized pure-JS allocator with the same semantics as Kubernetes — Uint32Array
// words scanned a word at a time with Math.clz32, but no summary levels, so a nearly full range
// still costs a word per 32 taken addresses.

function lowestSetBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class WordScannerAllocator {
  readonly words: Uint32Array;
  count = 0;

  constructor(readonly max: number, readonly bandOffset: number, readonly random: () => number) {
    this.words = new Uint32Array((max + 31) >>> 5);
  }

  // First free offset in [lo, hi) at or after start, wrapping once to lo; -1 when none.
  #findFree(lo: number, hi: number, start: number): number {
    const found = this.#firstFreeBetween(start, hi);
    return found >= 0 ? found : this.#firstFreeBetween(lo, start);
  }

  #firstFreeBetween(from: number, to: number): number {
    if (from >= to) return -1;
    let wordIndex = from >>> 5;
    let free = ~this.words[wordIndex] & (0xffffffff << (from & 31));
    const lastWord = (to - 1) >>> 5;
    while (free === 0) {
      if (wordIndex === lastWord) return -1;
      free = ~this.words[++wordIndex];
    }
    const offset = (wordIndex << 5) + lowestSetBit(free);
    return offset < to ? offset : -1;
  }

  allocateNext(): number {
    if (this.count >= this.max) return -1;
    const upper = this.max - this.bandOffset;
    let found = this.#findFree(this.bandOffset, this.max, this.bandOffset + Math.floor(this.random() * upper));
    if (found < 0) found = this.#findFree(0, this.bandOffset, Math.floor(this.random() * this.bandOffset));
    if (found >= 0) this.#take(found);
    return found;
  }

  allocate(offset: number): boolean {
    if (offset < 0 || offset >= this.max || this.has(offset)) return false;
    this.#take(offset);
    return true;
  }

  has(offset: number): boolean {
    return offset >= 0 && offset < this.max && ((this.words[offset >>> 5] >>> (offset & 31)) & 1) === 1;
  }

  release(offset: number): boolean {
    if (!this.has(offset)) return false;
    this.words[offset >>> 5] &= ~(1 << (offset & 31));
    this.count--;
    return true;
  }

  // Words are little-endian bit order, so the integer's bytes are the words' bytes reversed.
  snapshot(): Uint8Array {
    const bytes = new Uint8Array(this.words.buffer, 0, (this.max + 7) >>> 3);
    let length = bytes.length;
    while (length > 0 && bytes[length - 1] === 0) length--;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = bytes[length - 1 - i];
    return out;
  }

  restore(data: Uint8Array): void {
    this.words.fill(0);
    const bytes = new Uint8Array(this.words.buffer);
    for (let i = 0; i < data.length; i++) bytes[i] = data[data.length - 1 - i];
    let count = 0;
    for (const word of this.words) {
      let w = word;
      while (w !== 0) {
        w &= w - 1;
        count++;
      }
    }
    this.count = count;
  }

  #take(offset: number): void {
    this.words[offset >>> 5] |= 1 << (offset & 31);
    this.count++;
  }
}
