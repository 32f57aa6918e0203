// Fuzzing every public entry point of ClusterIPAllocator and every decoder (bitmap and run-encoded
// snapshots, ServiceIPAM whole-state JSON) with hostile inputs. For each call: a valid result or a
// typed error (AllocatorError, TypeError, RangeError — never a wasm trap or a plain Error), the
// state exactly as before when it throws, and the kernel's invariants intact (debug kernel). No
// clock is read: a call that ran away would hit the test's own timeout.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocatorError, ClusterIPAllocator, ServiceIPAM, TraceOp } from '../src/index.js';
import { allocationState, expectKernelInvariants } from './helpers.js';

const ranges = ['10.96.0.0/28', '10.96.0.0/24', '10.96.0.0/20', 'fd00:10:96::/116', 'fd00:10:96::/64', '10.0.0.0/7'];

// Byte strings that look like snapshots: real magic and version, then random varints.
const runEncoded = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }).map((tail) => Uint8Array.from([0x43, 0x49, 0x50, 0x52, 1, ...tail]));
const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), runEncoded);
const ipLike = fc.oneof(
  fc.constantFrom('10.96.0.1', '10.96.0.5', '10.96.0.14', '10.96.15.254', '10.96.0.0', '10.96.0.255', 'fd00:10:96::1', 'fd00:10:96::ffff',
    '10.0.0.1', '11.255.255.254', '::ffff:10.96.0.1', '010.96.0.1', ' 10.96.0.1', 'fd00:10:96::1%eth0', '1.2.3.4/32', ''),
  fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 }),
);
const anyValue = fc.oneof(ipLike, fc.anything({ maxDepth: 1 }), fc.double(), fc.integer({ min: -5, max: 70000 }), fc.bigInt());
const offsetLike = fc.oneof(fc.integer({ min: -2, max: 5000 }), fc.double(), fc.constantFrom(2 ** 32, 2 ** 53, NaN, -0, Infinity), fc.anything({ maxDepth: 0 }));
const traceOps = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 300 })), { maxLength: 12 })
  .map((pairs) => new Uint32Array(pairs.flat()));

type Call = (a: ClusterIPAllocator) => unknown;
const call: fc.Arbitrary<{ name: string; run: Call }> = fc.oneof(
  anyValue.map((x) => ({ name: `allocate(${fc.stringify(x)})`, run: (a: ClusterIPAllocator) => a.allocate(x as string) })),
  anyValue.map((x) => ({ name: `release(${fc.stringify(x)})`, run: (a: ClusterIPAllocator) => a.release(x as string) })),
  anyValue.map((x) => ({ name: `has(${fc.stringify(x)})`, run: (a: ClusterIPAllocator) => a.has(x as string) })),
  anyValue.map((x) => ({ name: `contains(${fc.stringify(x)})`, run: (a: ClusterIPAllocator) => a.contains(x as string) })),
  fc.constant({ name: 'allocateNext()', run: (a: ClusterIPAllocator) => a.allocateNext() }),
  fc.oneof(fc.integer({ min: 0, max: 300 }), offsetLike).map((n) => ({ name: `allocateMany(${fc.stringify(n)})`, run: (a: ClusterIPAllocator) => a.allocateMany(n as number) })),
  fc.array(anyValue, { maxLength: 5 }).map((xs) => ({ name: 'releaseMany', run: (a: ClusterIPAllocator) => a.releaseMany(xs as string[]) })),
  offsetLike.map((k) => ({ name: `allocateOffset(${fc.stringify(k)})`, run: (a: ClusterIPAllocator) => a.allocateOffset(k as number) })),
  offsetLike.map((k) => ({ name: `releaseOffset(${fc.stringify(k)})`, run: (a: ClusterIPAllocator) => a.releaseOffset(k as number) })),
  offsetLike.map((k) => ({ name: `hasOffset(${fc.stringify(k)})`, run: (a: ClusterIPAllocator) => a.hasOffset(k as number) })),
  offsetLike.map((k) => ({ name: `ipAt(${fc.stringify(k)})`, run: (a: ClusterIPAllocator) => a.ipAt(k as number) })),
  anyValue.map((x) => ({ name: `offsetOf(${fc.stringify(x)})`, run: (a: ClusterIPAllocator) => a.offsetOf(x as string) })),
  fc.integer({ min: 0, max: 300 }).map((n) => ({ name: `allocateManyOffsets(${n})`, run: (a: ClusterIPAllocator) => a.allocateManyOffsets(new Uint32Array(n)) })),
  fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 5 }).map((ks) => ({ name: 'releaseManyOffsets', run: (a: ClusterIPAllocator) => a.releaseManyOffsets(Uint32Array.from(ks)) })),
  traceOps.map((ops) => ({ name: `runTrace(${ops.join(',')})`, run: (a: ClusterIPAllocator) => a.runTrace(ops) })),
  bytes.map((data) => ({ name: `restore(own range, ${Array.from(data).join(',')})`, run: (a: ClusterIPAllocator) => a.restore({ range: a.cidr, data }) })),
  fc.tuple(fc.oneof(fc.constantFrom(...ranges), fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 0 })), fc.oneof(bytes, fc.anything({ maxDepth: 0 })))
    .map(([range, data]) => ({ name: `restore(${fc.stringify(range)})`, run: (a: ClusterIPAllocator) => a.restore({ range, data } as never) })),
  fc.constant({ name: 'snapshot+restore', run: (a: ClusterIPAllocator) => a.restore(a.snapshot()) }),
);

