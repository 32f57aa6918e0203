import ipaddr from 'ipaddr.js';
import { expect } from 'vitest';
import { AllocatorError, type ClusterIPAllocator } from '../src/index.js';
import { STORE } from '../src/internal.js';
import { kernelDebug } from '../src/kernel.js';

/** Everything observable about an allocator's allocation state (not its counters). */
export function allocationState(allocator: ClusterIPAllocator) {
  const { static: s, dynamic: d } = allocator.stats();
  return {
    used: allocator.used,
    free: allocator.free,
    staticUsed: s.used,
    dynamicUsed: d.used,
    ips: [...allocator],
    snapshot: Array.from(allocator.snapshot().data),
  };
}

/** fn's result as { value }, or its AllocatorError as { error: code }; anything else is rethrown. */
export function outcome(fn: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: fn() };
  } catch (error) {
    if (error instanceof AllocatorError) return { error: error.code };
    throw error;
  }
}

/** Runs fn, requires an AllocatorError with `code`, and returns it. */
export function expectAllocatorError(fn: () => unknown, code: string): AllocatorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AllocatorError);
    expect((error as AllocatorError).code).toBe(code);
    return error as AllocatorError;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

/** Address text for network + delta, formatted by ipaddr.js (independent of src/ formatting). */
export function addressAt(network: string, family: 4 | 6, delta: bigint): string {
  const bits = family === 4 ? 32 : 128;
  const base = BigInt('0x' + Buffer.from(ipaddr.parse(network).toByteArray()).toString('hex'));
  let value = BigInt.asUintN(bits, base + delta);
  const bytes: number[] = [];
  for (let i = 0; i < bits / 8; i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** A randomInt that replays a fixed list of draws (each taken modulo n) and logs every call. */
export function scriptedRandomInt(draws: readonly number[]) {
  let next = 0;
  const calls: bigint[] = [];
  const randomInt = (n: bigint): bigint => {
    calls.push(n);
    const draw = draws.length === 0 ? 0 : draws[next++ % draws.length];
    return BigInt(draw) % n;
  };
  return { randomInt, calls };
}

/** SplitMix64 and the rejection draw, reimplemented from the README's description. */
export function splitMix64RandomInt(seed: bigint) {
  let state = BigInt.asUintN(64, seed);
  const mask = (1n << 64n) - 1n;
  const nextU64 = () => {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  return (n: bigint): bigint => {
    if (n < 1n << 32n) {
      // Lemire's multiply-shift on the output's high 32 bits.
      const threshold = ((1n << 32n) - n) % n;
      for (;;) {
        const m = (nextU64() >> 32n) * n;
        if ((m & 0xffffffffn) >= threshold) return m >> 32n;
      }
    }
    const threshold = ((1n << 64n) - n) % n;
    for (;;) {
      const x = nextU64();
      if (x >= threshold) return x % n;
    }
  };
}

/**
 * The debug kernel's structural check on an allocator's block (0 = consistent). The property tests
 * run with the debug kernel (vitest.config.ts) and call this after every step.
 */
export function expectKernelInvariants(allocator: ClusterIPAllocator): void {
  const store = allocator[STORE]();
  if (store === null) return;
  expect(kernelDebug, 'property tests run with the debug kernel (vitest.config.ts)').toBeDefined();
  expect(store.checkInvariants(), `checkInvariants on ${allocator.cidr} (${store.kind})`).toBe(0);
}
