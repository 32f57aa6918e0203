#!/usr/bin/env node
// The `clusterip` command. Data goes to stdout, progress and errors to stderr. Exit codes:
// 0 done, 1 input rejected (invalid Services or ranges, unreadable or corrupt files), 2 usage.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, InputError } from './cli-errors.js';
import { describeCommand, describeServiceCIDRs } from './describe-command.js';
import { allocateCommand } from './allocate-command.js';
import { simulateCommand } from './simulate-command.js';
import { checkCommand } from './check-command.js';
import { storeCheckCommand } from './store-check-command.js';
import { migrateCommand } from './migrate-command.js';
import type { OutputFormat } from './manifests.js';
import { AllocatorError } from '../index.js';
import { glyphsFor } from './terminal.js';
import { isObjectOutput } from './object-output.js';
import { hasErrors } from './check-command.js';
import { completionScript } from './completion.js';
import { decodeManifestBytes } from './yaml-bounds.js';
import { SUPPORTED_VERSIONS, isSupportedVersion } from '../services/versions.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const HELP: Record<string, string> = {
  main: `Usage: clusterip <command> [options]

Kubernetes Service ClusterIP allocation, as the API server does it.

Commands:
  describe <cidr>[,<cidr>]   the band layout of a service CIDR (or of a node port range: 30000-32767)
  allocate                   fill Services in manifests with cluster IPs and node ports
  simulate                   Monte Carlo of static IP (or node port) conflicts with and without the static band
  check                      what the repair controllers would report on a cluster dump, manifests or etcd
  migrate                    move an etcd state of earlier releases into the layout kube-apiserver uses
  completion bash|zsh        a shell completion script (e.g. source <(clusterip completion bash))
  help <command>             a command's help (the same as clusterip <command> --help)

Run 'clusterip <command> --help' for a command's options.
Exit codes: 0 success, 1 input rejected (check: error findings), 2 usage error (also an invalid
option value, such as a --range that is not a CIDR).
Bars are drawn with ASCII characters when NO_COLOR is set or TERM=dumb.
`,
  describe: `Usage: clusterip describe <cidr>[,<cidr>] | <base-max> | -f <file|-> [--json] [--legacy]

Prints each range's size, band offset (with the formula), static band, range end and a bar of
static vs dynamic share. A node port range (--service-node-port-range, e.g. 30000-32767) gets its
own bands: min(max(16, size/32), 128) ports. With -f, every ServiceCIDR object of the file is
described.

  -f, --filename <path>  manifests holding ServiceCIDR objects, or - for stdin
  -o, --output <fmt>     text (default), json or yaml (--json is -o json)
  --legacy               the legacy bitmap allocator's rules (IPv6 capped at 65,535 addresses)
`,
  allocate: `Usage: clusterip allocate [--range <cidr>[,<cidr>]] -f <file|dir|-> [-f …] [options]

Reads every -f in order, as kubectl does (files; directories' .yaml, .yml and .json files, with -R
their subdirectories too; - for stdin), as YAML (1.1, multi-document) or JSON. Lists are opened:
List, and the API's typed lists (ServiceList, IPAddressList, ServiceCIDRList, as kubectl get -o yaml
prints them) whose items get their kind from the list. An object without kind or apiVersion is an
error. It fills spec.clusterIP(s), ipFamilies and ipFamilyPolicy,
and for NodePort and LoadBalancer Services spec.ports[*].nodePort and healthCheckNodePort, of every
v1 Service as kube-apiserver of the chosen version would (defaults included), and prints
the result; warnings go to stderr. ServiceCIDR objects add ranges and IPAddress objects reserve
addresses (1.33+); every other kind (Deployment, ConfigMap, …) passes through unchanged, on purpose. Invalid Services print the API server's field
errors and exit 1; nothing is saved then.

  --range <cidrs>        --service-cluster-ip-range (also accepted under that name; first CIDR
                         is the primary family); may be
                         left out when the input holds the default ServiceCIDR "kubernetes"
  --service-node-port-range <base-max>  node ports (default 30000-32767)
  --kubernetes-version <v>  1.29 … 1.36 (default 1.36)
  --print-ipaddresses    also print the IPAddress objects the run's Services got (1.33+)
  -f, --filename <path>  manifest file, directory, or - for stdin; repeatable (also -f=path)
  -R, --recursive        read the subdirectories of directories given with -f
  --state <path>         load and save the allocation state, so repeated runs never hand out an
                         IP or node port twice (saved atomically; a corrupt file is refused and
                         left as is)
  --store <url>          etcd://host:port[,host:port…][/prefix]: keep the Services, ServiceCIDRs,
                         IPAddresses and RangeAllocations in etcd, one key each, where
                         kube-apiserver keeps them (prefix default /registry); concurrent runs
                         never hand out an IP or node port twice. Each Service is stored or
                         refused on its own: with errors, the others are stored
  --seed <n>             repeatable dynamic allocations
  -n, --namespace <ns>   the namespace of Services that name none (as kubectl -n with -f); an
                         object naming another namespace is an error
  -o, --output <fmt>     yaml (default), json, name (service/web, one per line) or
                         jsonpath=<template> (kubectl's: {.spec.clusterIP}, {range .items[*]}…{end})
  --legacy               same as --kubernetes-version 1.32 (the bitmap allocator)

YAML output gives every byte of the input back (comments, quoting, flow style, "---" and "..."
markers, CRLF, a byte order mark) and adds the allocated fields at the end of their mapping, in
the order the API types declare them, the same on every run. An object given twice (the same
kind, namespace and name) is one object, applied in order as kubectl apply -f does: the later
document updates the earlier.
`,
  check: `Usage: clusterip check -f <file|dir|-> [-f …] [-R] [--range <cidrs>] [options]
       clusterip check --store etcd://host:port[/prefix] [--apply] [options]

Reads a cluster dump (kubectl get svc,servicecidrs,ipaddresses -A -o yaml) or manifests, and
reports what the API server's repair controllers would, allocating nothing:
  duplicate-ip, ip-out-of-range, invalid-ip          cluster IPs held twice, outside every range, not IPs
  missing-ipaddress, orphan-ipaddress                (when the input has IPAddress objects, 1.33+)
  duplicate-node-port, node-port-out-of-range        node ports held twice or outside the range
  static-ip-in-dynamic-band, static-node-port-in-dynamic-band
                                                     a manifest (no metadata.uid) naming an IP or node
                                                     port in the dynamic band: a dynamic allocation may
                                                     take it first — the reason the static band exists
                                                     (warnings: what allocate prints is exactly this,
                                                     so allocate | check -f - passes)
  cluster-ip-changed                                 the same Service twice, naming different IPs
Inputs are read as for allocate; an object given twice is one object, the later document wins. With --store, the objects are read from etcd instead, and also
  leaked-ip, leaked-node-port                        RangeAllocation bits no Service holds
  unreadable-object                                  a stored value that does not read
Exit 0 when clean or with warnings only, 1 with error findings, 2 for usage errors.

  --range <cidrs>        service CIDRs (--service-cluster-ip-range); added to the input's ServiceCIDRs
  --service-node-port-range <base-max>  node ports (default 30000-32767)
  -f, --filename <path>  file, directory, or - for stdin; repeatable
  -R, --recursive        read subdirectories of directories
  -n, --namespace <ns>   the namespace of Services that name none (as kubectl -n with -f)
  -o, --output <fmt>     text (default, a table), json or yaml
  --store <url>          read the objects from etcd (as allocate --store writes them); the
                         ranges and version come from what the prefix holds unless given
  --kubernetes-version <v>  with --store: the version that wrote it (default: 1.36, or 1.32 when
                         the prefix holds RangeAllocations but no ServiceCIDR or IPAddress)
  --apply                with --store: run the repair controllers there, three passes (leaked
                         bits and IPAddresses freed, missing ones recreated)
`,
  migrate: `Usage: clusterip migrate --store etcd://host:port[,host:port…][/prefix] [--from <key>]

Moves the state that allocate --store kept in one etcd value before this release (at
<prefix>/clusterip/state, or the key given with --from) into the layout kube-apiserver uses, under
the same prefix: one key per Service, ServiceCIDR and IPAddress, the RangeAllocations. Every
Service keeps its cluster IPs and node ports. The old key is deleted once everything landed.
Exit 0 when moved, 1 when something could not be (the old key is then kept).

  --store <url>          the etcd and prefix, as for allocate --store
  --from <key>           where the old state is (default <prefix>/clusterip/state, then <prefix>)
`,
  simulate: `Usage: clusterip simulate --range <cidr|base-max> --services <n> --static <k> [options]

Creates N dynamic Services, then asks for the K lowest addresses statically (like kube-dns at
.10), and reports how often they are already taken with the static band and without it. Given a
node port range (30000-32767), the same for node ports: N dynamic ports, then the K lowest ports
requested.

  --range <cidr>       one service CIDR, or a node port range
  --services <n>       dynamic Services per trial
  --static <k>         static requests per trial (network+1 … network+k)
  --trials <t>         trials (default 100)
  --seed <s>           first trial's seed (default 1); trial i uses s+i
  --strategy <name>    random-scan (default), sequential or uniform
  -o, --output <fmt>   text (default), json or yaml (--json is -o json)
  -q, --quiet          no progress bar (it is drawn only when stderr is a terminal anyway)
`,
};

