// `clusterip simulate`: Monte Carlo of why the static band exists. N Services take dynamic IPs, then
// K requests ask for well-known low addresses (network+1 … network+K, like kube-dns's .10); count
// how often they are already taken, with the band (today) and without it (before KEP-3070). On a
// node port range ("30000-32767") the same with ports: N dynamic node ports, then K requested
// ports base … base+K−1 (the band there is KEP-3668's).
import { AllocatorError, ClusterIPAllocator, NodePortAllocator, describePortRange, describeRange, type Strategy } from '../index.js';
import { isPortRangeText } from './describe-command.js';
import { formatAddress } from '../ip-format.js';
import { parseCIDR } from '../cidr.js';
import { InputError, UsageError } from './cli-errors.js';
import { Progress, meterBar, type BarGlyphs } from './terminal.js';
import { renderData, type OutputFormat } from './manifests.js';

export interface SimulateOptions {
  range: string;
  services: number;
  staticRequests: number;
  trials: number;
  seed: number;
  strategy: Strategy;
  output: OutputFormat;
  /** Draw a progress bar on stderr (main.ts: only when stderr is a terminal and not --quiet). */
  progress?: boolean;
  /** How bars are drawn (block characters unless the environment asks for ASCII). */
  glyphs?: BarGlyphs;
}

interface Outcome { conflicts: number; trialsWithConflict: number }

/** What a trial needs of an allocator, for IPs and for ports alike. */
interface TrialAllocator<T> { allocateMany(count: number): unknown; allocate(target: T): unknown; dispose(): void }

function runTrial<T>(allocator: TrialAllocator<T>, options: SimulateOptions, targets: T[]): number {
  try {
    allocator.allocateMany(options.services);
    let conflicts = 0;
    for (const target of targets) {
      try {
        allocator.allocate(target);
      } catch (error) {
        if (error instanceof AllocatorError && error.code === 'ERR_ALLOCATED') conflicts++;
        else throw error;
      }
    }
    return conflicts;
  } finally {
    allocator.dispose();
  }
}

interface Plan { range: string; bandOffset: number; targetTexts: string[]; kep: string; trial: (staticBand: boolean, seed: number) => number }

function planFor(options: SimulateOptions): Plan {
  const wanted = options.services + options.staticRequests;
  const tooMany = (size: bigint | number, what: string, range: string) => {
    if (BigInt(wanted) > BigInt(size)) throw new UsageError(`--services plus --static (${wanted}) exceed the ${size} ${what} of ${range}`);
  };
  if (isPortRangeText(options.range)) {
    const info = describePortRange(options.range);
    tooMany(info.size, 'ports', info.range);
    const targets = Array.from({ length: options.staticRequests }, (_, k) => info.rangeStart + k);
    return {
      range: info.range, bandOffset: info.bandOffset, targetTexts: targets.map(String), kep: 'KEP-3668',
      trial: (staticBand, seed) => runTrial(new NodePortAllocator(info.range, { seed, strategy: options.strategy, staticBand }), options, targets),
    };
  }
  const info = describeRange(options.range);
  tooMany(info.size, 'usable addresses', info.cidr);
  const { network, family } = parseCIDR(info.cidr);
  const targets = Array.from({ length: options.staticRequests }, (_, k) => formatAddress(family, network + 1n + BigInt(k)));
  return {
    range: info.cidr, bandOffset: info.bandOffset, targetTexts: targets, kep: 'KEP-3070',
    trial: (staticBand, seed) => runTrial(new ClusterIPAllocator(info.cidr, { seed, strategy: options.strategy, staticBand }), options, targets),
  };
}

export function simulateCommand(options: SimulateOptions): string {
  let plan: Plan;
  try {
    plan = planFor(options);
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
  const info = { cidr: plan.range, bandOffset: plan.bandOffset };
  const targets = plan.targetTexts;
  const progress = new Progress('simulating', options.trials, process.stderr, 1000, options.progress === true);
  const results: Record<'withBand' | 'withoutBand', Outcome> = {
    withBand: { conflicts: 0, trialsWithConflict: 0 },
    withoutBand: { conflicts: 0, trialsWithConflict: 0 },
  };
  for (let t = 0; t < options.trials; t++) {
    for (const [key, staticBand] of [['withBand', true], ['withoutBand', false]] as const) {
      const conflicts = plan.trial(staticBand, options.seed + t);
      results[key].conflicts += conflicts;
      if (conflicts > 0) results[key].trialsWithConflict++;
    }
    progress.update(t + 1);
  }
  progress.done();
  const requests = options.staticRequests * options.trials;
  const rate = (o: Outcome) => (requests === 0 ? 0 : o.conflicts / requests);
  const summary = {
    range: info.cidr,
    bandOffset: info.bandOffset,
    services: options.services,
    staticRequests: options.staticRequests,
    staticTargets: targets.length > 0 ? `${targets[0]} – ${targets[targets.length - 1]}` : null,
    trials: options.trials,
    seed: options.seed,
    strategy: options.strategy,
    withBand: { ...results.withBand, conflictRate: rate(results.withBand), trialConflictRate: results.withBand.trialsWithConflict / options.trials },
    withoutBand: { ...results.withoutBand, conflictRate: rate(results.withoutBand), trialConflictRate: results.withoutBand.trialsWithConflict / options.trials },
  };
  if (options.output !== 'text') return renderData(summary, options.output);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const row = (label: string, o: typeof summary.withBand) =>
    `| ${label} | ${o.conflicts} | ${pct(o.conflictRate)} | ${pct(o.trialConflictRate)} |`;
  return [
    `${options.trials} trials on ${info.cidr} (static band ${info.bandOffset}): ${options.services} dynamic Services, then ${options.staticRequests} static requests for ${summary.staticTargets ?? 'nothing'} (seed ${options.seed}, ${options.strategy})`,
    '',
    '| allocator | conflicts | per static request | trials with a conflict |',
    '|---|---:|---:|---:|',
    row('with static band (Kubernetes today)', summary.withBand),
    row(`without static band (before ${plan.kep})`, summary.withoutBand),
    '',
    'conflict rate per static request',
    `  with band     [${meterBar(summary.withBand.conflictRate, 40, options.glyphs)}] ${pct(summary.withBand.conflictRate)}`,
    `  without band  [${meterBar(summary.withoutBand.conflictRate, 40, options.glyphs)}] ${pct(summary.withoutBand.conflictRate)}`,
    '',
  ].join('\n');
}
