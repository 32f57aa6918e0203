// Baseline: Kubernetes' bitmap allocator behaviour in plain TypeScript, as the API server runs it —
// a bit-at-a-time scan from a random start with wrap, upper band first, then the static band.
// Written by us from kubernetes-semantics.md §2; it is what clusterip is measured against.

export class KubernetesPortAllocator {
  readonly bits: Uint8Array;
  count = 0;

  constructor(readonly max: number, readonly bandOffset: number, readonly random: () => number = Math.random) {
    this.bits = new Uint8Array(max);
  }

  #intn(n: number): number {
    return Math.floor(this.random() * n);
  }

  allocateNext(): number {
    if (this.count >= this.max) return -1;
    const upper = this.max - this.bandOffset;
    const start = this.#intn(upper);
    for (let i = 0; i < upper; i++) {
      const at = this.bandOffset + ((start + i) % upper);
      if (this.bits[at] === 0) return this.#take(at);
    }
    const lowStart = this.#intn(this.bandOffset);
    for (let i = 0; i < this.bandOffset; i++) {
      const at = (lowStart + i) % this.bandOffset;
      if (this.bits[at] === 0) return this.#take(at);
    }
    return -1;
  }

  allocate(offset: number): boolean {
    if (offset < 0 || offset >= this.max || this.bits[offset] === 1) return false;
    this.#take(offset);
    return true;
  }

  has(offset: number): boolean {
    return offset >= 0 && offset < this.max && this.bits[offset] === 1;
  }

  // RangeAllocation bytes: the bitmap as a big-endian integer without leading zero bytes, built
  // bit by bit the way big.Int.SetBit + Bytes() would produce it.
  snapshot(): Uint8Array {
    let top = this.max - 1;
    while (top >= 0 && this.bits[top] === 0) top--;
    const length = top < 0 ? 0 : (top >> 3) + 1;
    const out = new Uint8Array(length);
    for (let k = 0; k <= top; k++) if (this.bits[k] === 1) out[length - 1 - (k >> 3)] |= 1 << (k & 7);
    return out;
  }

  restore(data: Uint8Array): void {
    this.bits.fill(0);
    this.count = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[data.length - 1 - i];
      for (let bit = 0; bit < 8; bit++) {
        if ((byte >> bit) & 1) {
          this.bits[i * 8 + bit] = 1;
          this.count++;
        }
      }
    }
  }

  release(offset: number): boolean {
    if (offset < 0 || offset >= this.max || this.bits[offset] === 0) return false;
    this.bits[offset] = 0;
    this.count--;
    return true;
  }

  #take(offset: number): number {
    this.bits[offset] = 1;
    this.count++;
    return offset;
  }
}