/** -o text|json|yaml, with --json as an alias of -o json. */
function textOutput(values: Values): OutputFormat {
  const output = (values.output as string | undefined) ?? (values.json ? 'json' : 'text');
  if (values.json && output !== 'json') throw new UsageError('--json and -o disagree: give one');
  if (output !== 'text' && output !== 'json' && output !== 'yaml') throw new UsageError(`--output must be text, json or yaml, got "${output}"`);
  return output;
}

function integer(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`${flag} is required`);
    return fallback;
  }
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  return Number(value);
}

function nonNegative(value: string | undefined, flag: string, fallback?: number): number {
  const n = integer(value, flag, fallback);
  if (n < 0) throw new UsageError(`${flag} must not be negative`);
  return n;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** -n/--namespace: a namespace name (DNS label), as kubectl takes it. */
function namespaceOption(values: Values): string | undefined {
  const namespace = values.namespace as string | undefined;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new UsageError(`-n/--namespace must be a namespace name (lower-case letters, digits and "-", at most 63), got "${namespace}"`);
  }
  return namespace;
}

/** Every command with its options, for the completion scripts (read from the help texts). */
function completionWords(): Record<string, string[]> {
  const words: Record<string, string[]> = {};
  for (const [command, text] of Object.entries(HELP)) {
    if (command === 'main') continue;
    // The option lines ("  -f, --filename <path>  …") and the options of the usage lines.
    const found = [...text.matchAll(/^ {2}(?:(-[a-zA-Z]), )?(--[a-z][-a-z]*)/gm)].flatMap((m) => (m[1] ? [m[1], m[2]] : [m[2]]));
    const usage = [...text.matchAll(/^(?:Usage:| {7})[^\n]*/gm)].flatMap((m) => [...m[0].matchAll(/(?<=[\s[])(--?[a-zA-Z][-a-zA-Z]*)/g)].map((o) => o[1]));
    words[command] = [...new Set([...found, ...usage])].sort();
  }
  return words;
}

// kubectl accepts "-f=path"; node's parser would read "=path" as the value.
function splitShortEquals(args: string[]): string[] {
  return args.flatMap((arg) => (/^-[a-zA-Z]=/.test(arg) ? [arg.slice(0, 2), arg.slice(3)] : [arg]));
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: splitShortEquals(args), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    const suggestion = unknown && closestOption(unknown, Object.keys(options));
    throw new UsageError(suggestion ? `${message.split('. ')[0]}. Did you mean --${suggestion}?` : message);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known option nearest to a mistyped one, if it is near enough to be a typo. */
function closestOption(typed: string, names: string[]): string | undefined {
  const bare = typed.replace(/^-+/, '').split('=')[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(bare, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(bare.length / 3)) ? best.name : undefined;
}

export async function run(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void; stdin: () => string; env?: Readonly<Record<string, string | undefined>> }): Promise<number> {
  const [command, ...rest] = argv;
  const glyphs = glyphsFor(io.env ?? process.env);
  try {
    if (command === undefined) {
      io.stderr(HELP.main);
      return 2;
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      io.stdout(`clusterip ${packageVersion()}\n`);
      return 0;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      // `clusterip help allocate` is `clusterip allocate --help`, as in kubectl.
      const topic = command === 'help' ? rest[0] : undefined;
      if (topic !== undefined && !Object.hasOwn(HELP, topic)) throw new UsageError(`unknown command "${topic}" (try clusterip --help)`);
      io.stdout(HELP[topic ?? 'main']);
      return 0;
    }
    if (command === 'completion') {
      if (rest.length !== 1 || (rest[0] !== 'bash' && rest[0] !== 'zsh')) throw new UsageError('completion takes one argument: bash or zsh');
      io.stdout(completionScript(rest[0], completionWords()));
      return 0;
    }
    if (command === 'describe') {
      const { values, positionals } = parse(rest, {
        json: { type: 'boolean' }, output: { type: 'string', short: 'o' }, legacy: { type: 'boolean' }, filename: { type: 'string', short: 'f' },
      });
      if (values.help) return io.stdout(HELP.describe), 0;
      const describeOptions = { output: textOutput(values), legacy: values.legacy === true, glyphs };
      if (values.filename !== undefined) {
        if (positionals.length > 0) throw new UsageError('describe takes either <cidr>[,<cidr>] or -f, not both');
        io.stdout(describeServiceCIDRs(values.filename as string, io.stdin, describeOptions));
        return 0;
      }
      if (positionals.length !== 1) throw new UsageError('describe takes one argument: <cidr>[,<cidr>] (or -f <file>)');
      io.stdout(describeCommand(positionals[0], describeOptions));
      return 0;
    }
    if (command === 'allocate') {
      const { values, positionals } = parse(rest, {
        range: { type: 'string' }, 'service-cluster-ip-range': { type: 'string' }, 'service-node-port-range': { type: 'string' },
        filename: { type: 'string', short: 'f', multiple: true }, recursive: { type: 'boolean', short: 'R' },
        state: { type: 'string' }, store: { type: 'string' },
        seed: { type: 'string' }, output: { type: 'string', short: 'o' }, legacy: { type: 'boolean' },
        'kubernetes-version': { type: 'string' }, 'print-ipaddresses': { type: 'boolean' }, namespace: { type: 'string', short: 'n' },
      });
      if (values.help) return io.stdout(HELP.allocate), 0;
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (!values.filename) throw new UsageError('-f/--filename is required (use - for stdin)');
      if (values.range !== undefined && values['service-cluster-ip-range'] !== undefined) {
        throw new UsageError('--range and --service-cluster-ip-range are the same option: give one');
      }
      if (values.legacy && values['kubernetes-version']) throw new UsageError('use either --legacy or --kubernetes-version, not both');
      const output = (values.output ?? 'yaml') as string;
      if (output !== 'yaml' && output !== 'json' && !isObjectOutput(output)) throw new UsageError(`--output must be yaml, json, name or jsonpath=<template>, got "${output}"`);
      if (values['kubernetes-version'] !== undefined && !isSupportedVersion(values['kubernetes-version'] as string)) {
        throw new UsageError(`--kubernetes-version: unsupported Kubernetes version "${values['kubernetes-version']}"; supported: ${SUPPORTED_VERSIONS.join(', ')}`);
      }
      const result = await allocateCommand({
        range: (values.range ?? values['service-cluster-ip-range']) as string | undefined,
        nodePortRange: values['service-node-port-range'] as string | undefined,
        files: values.filename as unknown as string[], recursive: values.recursive === true, state: values.state as string | undefined,
        store: values.store as string | undefined,
        seed: values.seed === undefined ? undefined : integer(values.seed as string, '--seed'),
        kubernetesVersion: values.legacy ? '1.32' : values['kubernetes-version'] as string | undefined,
        output, printIPAddresses: values['print-ipaddresses'] === true, namespace: namespaceOption(values),
      }, io.stdin);
      for (const warning of result.warnings) io.stderr(`Warning: ${warning}\n`);
      // Not the API server's words: marked as this package's, with the upstream code it follows.
      for (const hazard of result.hazards) io.stderr(`Warning: clusterip hazard ${hazard.code}: ${hazard.message}\n`);
      if (result.errors.length > 0) {
        io.stderr(result.errors.map((e) => `error: ${e}`).join('\n') + '\n');
        return 1;
      }
      io.stdout(result.stdout);
      return 0;
    }
    if (command === 'check') {
      const { values, positionals } = parse(rest, {
        range: { type: 'string' }, 'service-cluster-ip-range': { type: 'string' }, 'service-node-port-range': { type: 'string' },
        filename: { type: 'string', short: 'f', multiple: true }, recursive: { type: 'boolean', short: 'R' },
        output: { type: 'string', short: 'o' }, json: { type: 'boolean' }, store: { type: 'string' }, apply: { type: 'boolean' },
        'kubernetes-version': { type: 'string' }, namespace: { type: 'string', short: 'n' },
      });
      if (values.help) return io.stdout(HELP.check), 0;
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (values.store !== undefined) {
        if (values.filename) throw new UsageError('check reads either -f or --store, not both');
        if (values['kubernetes-version'] !== undefined && !isSupportedVersion(values['kubernetes-version'] as string)) {
          throw new UsageError(`--kubernetes-version: unsupported Kubernetes version "${values['kubernetes-version']}"; supported: ${SUPPORTED_VERSIONS.join(', ')}`);
        }
        const { text, findings } = await storeCheckCommand({
          store: values.store as string, apply: values.apply === true, output: textOutput(values),
          range: (values.range ?? values['service-cluster-ip-range']) as string | undefined,
          nodePortRange: values['service-node-port-range'] as string | undefined,
          kubernetesVersion: values['kubernetes-version'] as string | undefined,
        });
        io.stdout(text);
        return hasErrors(findings) ? 1 : 0;
      }
      if (values.apply || values['kubernetes-version'] !== undefined) throw new UsageError('--apply and --kubernetes-version go with --store');
      if (values.namespace !== undefined && values.store !== undefined) throw new UsageError('-n/--namespace goes with -f');
      if (!values.filename) throw new UsageError('-f/--filename is required (use - for stdin), or --store');
      const { text, findings } = checkCommand({
        files: values.filename as unknown as string[], recursive: values.recursive === true,
        range: (values.range ?? values['service-cluster-ip-range']) as string | undefined,
        nodePortRange: values['service-node-port-range'] as string | undefined, output: textOutput(values), namespace: namespaceOption(values),
      }, io.stdin);
      io.stdout(text);
      return hasErrors(findings) ? 1 : 0;
    }
    if (command === 'migrate') {
      const { values, positionals } = parse(rest, { store: { type: 'string' }, from: { type: 'string' } });
      if (values.help) return io.stdout(HELP.migrate), 0;
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (!values.store) throw new UsageError('--store is required');
      const { text, failed } = await migrateCommand({ store: values.store as string, from: values.from as string | undefined });
      io.stdout(text);
      return failed ? 1 : 0;
    }
    if (command === 'simulate') {
      const { values, positionals } = parse(rest, {
        range: { type: 'string' }, services: { type: 'string' }, static: { type: 'string' }, trials: { type: 'string' },
        seed: { type: 'string' }, strategy: { type: 'string' }, json: { type: 'boolean' }, output: { type: 'string', short: 'o' },
        quiet: { type: 'boolean', short: 'q' },
      });
      if (values.help) return io.stdout(HELP.simulate), 0;
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (!values.range) throw new UsageError('--range is required');
      const strategy = (values.strategy ?? 'random-scan') as string;
      if (!['random-scan', 'sequential', 'uniform'].includes(strategy)) throw new UsageError(`--strategy must be random-scan, sequential or uniform`);
      io.stdout(simulateCommand({
        range: values.range as string,
        services: nonNegative(values.services as string | undefined, '--services'),
        staticRequests: nonNegative(values.static as string | undefined, '--static'),
        trials: Math.max(1, nonNegative(values.trials as string | undefined, '--trials', 100)),
        seed: integer(values.seed as string | undefined, '--seed', 1),
        strategy: strategy as 'random-scan',
        output: textOutput(values),
        progress: values.quiet !== true && process.stderr.isTTY === true,
        glyphs,
      }));
      return 0;
    }
    throw new UsageError(`unknown command "${command}" (try clusterip --help)`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof AllocatorError) {
      io.stderr(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

// The variables the CLI reads, each read on its own: a sandbox may refuse access to the environment
// (Deno without --allow-env throws), and a refused variable counts as unset.
function readableEnv(names: readonly string[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    try {
      env[name] = process.env[name];
    } catch {
      env[name] = undefined;
    }
  }
  return env;
}

// Run when executed directly (not when imported by tests).
const invokedAs = process.argv[1] ?? '';
if (invokedAs.endsWith('main.js') || invokedAs.endsWith('clusterip')) {
  // `clusterip … | head`: the reader went away; that ends the run, quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await run(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: () => decodeManifestBytes(readFileSync(0), 'stdin'),
    env: readableEnv(['NO_COLOR', 'TERM']),
  });
}
