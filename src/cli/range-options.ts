// --range (--service-cluster-ip-range) and --service-node-port-range checked as the options they
// are: a value that is not a CIDR list or a port range is a usage error (exit 2), as a bad flag
// value is for kube-apiserver and kubectl. Ranges that come from the input (a ServiceCIDR) are
// the input's, and their errors exit 1.
import { AllocatorError, describePortRange } from '../index.js';
import { parseCIDRSloppy } from '../cidr.js';
import { UsageError } from './cli-errors.js';

function asUsage(flag: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof AllocatorError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

export function checkRangeOptions(range: string | undefined, nodePortRange: string | undefined): void {
  if (range !== undefined) {
    const cidrs = range.split(',');
    if (cidrs.length > 2) throw new UsageError(`--range takes at most two CIDRs (one per IP family), got "${range}"`);
    asUsage('--range', () => cidrs.forEach((cidr) => parseCIDRSloppy(cidr)));
  }
  if (nodePortRange !== undefined) asUsage('--service-node-port-range', () => describePortRange(nodePortRange));
}
