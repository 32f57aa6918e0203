// Compiles and instantiates the AssemblyScript kernel on first use (the first allocator), not at
// import: under a Content-Security-Policy that forbids compiling WebAssembly, everything that needs
// no kernel (parsing, describeRange, the errors) still loads and works, and the first allocator
// throws one typed error that names the fix. Every allocator in the realm shares the one instance
// and its memory; each owns a block identified by a handle.
// The exports' type and the constants' values are generated from the kernel build
// (generated/kernel-exports.ts), never repeated here.
import { AllocatorError } from './errors.js';
import { KERNEL_WASM_BASE64 } from './generated/kernel-wasm.js';
import { KERNEL_CONSTANTS, KERNEL_EXPORT_NAMES, type KernelDebugExports, type KernelExports } from './generated/kernel-exports.js';
import type { RandomInt } from './random-source.js';
import type { DrawModel, Strategy } from './strategy-names.js';

function decodeBase64(text: string): ArrayBuffer {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
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

/** An AssemblyScript string in kernel memory (UTF-16; its byte length sits in the 4 bytes before it). */
function kernelString(memory: WebAssembly.Memory, pointer: number): string {
  if (pointer === 0) return '';
  const bytes = new Uint32Array(memory.buffer, pointer - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, pointer, bytes >>> 1));
}

/**
 * The kernel, once loadKernel has run. Modules read it through this live binding on their hot
 * paths; every path into them starts at an allocator's constructor, which calls loadKernel first.
 */
export let kernel: KernelExports = undefined as unknown as KernelExports;
/** The debug kernel's extra exports, when the debug build is loaded (the property tests). */
export let kernelDebug: KernelDebugExports | undefined;

/**
 * Compiles and instantiates the kernel, once per realm. A compile the environment refuses (a
 * Content-Security-Policy without 'wasm-unsafe-eval', or no WebAssembly at all) is
 * ERR_KERNEL_UNAVAILABLE, with the environment's own error as its cause; the next call tries again.
 */
export function loadKernel(): KernelExports {
  if (kernel !== undefined) return kernel;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(decodeBase64(KERNEL_WASM_BASE64));
  } catch (error) {
    throw new AllocatorError(
      'ERR_KERNEL_UNAVAILABLE',
      `clusterip's WebAssembly kernel could not be compiled (${error instanceof Error ? error.message : String(error)}); ` +
        "allocators need it: under a Content-Security-Policy, add 'wasm-unsafe-eval' to script-src",
      { cause: error },
    );
  }
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(message: number, file: number, line: number, column: number) {
        const where = memory === undefined ? '' : ` at ${kernelString(memory, file)}:${line}:${column}`;
        throw new Error(`clusterip kernel aborted: ${memory === undefined ? message : kernelString(memory, message)}${where}`);
      },
    },
    clusterip: {
      // i64 crosses as a signed BigInt: read it unsigned, and hand back one that wraps to the same bits.
      drawBelow: (n: bigint) => checkedDraw(BigInt.asUintN(64, n)),
      drawU64: () => checkedDraw(TWO_64),
    },
  });
  const exported = instance.exports as Record<string, unknown>;
  for (const name of KERNEL_EXPORT_NAMES) {
    if (!(name in exported)) throw new Error(`clusterip kernel: export ${name} is missing`);
  }
  const loaded = instance.exports as unknown as KernelExports;
  memory = loaded.memory;
  kernelDebug = typeof exported.checkInvariants === 'function' ? (instance.exports as unknown as KernelDebugExports) : undefined;
  kernel = loaded;
  return loaded;
}

/** Kernel strategy ids, by the names the API uses. */
export const KERNEL_STRATEGY = {
  'random-scan': KERNEL_CONSTANTS.STRATEGY_RANDOM_SCAN,
  sequential: KERNEL_CONSTANTS.STRATEGY_SEQUENTIAL,
  uniform: KERNEL_CONSTANTS.STRATEGY_UNIFORM,
} as const satisfies Record<Strategy, number>;

/** Kernel draw models, by the names the API uses. */
export const KERNEL_DRAW_MODEL = { bitmap: KERNEL_CONSTANTS.DRAW_BITMAP, ipaddress: KERNEL_CONSTANTS.DRAW_IPADDRESS } as const satisfies Record<DrawModel, number>;

export const KERNEL_KIND = { dense: KERNEL_CONSTANTS.KIND_DENSE, sparse: KERNEL_CONSTANTS.KIND_SPARSE } as const;
export const FLAG_EXTERNAL_DRAWS = KERNEL_CONSTANTS.FLAG_EXTERNAL_DRAWS;
/** Byte offset of the u64 result slot in every block. */
export const RESULT_SLOT = KERNEL_CONSTANTS.RESULT_SLOT;

export const TRACE_OP = {
  ALLOCATE_NEXT: KERNEL_CONSTANTS.TRACE_ALLOCATE_NEXT,
  ALLOCATE: KERNEL_CONSTANTS.TRACE_ALLOCATE,
  RELEASE: KERNEL_CONSTANTS.TRACE_RELEASE,
  RELEASE_RECENT: KERNEL_CONSTANTS.TRACE_RELEASE_RECENT,
} as const;

/** Why runsDecode refused run-encoded data (0 when it did not). */
export const RUNS = {
  OK: KERNEL_CONSTANTS.RUNS_OK,
  TRUNCATED: KERNEL_CONSTANTS.RUNS_TRUNCATED,
  OVER_64_BITS: KERNEL_CONSTANTS.RUNS_OVER_64_BITS,
  VARINT_TOO_LONG: KERNEL_CONSTANTS.RUNS_VARINT_TOO_LONG,
  BEYOND_SIZE: KERNEL_CONSTANTS.RUNS_BEYOND_SIZE,
  TOO_MANY: KERNEL_CONSTANTS.RUNS_TOO_MANY,
  TRAILING: KERNEL_CONSTANTS.RUNS_TRAILING,
  BAD_MAGIC: KERNEL_CONSTANTS.RUNS_BAD_MAGIC,
  BAD_VERSION: KERNEL_CONSTANTS.RUNS_BAD_VERSION,
} as const;

export const TRACE_FAIL = {
  FULL: KERNEL_CONSTANTS.TRACE_FAIL_FULL,
  ALLOCATED: KERNEL_CONSTANTS.TRACE_FAIL_ALLOCATED,
  NOT_IN_RANGE: KERNEL_CONSTANTS.TRACE_FAIL_NOT_IN_RANGE,
  NO_RECENT: KERNEL_CONSTANTS.TRACE_FAIL_NO_RECENT,
  BAD_OP: KERNEL_CONSTANTS.TRACE_FAIL_BAD_OP,
  DRAWS: KERNEL_CONSTANTS.TRACE_FAIL_DRAWS,
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
// Empty until the kernel loads: their buffer is then not the kernel's, so the first read re-takes them.
export const views: { u32: Uint32Array; u64: BigUint64Array } = { u32: new Uint32Array(0), u64: new BigUint64Array(0) };

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
