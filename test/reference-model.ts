// A deliberately simple model of Kubernetes' allocator, written from kubernetes-semantics.md alone:
// one boolean per usable address, a linear scan, and big-integer snapshot bytes. It shares no code
// with src/ or assembly/, so agreeing with it means something.

export type ModelError = 'ERR_NOT_IN_RANGE' | 'ERR_ALLOCATED' | 'ERR_FULL';
export type ModelStrategy = 'random-scan' | 'sequential' | 'uniform';

export function modelBandOffset(cidrSize: bigint): number {
  if (cidrSize <= 16n) return 0;
  return Number([16n, cidrSize / 16n, 256n].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[1]);
}

export class ReferenceAllocator {
  readonly taken: boolean[];
  used = 0;

  constructor(
    readonly usable: number,
    readonly band: number,
    readonly randomInt: (n: bigint) => bigint,
    readonly strategy: ModelStrategy = 'random-scan',
  ) {
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
    if (this.strategy === 'sequential') return this.#take(this.#freeIn(this.band, this.usable)[0] ?? this.#freeIn(0, this.band)[0]);
    if (this.strategy === 'uniform') {
      const upperFree = this.#freeIn(this.band, this.usable);
      const pool = upperFree.length > 0 ? upperFree : this.#freeIn(0, this.band);
      return this.#take(pool[Number(this.randomInt(BigInt(pool.length)))]);
    }
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

  #freeIn(lo: number, hi: number): number[] {
    const free: number[] = [];
    for (let k = lo; k < hi; k++) if (!this.taken[k]) free.push(k);
    return free;
  }

  #take(k: number): number {
    this.taken[k] = true;
    this.used++;
    return k;
  }
}

/** The same algorithm over a Set of bigint offsets, for ranges far too large for an array. */
export class SparseReferenceAllocator {
  readonly taken = new Set<bigint>();

  constructor(readonly usable: bigint, readonly band: bigint, readonly randomInt: (n: bigint) => bigint) {}

  allocateOffset(k: bigint): ModelError | null {
    if (!(k >= 0n && k < this.usable)) return 'ERR_NOT_IN_RANGE';
    if (this.taken.has(k)) return 'ERR_ALLOCATED';
    this.taken.add(k);
    return null;
  }

  next(): bigint | ModelError {
    if (BigInt(this.taken.size) === this.usable) return 'ERR_FULL';
    const upper = this.usable - this.band;
    const start = this.randomInt(upper);
    // Linear, one address at a time: runs stay as short as the test's operation count.
    for (let i = 0n; i < upper; i++) {
      const k = this.band + ((start + i) % upper);
      if (!this.taken.has(k)) return this.#take(k);
    }
    const lowStart = this.randomInt(this.band);
    for (let i = 0n; i < this.band; i++) {
      const k = (lowStart + i) % this.band;
      if (!this.taken.has(k)) return this.#take(k);
    }
    throw new Error('model: full but counted free');
  }

  release(k: bigint): boolean {
    return this.taken.delete(k);
  }

  has(k: bigint): boolean {
    return this.taken.has(k);
  }

  offsets(): bigint[] {
    return [...this.taken].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  #take(k: bigint): bigint {
    this.taken.add(k);
    return k;
  }
}
