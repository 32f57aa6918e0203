// --service-cluster-ip-range, parsed and validated as kube-apiserver does at start-up.
import { AllocatorError } from '../errors.js';
import { parseCIDRSloppy, type ParsedCIDR } from '../cidr.js';
import type { VersionProfile } from './versions.js';

/** kube-apiserver's default when the flag is empty. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The bitmap allocator's limit: at most 20 host bits. */
const MAX_CIDR_BITS = 20;
const MIN_PRIMARY_SIZE = 8n;

function flagError(message: string): AllocatorError {
  return new AllocatorError('ERR_INVALID_CIDR', message);
}

/** netutils.RangeSize: 0 for IPv4 /31 and shorter-than-/2 masks' special cases, capped at MaxInt64. */
function rangeSize(cidr: ParsedCIDR): bigint {
  const hostBits = cidr.addressBits - cidr.prefix;
  if ((cidr.addressBits === 32 && hostBits >= 31) || (cidr.addressBits === 128 && hostBits >= 127)) return 0n;
  if (hostBits >= 63) return (1n << 63n) - 1n;
  return 1n << BigInt(hostBits);
}

/** The flag's CIDRs (canonical, primary first), or the error kube-apiserver would refuse to start with. */
export function parseServiceClusterIPRange(flag: unknown, profile: VersionProfile): ParsedCIDR[] {
  if (flag !== undefined && typeof flag !== 'string') throw flagError('--service-cluster-ip-range must be a string');
  const text = flag === undefined || flag === '' ? DEFAULT_SERVICE_CLUSTER_IP_RANGE : flag;
  const entries = text.split(',');
  if (entries.length > 2) throw flagError('--service-cluster-ip-range must not contain more than two entries');
  const ranges = entries.map((entry, i) => {
    try {
      return parseCIDRSloppy(entry);
    } catch (error) {
      if (error instanceof AllocatorError) throw flagError(`--service-cluster-ip-range[${i}]: ${error.message}`);
      throw error;
    }
  });
  if (rangeSize(ranges[0]) < MIN_PRIMARY_SIZE) {
    throw flagError(`the service cluster IP range must be at least ${MIN_PRIMARY_SIZE} IP addresses`);
  }
  if (ranges.length === 2 && ranges[0].family === ranges[1].family) {
    throw flagError('--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family');
  }
  if (profile.flagSizeLimit) {
    ranges.forEach((range, i) => {
      if (range.addressBits - range.prefix > MAX_CIDR_BITS) {
        const name = i === 0 ? '--service-cluster-ip-range' : '--service-cluster-ip-range[1]';
        throw flagError(`specified ${name} is too large; for ${range.addressBits}-bit addresses, the mask must be >= ${range.addressBits - MAX_CIDR_BITS}`);
      }
    });
  }
  return ranges;
}
