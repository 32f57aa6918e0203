// Strict CIDR parsing: a strict IP (see ip-text.ts), "/", a decimal prefix length without sign or
// leading zeros, and no bits set past the prefix (Kubernetes' current validation).
import { invalidCIDRError } from './errors.js';
import { parseIP } from './ip-text.js';
import { parseIPSloppy } from './ip-sloppy.js';
import { formatAddress, ipv6PartsToBigInt } from './ip-format.js';

export interface ParsedCIDR {
  readonly family: 4 | 6;
  readonly addressBits: 32 | 128;
  readonly prefix: number;
  readonly network: bigint;
  /** Canonical text, e.g. "10.96.0.0/24", "fd00:10:96::/112". */
  readonly cidr: string;
}

const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;

export function parseCIDR(text: unknown): ParsedCIDR {
  if (typeof text !== 'string') throw invalidCIDRError(text, 'expected a string');
  const slash = text.indexOf('/');
  if (slash < 0) throw invalidCIDRError(text, 'missing "/<prefix length>"');
  if (slash !== text.lastIndexOf('/')) throw invalidCIDRError(text, 'more than one "/"');
  const ip = parseIP(text.slice(0, slash));
  if (ip.family === 0) throw invalidCIDRError(text, ip.reason);
  const prefixText = text.slice(slash + 1);
  const addressBits = ip.family === 4 ? 32 : 128;
  if (!PREFIX_LENGTH.test(prefixText) || Number(prefixText) > addressBits) {
    throw invalidCIDRError(text, `the prefix length must be a decimal number from 0 to ${addressBits} without sign or leading zeros`);
  }
  const prefix = Number(prefixText);
  const address = ip.family === 4 ? BigInt(ip.value) : ipv6PartsToBigInt(ip.parts);
  const hostBits = BigInt(addressBits - prefix);
  const network = (address >> hostBits) << hostBits;
  const cidr = `${formatAddress(ip.family, network)}/${prefix}`;
  if (network !== address) throw invalidCIDRError(text, `host bits are set; the network is ${cidr}`);
  return { family: ip.family, addressBits, prefix, network, cidr };
}

/**
 * A CIDR as kube-apiserver reads --service-cluster-ip-range (Go's net.ParseCIDR via ParseCIDRSloppy):
 * leading zeros in the address and the prefix length are accepted and host bits are masked off.
 * IPv4-mapped addresses are refused (Go would treat such a CIDR as IPv6 with an IPv4 address).
 */
export function parseCIDRSloppy(text: unknown): ParsedCIDR {
  if (typeof text !== 'string') throw invalidCIDRError(text, 'expected a string');
  const slash = text.indexOf('/');
  if (slash < 0) throw invalidCIDRError(text, 'missing "/<prefix length>"');
  const ip = parseIPSloppy(text.slice(0, slash));
  if (ip === null) throw invalidCIDRError(text, 'not a valid IPv4 or IPv6 address');
  if (ip.isMapped) throw invalidCIDRError(text, 'IPv4-mapped IPv6 addresses are not allowed');
  const prefixText = text.slice(slash + 1);
  const addressBits = ip.family === 4 ? 32 : 128;
  if (!/^\d{1,6}$/.test(prefixText) || Number(prefixText) > addressBits) {
    throw invalidCIDRError(text, `the prefix length must be a decimal number from 0 to ${addressBits}`);
  }
  const prefix = Number(prefixText);
  const address = ip.family === 4 ? BigInt(ip.value) : ipv6PartsToBigInt(ip.parts);
  const hostBits = BigInt(addressBits - prefix);
  const network = (address >> hostBits) << hostBits;
  return { family: ip.family, addressBits, prefix, network, cidr: `${formatAddress(ip.family, network)}/${prefix}` };
}

/** Whether `address` (same family) lies inside the CIDR, network and broadcast included. */
export function cidrContains(cidr: ParsedCIDR, address: bigint): boolean {
  return address >> BigInt(cidr.addressBits - cidr.prefix) === cidr.network >> BigInt(cidr.addressBits - cidr.prefix);
}
