// `clusterip describe <cidr>[,<cidr>]`: the band layout of each range, with the formula worked out.
import { describePortRange, describeRange, type PortRangeInfo, type RangeInfo, type ServiceCIDR } from '../index.js';
import { BLOCK_GLYPHS, splitBar, type BarGlyphs } from './terminal.js';

const barLine = (staticSize: bigint, size: bigint, glyphs: BarGlyphs) =>
  `  [${splitBar(staticSize, size, 50, [glyphs.static, glyphs.dynamic])}]  ${glyphs.static} static  ${glyphs.dynamic} dynamic`;
import { InputError } from './cli-errors.js';
import { flatten, readInputs } from './inputs.js';
import { renderData, type OutputFormat } from './manifests.js';

/** `glyphs`: how bars are drawn (block characters unless the environment asks for ASCII). */
export interface DescribeOptions { legacy: boolean; output: OutputFormat; glyphs?: BarGlyphs }

function sizeText(n: bigint): string {
  if (n > 1n << 32n) {
    const exponent = n.toString(2).length - 1;
    if (n === 1n << BigInt(exponent)) return `2^${exponent}`;
  }
  return n.toLocaleString('en-US');
}

/** Every address of the CIDR, network and broadcast included. */
function cidrSizeOf(info: RangeInfo): bigint {
  const prefix = Number(info.cidr.split('/')[1]);
  return 1n << BigInt((info.family === 'IPv4' ? 32 : 128) - prefix);
}

export function bandFormula(info: RangeInfo): string {
  const cidrSize = cidrSizeOf(info);
  if (cidrSize <= 16n) return `cidrSize ${cidrSize} <= 16, so no static band: 0`;
  return `min(max(16, ${sizeText(cidrSize)}/16), 256) = ${info.bandOffset}`;
}

function percent(part: bigint, whole: bigint): string {
  return `${(Number((part * 10000n) / whole) / 100).toFixed(1)}%`;
}

/** Every ServiceCIDR object of a manifest file, described CIDR by CIDR under its name. */
export function describeServiceCIDRs(file: string, readStdin: () => string, options: DescribeOptions): string {
  const found = flatten(readInputs([file], false, readStdin).map((read) => read.value)).filter(({ kind }) => kind === 'ServiceCIDR')
    .map(({ doc }) => ({ name: (doc as ServiceCIDR).metadata?.name ?? '', cidrs: (doc as ServiceCIDR).spec?.cidrs ?? [] }));
  if (found.length === 0) throw new InputError(`${file === '-' ? 'stdin' : file} holds no ServiceCIDR objects`);
  if (options.output !== 'text') {
    return renderData(found.map(({ name, cidrs }) => ({ name, ranges: describeData(cidrs.join(','), options.legacy) })), options.output);
  }
  return found.map(({ name, cidrs }) => `ServiceCIDR ${name}\n\n${describeCommand(cidrs.join(','), options)}`).join('\n');
}

/** A node port range ("30000-32767") rather than CIDRs: digits, an optional "-digits". */
export function isPortRangeText(text: string): boolean {
  return /^\s*\d+(\s*-\s*\d+)?\s*$/.test(text) && !text.includes('/');
}

export function portBandFormula(info: PortRangeInfo): string {
  if (info.size <= 16) return `size ${info.size} <= 16, so no static band: 0`;
  return `min(max(16, ${info.size.toLocaleString('en-US')}/32), 128) = ${info.bandOffset}`;
}

/** What -o json|yaml print: a port range's bands, or each CIDR's (sizes as decimal strings). */
function describeData(text: string, legacy: boolean): unknown {
  if (isPortRangeText(text)) {
    const info = describePortRange(text);
    return { ...info, bandFormula: portBandFormula(info) };
  }
  return text.split(',').map((cidr) => {
    const info = describeRange(cidr, { legacy });
    return {
      ...info,
      size: info.size.toString(),
      staticSize: info.staticSize.toString(),
      dynamicSize: info.dynamicSize.toString(),
      cidrSize: cidrSizeOf(info).toString(),
      bandFormula: bandFormula(info),
    };
  });
}

/** `describe 30000-32767`: the node port bands (--service-node-port-range, KEP-3668). */
function describePortRangeText(range: string, glyphs: BarGlyphs): string {
  const info = describePortRange(range);
  const share = (n: number) => percent(BigInt(n), BigInt(info.size));
  return [
    `${info.range} (node ports)`,
    `  range size     ${info.size.toLocaleString('en-US')} ports (${info.rangeStart} – ${info.rangeEnd})`,
    `  band offset    ${portBandFormula(info)}`,
    info.bandOffset > 0
      ? `  static band    ${info.staticStart} – ${info.staticEnd} (${info.staticSize} ports, ${share(info.staticSize)})`
      : '  static band    none',
    `  dynamic band   ${info.dynamicStart} – ${info.dynamicEnd} (${info.dynamicSize.toLocaleString('en-US')} ports, ${share(info.dynamicSize)})`,
    barLine(BigInt(info.staticSize), BigInt(info.size), glyphs),
    '',
  ].join('\n');
}

export function describeCommand(text: string, options: DescribeOptions): string {
  if (options.output !== 'text') return renderData(describeData(text, options.legacy), options.output);
  if (isPortRangeText(text)) return describePortRangeText(text, options.glyphs ?? BLOCK_GLYPHS);
  const infos = text.split(',').map((cidr) => describeRange(cidr, { legacy: options.legacy }));
  const blocks = infos.map((info) => {
    const lines = [
      `${info.cidr} (${info.family}${options.legacy ? ', legacy' : ''})`,
      `  range size     ${sizeText(info.size)} usable addresses (${info.rangeStart} – ${info.rangeEnd})`,
      `  band offset    ${bandFormula(info)}`,
      info.bandOffset > 0
        ? `  static band    ${info.staticStart} – ${info.staticEnd} (${info.staticSize} addresses, ${percent(info.staticSize, info.size)})`
        : '  static band    none',
      `  dynamic band   ${info.dynamicStart} – ${info.dynamicEnd} (${sizeText(info.dynamicSize)} addresses, ${percent(info.dynamicSize, info.size)})`,
      `  range end      ${info.rangeEnd}`,
      barLine(info.staticSize, info.size, options.glyphs ?? BLOCK_GLYPHS),
    ];
    return lines.join('\n');
  });
  return blocks.join('\n\n') + '\n';
}