function isTypedError(error: unknown): boolean {
  return error instanceof AllocatorError || error instanceof TypeError || error instanceof RangeError;
}

let inputsTried = 0;

describe('fuzz: every entry point, hostile inputs', () => {
  it.each(ranges)('%s: a valid result or a typed error, and no change on error', (cidr) => {
    fc.assert(
      fc.property(fc.constantFrom('random-scan', 'sequential', 'uniform') as fc.Arbitrary<'random-scan'>, fc.integer(), fc.array(call, { minLength: 1, maxLength: 25 }), (strategy, seed, calls) => {
        const a = new ClusterIPAllocator(cidr, { seed, strategy });
        try {
          for (const { name, run } of calls) {
            inputsTried++;
            const before = allocationState(a);
            let threw: unknown;
            try {
              run(a);
            } catch (error) {
              threw = error;
            }
            if (threw !== undefined) {
              expect(isTypedError(threw), `${name} threw ${fc.stringify(threw)}`).toBe(true);
              expect(allocationState(a), name).toEqual(before);
            }
            expectKernelInvariants(a);
          }
        } finally {
          a.dispose();
        }
      }),
      { numRuns: cidr.includes('/64') || cidr.endsWith('/7') ? 120 : 250 },
    );
  });

  it('ServiceIPAM.restore: hostile whole-state JSON is refused with no change', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', seed: 1 });
    ipam.create({ metadata: { name: 'a', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as never);
    const valid = JSON.parse(JSON.stringify(ipam.snapshot()));
    const before = JSON.stringify(ipam.snapshot());
    const mutations = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.tuple(fc.constantFrom('services', 'ranges', 'serviceClusterIPRange', 'version', 'kubernetesVersion', 'serviceCIDRs', 'ipAddresses'), fc.anything({ maxDepth: 2 }))
        .map(([key, value]) => ({ ...valid, [key]: value })),
    );
    fc.assert(
      fc.property(mutations, (state) => {
        inputsTried++;
        try {
          ipam.restore(state);
        } catch (error) {
          expect(isTypedError(error), String(error)).toBe(true);
          expect(JSON.stringify(ipam.snapshot())).toBe(before);
          return;
        }
        // Accepted: it must have been equivalent to the valid state; put that back for the next run.
        ipam.restore(valid);
      }),
      { numRuns: 300 },
    );
    ipam.dispose();
  });

  it('reports how many inputs were tried', () => {
    console.log(`fuzz: ${inputsTried} hostile calls, 0 failures`);
    expect(inputsTried).toBeGreaterThan(1000);
  });
});

describe('fuzz: traces of random operations', () => {
  it('TraceOp covers every operation the fuzzer draws from (0–3 valid, 4–5 refused)', () => {
    expect(Object.values(TraceOp).sort()).toEqual([0, 1, 2, 3]);
  });
});
