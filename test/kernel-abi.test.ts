// The kernel's TypeScript typings (src/generated/kernel-exports.ts, written by the build from the
// compiler's own declarations) must describe the wasm the package ships: every export named, each
// function with its parameter count, each constant a global, and nothing exported that is untyped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_CONSTANTS, KERNEL_EXPORT_NAMES } from '../src/generated/kernel-exports.js';
import { KERNEL_WASM_BASE64 } from '../src/generated/kernel-wasm.js';
import { KERNEL_WASM_BASE64 as DEBUG_WASM_BASE64 } from '../src/generated/kernel-debug-wasm.js';

const typings = readFileSync(new URL('../src/generated/kernel-exports.ts', import.meta.url), 'utf8');

/** name -> parameter count (functions) or 'global', read from one interface's body. */
function declared(interfaceName: string): Map<string, number | 'global'> {
  const body = typings.match(new RegExp(`interface ${interfaceName} \\{([\\s\\S]*?)\\n\\}`))?.[1];
  if (body === undefined) throw new Error(`no interface ${interfaceName} in kernel-exports.ts`);
  const members = new Map<string, number | 'global'>();
  for (const line of body.split('\n')) {
    const method = line.match(/^\s+(\w+)\(([^)]*)\)/);
    if (method) members.set(method[1], method[2].trim() === '' ? 0 : method[2].split(',').length);
    const global = line.match(/^\s+readonly (\w+): WebAssembly\.Global;/);
    if (global) members.set(global[1], 'global');
  }
  return members;
}

function instantiate(base64: string): WebAssembly.Instance {
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  return new WebAssembly.Instance(module, {
    env: { abort: () => { throw new Error('abort'); } },
    clusterip: { drawBelow: () => 0n, drawU64: () => 0n },
  });
}

function shipped(base64: string): Map<string, number | 'global' | 'memory'> {
  const instance = instantiate(base64);
  const members = new Map<string, number | 'global' | 'memory'>();
  for (const [name, value] of Object.entries(instance.exports)) {
    members.set(name, value instanceof WebAssembly.Global ? 'global' : value instanceof WebAssembly.Memory ? 'memory' : (value as (...args: unknown[]) => unknown).length);
  }
  return members;
}

describe('kernel typings', () => {
  it('describe every export of the release kernel, with parameter counts', () => {
    const types = declared('KernelExports');
    const actual = shipped(KERNEL_WASM_BASE64);
    expect(actual.get('memory')).toBe('memory');
    actual.delete('memory');
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(types));
    expect([...KERNEL_EXPORT_NAMES].sort()).toEqual([...types.keys()].sort());
  });

  it('describe the debug kernel as the release exports plus KernelDebugExports', () => {
    const types = new Map([...declared('KernelExports'), ...declared('KernelDebugExports')]);
    const actual = shipped(DEBUG_WASM_BASE64);
    actual.delete('memory');
    expect(types.get('checkInvariants')).toBe(1);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(types));
  });

  it('carry the values of every constant both kernels export (the library reads them before compiling)', () => {
    for (const base64 of [KERNEL_WASM_BASE64, DEBUG_WASM_BASE64]) {
      const globals = Object.entries(instantiate(base64).exports).filter(([, v]) => v instanceof WebAssembly.Global);
      expect(Object.fromEntries(globals.map(([name, g]) => [name, Number((g as WebAssembly.Global).value) >>> 0]))).toEqual(KERNEL_CONSTANTS);
    }
  });
});

// The kernel is committed (src/generated/), so installing from a clone compiles no wasm. Its
// fingerprint is a hash of everything the compile reads: when assembly/ changes without a rebuild,
// this fails, and CI's `build-kernel.mjs --check` recompiles and compares the bytes.
describe('the committed kernel', () => {
  it('was built from the assembly/ sources as they are', () => {
    const root = join(import.meta.dirname, '..');
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'build-kernel.mjs'), '--fingerprint-only'], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(readFileSync(join(root, 'src', 'generated', 'kernel.fingerprint'), 'utf8'));
  });
});
