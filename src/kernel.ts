// Instantiates the AssemblyScript kernel once, synchronously, at import. Every allocator in the
// process shares this one instance and its memory; each owns a block identified by a handle.
// The exports' type is generated from the kernel build (generated/kernel-exports.ts), and the
// constants the kernel defines (kinds, strategies, draw models, trace operations) are read from
// its exported globals rather than repeated here.
import { instantiateSync } from '@assemblyscript/loader';
import { KERNEL_WASM_BASE64 } from './generated/kernel-wasm.js';
import { KERNEL_EXPORT_NAMES, type KernelDebugExports, type KernelExports } from './generated/kernel-exports.js';
import type { RandomInt } from './random-source.js';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const TWO_64 = 1n << 64n;

// The caller's randomInt for the kernel call in progress (allocators with external draws set it
// around each call; see withDraws). The kernel imports these two functions.
let activeRandomInt: RandomInt | undefined;

/**
 * Non-zero while a caller's randomInt runs. The kernel is part way through an operation then (and
 * the scratch block may hold its work), so every allocator refuses to be entered — the same one or
 * another — until the draw returns (ERR_REENTRANT; see ClusterIPAllocator).
 */
export let drawsRunning = 0;

function checkedDraw(bound: bigint): bigint {
  const randomInt = activeRandomInt;
  if (randomInt === undefined) throw new Error('clusterip kernel: an external draw outside an allocator call');
  let value: bigint;
  drawsRunning++;
  try {
    value = randomInt(bound);
  } finally {
    drawsRunning--;
  }
  if (typeof value !== 'bigint' || value < 0n || value >= bound) {
    throw new RangeError(`randomInt(${bound}n) returned ${typeof value === 'bigint' ? `${value}n` : String(value)}; expected a bigint in [0, ${bound})`);
  }
  return value;
}

const imports = {
  clusterip: {
    // i64 crosses as a signed BigInt: read it unsigned, and hand back one that wraps to the same bits.
    drawBelow: (n: bigint) => checkedDraw(BigInt.asUintN(64, n)),
    drawU64: () => checkedDraw(TWO_64),
  },
};

// The loader supplies `abort` with readable messages; we call the raw instance exports because the
// loader's wrappers add a rest-arguments closure to every call, which the hot path cannot afford.
const { instance } = instantiateSync(decodeBase64(KERNEL_WASM_BASE64), imports);
const exported = instance.exports as Record<string, unknown>;
for (const name of KERNEL_EXPORT_NAMES) {
  if (!(name in exported)) throw new Error(`clusterip kernel: export ${name} is missing`);
}

export const kernel = instance.exports as unknown as KernelExports;

/** The debug kernel's extra exports, when the debug build is loaded (the property tests). */
export const kernelDebug: KernelDebugExports | undefined =
  typeof exported.checkInvariants === 'function' ? (instance.exports as unknown as KernelDebugExports) : undefined;

const constant = (global: WebAssembly.Global) => Number(global.value) >>> 0;

/** Kernel strategy ids, by the names the API uses. */
export const KERNEL_STRATEGY = {
  'random-scan': constant(kernel.STRATEGY_RANDOM_SCAN),
  sequential: constant(kernel.STRATEGY_SEQUENTIAL),
  uniform: constant(kernel.STRATEGY_UNIFORM),
} as const;

/** Kernel draw models, by the names the API uses. */
export const KERNEL_DRAW_MODEL = { bitmap: constant(kernel.DRAW_BITMAP), ipaddress: constant(kernel.DRAW_IPADDRESS) } as const;

export const KERNEL_KIND = { dense: constant(kernel.KIND_DENSE), sparse: constant(kernel.KIND_SPARSE) } as const;
export const FLAG_EXTERNAL_DRAWS = constant(kernel.FLAG_EXTERNAL_DRAWS);
/** Byte offset of the u64 result slot in every block. */
export const RESULT_SLOT = constant(kernel.RESULT_SLOT);

export const TRACE_OP = {
  ALLOCATE_NEXT: constant(kernel.TRACE_ALLOCATE_NEXT),
  ALLOCATE: constant(kernel.TRACE_ALLOCATE),
  RELEASE: constant(kernel.TRACE_RELEASE),
  RELEASE_RECENT: constant(kernel.TRACE_RELEASE_RECENT),
} as const;

/** Why runsDecode refused run-encoded data (0 when it did not). */
export const RUNS = {
  OK: constant(kernel.RUNS_OK),
  TRUNCATED: constant(kernel.RUNS_TRUNCATED),
  OVER_64_BITS: constant(kernel.RUNS_OVER_64_BITS),
  VARINT_TOO_LONG: constant(kernel.RUNS_VARINT_TOO_LONG),
  BEYOND_SIZE: constant(kernel.RUNS_BEYOND_SIZE),
  TOO_MANY: constant(kernel.RUNS_TOO_MANY),
  TRAILING: constant(kernel.RUNS_TRAILING),
  BAD_MAGIC: constant(kernel.RUNS_BAD_MAGIC),
  BAD_VERSION: constant(kernel.RUNS_BAD_VERSION),
} as const;

export const TRACE_FAIL = {
  FULL: constant(kernel.TRACE_FAIL_FULL),
  ALLOCATED: constant(kernel.TRACE_FAIL_ALLOCATED),
  NOT_IN_RANGE: constant(kernel.TRACE_FAIL_NOT_IN_RANGE),
  NO_RECENT: constant(kernel.TRACE_FAIL_NO_RECENT),
  BAD_OP: constant(kernel.TRACE_FAIL_BAD_OP),
  DRAWS: constant(kernel.TRACE_FAIL_DRAWS),
} as const;

/** Runs fn with randomInt as the source of the kernel's external draws (restored afterwards). */
export function withDraws<T>(randomInt: RandomInt, fn: () => T): T {
  const previous = activeRandomInt;
  activeRandomInt = randomInt;
  try {
    return fn();
  } finally {
    activeRandomInt = previous;
  }
}

// Views over kernel memory, re-taken after growth. A view over a grown (detached) buffer reads
// undefined at every index, which is how the hot path notices without asking.
export const views = { u32: new Uint32Array(kernel.memory.buffer), u64: new BigUint64Array(kernel.memory.buffer) };

/** The u32 at index `index` (byte address / 4) of kernel memory, e.g. the low half of a result slot. */
export function readU32(index: number): number {
  const value = views.u32[index];
  return value === undefined ? memoryU32()[index] : value;
}

export function memoryU32(): Uint32Array {
  if (views.u32.buffer !== kernel.memory.buffer) views.u32 = new Uint32Array(kernel.memory.buffer);
  return views.u32;
}

/** A BigUint64Array over all of kernel memory; index = byte address / 8. */
export function memoryU64(): BigUint64Array {
  if (views.u64.buffer !== kernel.memory.buffer) views.u64 = new BigUint64Array(kernel.memory.buffer);
  return views.u64;
}

/** `bytes` of the shared scratch block; its address (memory may have grown, re-view after). */
export function scratch(bytes: number): number {
  return kernel.scratch(Math.max(8, bytes)) >>> 0;
}
