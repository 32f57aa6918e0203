// "Before and after" in one Node process: the library as built now against the same library at the
// pinned baseline commit (scripts/build-baseline.mjs), on the workloads issue 13 set goals for.
//
// How it is measured, because this machine class is noisy (its speed drifts by 2× within a run):
// - paired rounds: each round times "before" and "now" back to back (tinybench, one short Bench per
//   round, their order alternating between rounds), and the reported ratio is the median of the
//   per-round ratios, so a slow spell hits both sides of a pair;
// - each side's loop is compiled separately (compileLoop), so V8 never shares one call site's
//   type feedback between the two libraries' classes;
// - heap per allocator is the median of three runs of 10,000 allocators.
// Only ratios are results; absolute rates are printed for orientation.
import { Bench } from 'tinybench';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface Allocator {
  allocateManyOffsets(out: Uint32Array): void;
  allocateNextOffset(): number;
  releaseOffset(k: number): boolean;
  allocateNext(): string;
  release(ip: string): boolean;
  allocateMany(n: number): string[];
  runTrace?(ops: Int32Array | Uint32Array, out?: Uint32Array): Uint32Array;
  dispose(): void;
}
export interface Library {
  ClusterIPAllocator: new (cidr: string, options?: { seed?: number }) => Allocator;
  TraceOp?: Record<'ALLOCATE_NEXT' | 'ALLOCATE' | 'RELEASE' | 'RELEASE_RECENT', number>;
}

export interface VersusRow { workload: string; unit: string; before: number; now: number; ratio: number; goal: string; met: boolean | null }

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A loop compiled on its own (new Function), so its call sites see one library's classes only. */
function compileLoop<A extends unknown[]>(params: string[], body: string): (...args: A) => () => void {
  return new Function(...params, `return () => { ${body} };`) as (...args: A) => () => void;
}

interface Side { run: () => void; perCall: number; beforeEach?: () => void; dispose: () => void }

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Paired rounds of before/now; returns median rates and the median of the per-round ratios. */
async function pairedRates(quick: boolean, make: (lib: Library, side: 'before' | 'now') => Side, before: Library, now: Library) {
  const sides = { before: make(before, 'before'), now: make(now, 'now') };
  const rounds = quick ? 1 : 11;
  const rates = { before: [] as number[], now: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: quick ? 20 : 250, iterations: 3, warmupTime: quick ? 5 : 20, warmupIterations: 2 });
    const order = round % 2 === 0 ? (['before', 'now'] as const) : (['now', 'before'] as const);
    for (const key of order) bench.add(key, sides[key].run, sides[key].beforeEach ? { beforeEach: sides[key].beforeEach } : {});
    await bench.run();
    for (const key of order) {
      const result = bench.getTask(key)?.result as { throughput?: { mean: number } } | undefined;
      rates[key].push((result?.throughput?.mean ?? NaN) * sides[key].perCall);
    }
  }
  sides.before.dispose();
  sides.now.dispose();
  return { before: median(rates.before), now: median(rates.now), ratio: median(rates.now.map((r, i) => r / rates.before[i])) };
}

function prefilled(lib: Library, cidr: string, count: number): Allocator {
  const a = new lib.ClusterIPAllocator(cidr, { seed: 3 });
  a.allocateManyOffsets(new Uint32Array(count));
  return a;
}

function heapPerAllocator(lib: Library, count: number): number {
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) {
    const live: Allocator[] = new Array(count);
    new lib.ClusterIPAllocator('10.96.0.0/24').dispose();
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) live[i] = new lib.ClusterIPAllocator('10.96.0.0/24', { seed: i });
    gc();
    gc();
    runs.push((process.memoryUsage().heapUsed - before) / count);
    for (const a of live) a.dispose();
  }
  return median(runs);
}

