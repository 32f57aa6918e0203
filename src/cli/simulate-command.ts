// `clusterip simulate`: Monte Carlo of why the static band exists. N Services take dynamic IPs, then
// K requests ask for well-known low addresses (network+1 … network+K, like kube-dns's .10); count
// how often they are already taken, with the band (today) and without it (before KEP-3070).
import { AllocatorError, ClusterIPAllocator, describeRange, type Strategy } from '../index.js';
import { formatAddress } from '../ip-format.js';
import { parseCIDR } from '../cidr.js';
import { InputError, UsageError } from './cli-errors.js';
import { Progress, meterBar } from './terminal.js';

export interface SimulateOptions {
  range: string;
  services: number;
  staticRequests: number;
  trials: number;
  seed: number;
  strategy: Strategy;
  json: boolean;
}

interface Outcome { conflicts: number; trialsWithConflict: number }

function runTrial(range: string, options: SimulateOptions, staticBand: boolean, seed: number, targets: string[]): number {
  const allocator = new ClusterIPAllocator(range, { seed, strategy: options.strategy, staticBand });
  try {
    allocator.allocateMany(options.services);
    let conflicts = 0;
    for (const ip of targets) {
      try {
        allocator.allocate(ip);
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

export function simulateCommand(options: SimulateOptions): string {
  let info;
  try {
    info = describeRange(options.range);
  } catch (error) {
    if (error instanceof AllocatorError) throw new InputError(error.message);
    throw error;
  }
  if (BigInt(options.services + options.staticRequests) > info.size) {
    throw new UsageError(`--services plus --static (${options.services + options.staticRequests}) exceed the ${info.size} usable addresses of ${info.cidr}`);
  }
  const { network, family } = parseCIDR(info.cidr);
  const targets = Array.from({ length: options.staticRequests }, (_, k) => formatAddress(family, network + 1n + BigInt(k)));
  const progress = new Progress('simulating', options.trials);
  const results: Record<'withBand' | 'withoutBand', Outcome> = {
    withBand: { conflicts: 0, trialsWithConflict: 0 },
    withoutBand: { conflicts: 0, trialsWithConflict: 0 },
  };
  for (let t = 0; t < options.trials; t++) {
    for (const [key, staticBand] of [['withBand', true], ['withoutBand', false]] as const) {
      const conflicts = runTrial(info.cidr, options, staticBand, options.seed + t, targets);
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
  if (options.json) return JSON.stringify(summary, null, 2) + '\n';
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const row = (label: string, o: typeof summary.withBand) =>
    `| ${label} | ${o.conflicts} | ${pct(o.conflictRate)} | ${pct(o.trialConflictRate)} |`;
  return [
    `${options.trials} trials on ${info.cidr} (static band ${info.bandOffset}): ${options.services} dynamic Services, then ${options.staticRequests} static requests for ${summary.staticTargets ?? 'nothing'} (seed ${options.seed}, ${options.strategy})`,
    '',
    '| allocator | conflicts | per static request | trials with a conflict |',
    '|---|---:|---:|---:|',
    row('with static band (Kubernetes today)', summary.withBand),
    row('without static band (before KEP-3070)', summary.withoutBand),
    '',
    'conflict rate per static request',
    `  with band     [${meterBar(summary.withBand.conflictRate)}] ${pct(summary.withBand.conflictRate)}`,
    `  without band  [${meterBar(summary.withoutBand.conflictRate)}] ${pct(summary.withoutBand.conflictRate)}`,
    '',
  ].join('\n');
}
