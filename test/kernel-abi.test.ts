// The kernel's TypeScript typings (src/generated/kernel-exports.ts, written by the build from the
// compiler's own declarations) must describe the wasm the package ships: every export named, each
// function with its parameter count, each constant a global, and nothing exported that is untyped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_EXPORT_NAMES } from '../src/generated/kernel-exports.js';
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

function shipped(base64: string): Map<string, number | 'global' | 'memory'> {
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  const instance = new WebAssembly.Instance(module, {
    env: { abort: () => { throw new Error('abort'); } },
    clusterip: { drawBelow: () => 0n, drawU64: () => 0n },
  });
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
});
