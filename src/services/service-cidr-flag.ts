// --service-cluster-ip-range, validated as kube-apiserver does at start-up.
import { AllocatorError } from '../errors.js';
import { rangeGeometry, type RangeGeometry } from '../range.js';

/** kube-apiserver's default when the flag is empty. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The legacy allocator's limit: at most 20 host bits. */
const MAX_CIDR_BITS = 20;
const MIN_RANGE_SIZE = 8n;

function flagError(message: string): AllocatorError {
  return new AllocatorError('ERR_INVALID_CIDR', message);
}

export function parseServiceClusterIPRange(flag: string | undefined, legacy: boolean): RangeGeometry[] {
  const text = flag === undefined || flag === '' ? DEFAULT_SERVICE_CLUSTER_IP_RANGE : flag;
  if (typeof text !== 'string') throw flagError('--service-cluster-ip-range must be a string');
  const entries = text.split(',');
  if (entries.length > 2) throw flagError('--service-cluster-ip-range must not contain more than two entries');
  const ranges = entries.map((entry, i) => {
    let geometry: RangeGeometry;
    try {
      geometry = rangeGeometry(entry, legacy);
    } catch (error) {
      if (error instanceof AllocatorError) throw flagError(`--service-cluster-ip-range[${i}]: ${error.message}`);
      throw error;
    }
    if (geometry.cidrSize < MIN_RANGE_SIZE) {
      throw flagError(`the service cluster IP range must be at least ${MIN_RANGE_SIZE} IP addresses (${geometry.cidr})`);
    }
    if (legacy) {
      const addressBits = geometry.family === 4 ? 32 : 128;
      if (addressBits - geometry.prefix > MAX_CIDR_BITS) {
        const name = i === 0 ? '--service-cluster-ip-range' : '--service-cluster-ip-range[1]';
        throw flagError(`specified ${name} is too large; for ${addressBits}-bit addresses, the mask must be >= ${addressBits - MAX_CIDR_BITS}`);
      }
    }
    return geometry;
  });
  if (ranges.length === 2 && ranges[0].family === ranges[1].family) {
    throw flagError('--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family');
  }
  return ranges;
}
