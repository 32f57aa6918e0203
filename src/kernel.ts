// Instantiates the AssemblyScript kernel once, synchronously, at import. Every allocator in the
// process shares this one instance and its memory; each owns a block identified by a handle.
import { instantiateSync } from '@assemblyscript/loader';
import { KERNEL_WASM_BASE64 } from './generated/kernel-wasm.js';

export interface Kernel {
  readonly memory: WebAssembly.Memory;
  create(size: number, band: number, strategy: number, seedLow: number, seedHigh: number, drawModel: number): number;
  destroy(handle: number): void;
  scratch(bytes: number): number;
  footprint(handle: number): number;
  used(handle: number): number;
  usedStatic(handle: number): number;
  has(handle: number, offset: number): number;
  take(handle: number, offset: number): number;
  release(handle: number, offset: number): number;
  takeNext(handle: number): number;
  takeUpperFrom(handle: number, start: number): number;
  takeLowerFrom(handle: number, start: number): number;
  takeUpperRank(handle: number, rank: number): number;
  takeLowerRank(handle: number, rank: number): number;
  freeUpper(handle: number): number;
  freeLower(handle: number): number;
  takeMany(handle: number, count: number, out: number): void;
  releaseMany(handle: number, input: number, count: number): number;
  exportOffsets(handle: number, from: number, out: number, max: number): number;
  snapshotBytesNeeded(handle: number): number;
  snapshotWrite(handle: number, out: number): number;
  snapshotRead(handle: number, data: number, length: number): number;
  // sparse ranges: 64-bit offsets as (low, high) u32 pairs; results in the register at sparseResultPtr
  sparseCreate(sizeLow: number, sizeHigh: number, band: number, strategy: number, seedLow: number, seedHigh: number, drawModel: number): number;
  sparseWideStart(handle: number, low: number, high: number): void;
  sparseDestroy(handle: number): void;
  sparseReset(handle: number): void;
  sparseResultPtr(handle: number): number;
  sparseUsed(handle: number): number;
  sparseUsedStatic(handle: number): number;
  sparseFootprint(handle: number): number;
  sparseHas(handle: number, low: number, high: number): number;
  sparseTake(handle: number, low: number, high: number): number;
  sparseRelease(handle: number, low: number, high: number): number;
  sparseTakeNext(handle: number): number;
  sparseTakeUpperFrom(handle: number, low: number, high: number): number;
  sparseTakeLowerFrom(handle: number, start: number): number;
  sparseTakeLowerRank(handle: number, rank: number): number;
  sparseTakeMany(handle: number, count: number, out: number): void;
  sparseTakeRun(handle: number, startLow: number, startHigh: number, count: number): void;
  sparseSortedOffsets(handle: number, out: number): number;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// The loader supplies `abort` with readable messages; we call the raw instance exports because the
// loader's wrappers add a rest-arguments closure to every call, which the hot path cannot afford.
const { instance } = instantiateSync(decodeBase64(KERNEL_WASM_BASE64), {});

export const kernel = instance.exports as unknown as Kernel;

/** Kernel strategy ids (assembly/allocate.ts). */
export const KERNEL_STRATEGY = { 'random-scan': 0, sequential: 1, uniform: 2 } as const;

/** Kernel draw-model ids (assembly/layout.ts DRAW_MODEL_*). */
export const KERNEL_DRAW_MODEL = { bitmap: 0, ipaddress: 1 } as const;

/** A Uint32Array over `count` u32 slots of the scratch block; re-taken per use since memory may grow. */
export function scratchU32(count: number): { pointer: number; view: Uint32Array } {
  const pointer = kernel.scratch(Math.max(4, count * 4)) >>> 0;
  return { pointer, view: new Uint32Array(kernel.memory.buffer, pointer, count) };
}

let u64View = new BigUint64Array(kernel.memory.buffer);

/** A BigUint64Array over all of kernel memory, re-taken after growth; index = byte address / 8. */
export function memoryU64(): BigUint64Array {
  if (u64View.buffer !== kernel.memory.buffer) u64View = new BigUint64Array(kernel.memory.buffer);
  return u64View;
}

export function scratchBytes(count: number): { pointer: number; view: Uint8Array } {
  const pointer = kernel.scratch(Math.max(4, count)) >>> 0;
  return { pointer, view: new Uint8Array(kernel.memory.buffer, pointer, count) };
}