export async function runVersusBefore(before: Library, now: Library, quick: boolean, log: (s: string) => void): Promise<{ rows: VersusRow[]; text: string }> {
  const rows: VersusRow[] = [];
  const push = (workload: string, unit: string, r: { before: number; now: number; ratio: number }, goal: string, met: boolean | null) => {
    rows.push({ workload, unit, ...r, goal, met });
    log('.');
  };

  // The quick run uses a /15 where the full one uses a /12, and 100,000 IPv6 addresses.
  const [big, bigSize] = quick ? ['10.96.0.0/15', 131_070] as const : ['10.96.0.0/12', 1_048_574] as const;
  const ipv6Count = quick ? 100_000 : 1_000_000;

  // 1. Batch fill of the large range, a fresh allocator per call.
  {
    const size = bigSize;
    const r = await pairedRates(quick, (lib) => {
      let a: Allocator | undefined;
      let seed = 1;
      const out = new Uint32Array(size);
      const fill = compileLoop<[() => Allocator, Uint32Array]>(['current', 'out'], 'current().allocateManyOffsets(out);')(() => a!, out);
      return {
        beforeEach: () => { a?.dispose(); a = new lib.ClusterIPAllocator(big, { seed: seed++ }); },
        run: fill,
        perCall: size,
        dispose: () => a?.dispose(),
      };
    }, before, now);
    push(`batch fill ${big}`, 'addresses/s', r, '≥ 1.7×', r.ratio >= 1.7);
  }

  // 2. Single-call numeric churn (allocate next, release it) at high fill.
  for (const [cidr, size] of [['10.96.0.0/16', 65_534], [big, bigSize]] as const) {
    for (const fraction of [0.9, 0.99, 0.999]) {
      const r = await pairedRates(quick, (lib) => {
        const a = prefilled(lib, cidr, Math.floor(size * fraction));
        const n = 2000;
        return { run: compileLoop<[Allocator, number]>(['a', 'n'], 'for (let i = 0; i < n; i++) a.releaseOffset(a.allocateNextOffset());')(a, n), perCall: n, dispose: () => a.dispose() };
      }, before, now);
      push(`numeric churn ${cidr} at ${fraction * 100}%`, 'ops/s', r, '≥ 1.1×', r.ratio >= 1.1);
    }
  }

  // 3. String churn: an IPv6 /64 holding 1,000,000 (quick: 100,000) against an IPv4 /16 at 50 %.
  const stringChurn = (lib: Library, cidr: string, fill: (a: Allocator) => void): Side => {
    const a = new lib.ClusterIPAllocator(cidr, { seed: 2 });
    fill(a);
    gc();
    const n = cidr.includes(':') ? 200 : 1000;
    return { run: compileLoop<[Allocator, number]>(['a', 'n'], 'for (let i = 0; i < n; i++) a.release(a.allocateNext());')(a, n), perCall: n, dispose: () => a.dispose() };
  };
  const v6 = await pairedRates(quick, (lib) => stringChurn(lib, 'fd00:10:96::/64', (a) => { a.allocateMany(ipv6Count); }), before, now);
  const v4 = await pairedRates(quick, (lib) => stringChurn(lib, '10.96.0.0/16', (a) => { a.allocateManyOffsets(new Uint32Array(32_767)); }), before, now);
  push(`string churn fd00:10:96::/64 holding ${ipv6Count.toLocaleString('en-US')}`, 'ops/s', v6, '', null);
  push('string churn 10.96.0.0/16 at 50%', 'ops/s', v4, '', null);
  const slowdown = { before: v4.before / v6.before, now: v4.now / v6.now };

  // 4. JS heap per idle /24 allocator.
  const heap = { before: heapPerAllocator(before, 10_000), now: heapPerAllocator(now, 10_000) };
  log('.');

  // 5. The operation trace against the same operations as single calls (now only): a steady
  //    simulation step — allocate, allocate, release the newest — on a /16 at 50 %.
  let trace: { single: number; trace: number; ratio: number } | undefined;
  if (now.TraceOp) {
    const op = now.TraceOp;
    const steps = 3 * 1365;
    const ops = new Int32Array(2 * steps);
    for (let i = 0; i < steps; i++) ops[2 * i] = i % 3 === 2 ? op.RELEASE_RECENT : op.ALLOCATE_NEXT;
    const out = new Uint32Array(steps);
    const r = await pairedRates(quick, (_lib, side) => {
      const a = prefilled(now, '10.96.0.0/16', 32_767);
      // Each call ends where it started: the net allocations (every third step's) are released.
      const run = side === 'before'
        ? compileLoop<[Allocator, number, Uint32Array]>(['a', 'steps', 'kept'], `
            for (let i = 0; i < steps; i += 3) { kept[i] = a.allocateNextOffset(); a.releaseOffset(a.allocateNextOffset()); }
            for (let i = 0; i < steps; i += 3) a.releaseOffset(kept[i]);`)(a, steps, new Uint32Array(steps))
        : compileLoop<[Allocator, Int32Array, Uint32Array, number]>(['a', 'ops', 'out', 'steps'], `
            a.runTrace(ops, out);
            for (let i = 0; i < steps; i += 3) a.releaseOffset(out[i]);`)(a, ops, out, steps);
      return { run, perCall: steps + steps / 3, dispose: () => a.dispose() };
    }, now, now);
    trace = { single: r.before, trace: r.now, ratio: r.ratio };
    log('.');
  }

  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
  // One paired round on smaller ranges says nothing about a goal: the quick run only shows it.
  const verdict = (met: boolean | null, goal: string) => (met === null ? '' : quick ? `${goal} (quick run: not judged)` : `${goal} ${met ? 'met' : 'NOT met'}`);
  const lines = [
    '| workload | unit | before | now | now ÷ before (median of paired rounds) | goal |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.workload} | ${r.unit} | ${fmt(r.before)} | ${fmt(r.now)} | ${r.ratio.toFixed(2)}× | ${verdict(r.met, r.goal)} |`),
    `| IPv6 /64 string churn is slower than IPv4 /16 string churn by | times | ${slowdown.before.toFixed(1)}× | ${slowdown.now.toFixed(1)}× | | ${verdict(slowdown.now <= 3, '≤ 3×')} |`,
    `| JS heap per idle 10.96.0.0/24 allocator | bytes | ${Math.round(heap.before)} | ${Math.round(heap.now)} | | ${verdict(heap.now <= 300, '≤ 300 B')} |`,
  ];
  if (trace) lines.push(`| runTrace against single calls (allocate, allocate, release newest; /16 at 50%) | ops/s | single calls ${fmt(trace.single)} | runTrace ${fmt(trace.trace)} | ${trace.ratio.toFixed(2)}× | |`);
  rows.push(
    { workload: 'IPv6 /64 string churn slowdown against IPv4 /16', unit: 'times', before: slowdown.before, now: slowdown.now, ratio: slowdown.now / slowdown.before, goal: '≤ 3×', met: slowdown.now <= 3 },
    { workload: 'JS heap per idle 10.96.0.0/24 allocator', unit: 'bytes', before: heap.before, now: heap.now, ratio: heap.now / heap.before, goal: '≤ 300 B', met: heap.now <= 300 },
  );
  if (trace) rows.push({ workload: 'runTrace against single calls', unit: 'ops/s', before: trace.single, now: trace.trace, ratio: trace.ratio, goal: '', met: null });
  return { rows, text: lines.join('\n') };
}
