// A deliberately simple model of Kubernetes' allocator, written from kubernetes-semantics.md alone:
// one boolean per usable address, a linear scan, and big-integer snapshot bytes. It shares no code
// with src/ or assembly/, so agreeing with it means something.

export type ModelError = 'ERR_NOT_IN_RANGE' | 'ERR_ALLOCATED' | 'ERR_FULL';

export function modelBandOffset(cidrSize: bigint): number {
  if (cidrSize <= 16n) return 0;
  return Number([16n, cidrSize / 16n, 256n].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[1]);
}

export class ReferenceAllocator {
  readonly taken: boolean[];
  used = 0;

  constructor(readonly usable: number, readonly band: number, readonly randomInt: (n: bigint) => bigint) {
    this.taken = new Array<boolean>(usable).fill(false);
  }

  allocateOffset(k: number): ModelError | null {
    if (!(k >= 0 && k < this.usable)) return 'ERR_NOT_IN_RANGE';
    if (this.taken[k]) return 'ERR_ALLOCATED';
    this.taken[k] = true;
    this.used++;
    return null;
  }

  next(): number | ModelError {
    if (this.used === this.usable) return 'ERR_FULL';
    const upper = this.usable - this.band;
    const start = Number(this.randomInt(BigInt(upper)));
    for (let i = 0; i < upper; i++) {
      const k = this.band + ((start + i) % upper);
      if (!this.taken[k]) return this.#take(k);
    }
    const lowStart = Number(this.randomInt(BigInt(this.band)));
    for (let i = 0; i < this.band; i++) {
      const k = (lowStart + i) % this.band;
      if (!this.taken[k]) return this.#take(k);
    }
    throw new Error('model: used count disagrees with the bits');
  }

  release(k: number): boolean {
    if (!(k >= 0 && k < this.usable) || !this.taken[k]) return false;
    this.taken[k] = false;
    this.used--;
    return true;
  }

  has(k: number): boolean {
    return k >= 0 && k < this.usable && this.taken[k];
  }

  offsets(): number[] {
    const out: number[] = [];
    this.taken.forEach((t, k) => t && out.push(k));
    return out;
  }

  // Bit k of one big integer, big-endian bytes, no leading zeros.
  snapshotBytes(): Uint8Array {
    let value = 0n;
    for (let k = this.usable - 1; k >= 0; k--) value = (value << 1n) | (this.taken[k] ? 1n : 0n);
    const bytes: number[] = [];
    while (value > 0n) {
      bytes.unshift(Number(value & 0xffn));
      value >>= 8n;
    }
    return Uint8Array.from(bytes);
  }

  #take(k: number): number {
    this.taken[k] = true;
    this.used++;
    return k;
  }
}
