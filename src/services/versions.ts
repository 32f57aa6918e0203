// What each kube-apiserver release does with Service IPs. This table is the only place that knows
// about version numbers: everything else asks the profile a question. Sources: the feature gates
// MultiCIDRServiceAllocator (GA and on in 1.33, locked from 1.34), DisableAllocatorDualWrite (beta
// off in 1.31–1.33, on from 1.34) and StrictIPCIDRValidation (beta, on in 1.36).
import { AllocatorError } from '../errors.js';

/** The Kubernetes versions this package reproduces, oldest first. */
export const SUPPORTED_VERSIONS = ['1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
/** One of SUPPORTED_VERSIONS. */
export type KubernetesVersion = typeof SUPPORTED_VERSIONS[number];
/** The current release, and the default. */
export const CURRENT_VERSION: KubernetesVersion = '1.36';

/** What one Kubernetes version does differently, as far as Service IPs and node ports go. */
export interface VersionProfile {
  /** The version. */
  readonly version: KubernetesVersion;
  /**
   * 'bitmap': one RangeAllocation bitmap per family (sections 1–4 of our semantics doc).
   * 'ipaddress': ServiceCIDR objects, one IPAddress object per IP, the MetaAllocator.
   */
  readonly allocatorModel: 'bitmap' | 'ipaddress';
  /** The bitmap of the flag's ranges is still written next to the IPAddress objects (1.33). */
  readonly dualWrite: boolean;
  /** --service-cluster-ip-range must be /12 or longer (IPv4), /108 or longer (IPv6): bitmap in use. */
  readonly flagSizeLimit: boolean;
  /** clusterIP(s) text: false = Go's sloppy parser plus a warning; true = leading zeros and IPv4-mapped rejected. */
  readonly strictIPText: boolean;
  /** A static IP outside every range: ERR_NOT_IN_RANGE ("the provided IP (…) is not in the valid range…") or ERR_MISMATCHED_NETWORK ("the provided network does not match the current range"). */
  readonly staticOutOfRangeError: 'ERR_NOT_IN_RANGE' | 'ERR_MISMATCHED_NETWORK';
  /** The per-range allocator draws its random start(s) even when the range is full (the IPAddress allocator does; the bitmap checks first). */
  readonly drawsWhenFull: boolean;
  /** trafficDistribution PreferSameZone exists (beta, on by default) and PreferClose draws a deprecation warning. */
  readonly preferCloseDeprecated: boolean;
}

interface ProfileRow { model: 'bitmap' | 'ipaddress'; dualWrite: boolean; strictIPText: boolean; preferSameZone: boolean }

function profile(version: KubernetesVersion, row: ProfileRow): VersionProfile {
  return {
    version,
    allocatorModel: row.model,
    dualWrite: row.dualWrite,
    flagSizeLimit: row.model === 'bitmap' || row.dualWrite,
    strictIPText: row.strictIPText,
    staticOutOfRangeError: row.model === 'bitmap' ? 'ERR_NOT_IN_RANGE' : 'ERR_MISMATCHED_NETWORK',
    drawsWhenFull: row.model === 'ipaddress',
    preferCloseDeprecated: row.preferSameZone,
  };
}

// MultiCIDRServiceAllocator: beta and on in 1.33 with the bitmap still written (dual write),
// locked on in 1.34 (DisableAllocatorDualWrite on). StrictIPCIDRValidation: on from 1.36.
// PreferSameZone (KEP-3015): beta and on from 1.34.
/** Each supported version's profile. */
export const VERSION_PROFILES: Readonly<Record<KubernetesVersion, VersionProfile>> = {
  '1.29': profile('1.29', { model: 'bitmap', dualWrite: false, strictIPText: false, preferSameZone: false }),
  '1.30': profile('1.30', { model: 'bitmap', dualWrite: false, strictIPText: false, preferSameZone: false }),
  '1.31': profile('1.31', { model: 'bitmap', dualWrite: false, strictIPText: false, preferSameZone: false }),
  '1.32': profile('1.32', { model: 'bitmap', dualWrite: false, strictIPText: false, preferSameZone: false }),
  '1.33': profile('1.33', { model: 'ipaddress', dualWrite: true, strictIPText: false, preferSameZone: false }),
  '1.34': profile('1.34', { model: 'ipaddress', dualWrite: false, strictIPText: false, preferSameZone: true }),
  '1.35': profile('1.35', { model: 'ipaddress', dualWrite: false, strictIPText: false, preferSameZone: true }),
  '1.36': profile('1.36', { model: 'ipaddress', dualWrite: false, strictIPText: true, preferSameZone: true }),
};

/** The profile of a version given as '1.33' (a 'v' prefix and a patch level are accepted: 'v1.33.2'). */
export function versionProfile(version: unknown): VersionProfile {
  if (version === undefined) return VERSION_PROFILES[CURRENT_VERSION];
  const match = typeof version === 'string' ? /^v?(1\.\d+)(\.\d+)?$/.exec(version) : null;
  const minor = match?.[1];
  if (minor === undefined || !Object.hasOwn(VERSION_PROFILES, minor)) {
    throw new AllocatorError('ERR_UNSUPPORTED_VERSION',
      `unsupported Kubernetes version ${JSON.stringify(version)}; supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  return VERSION_PROFILES[minor as KubernetesVersion];
}

/** Whether versionProfile() accepts the text. */
export function isSupportedVersion(version: unknown): boolean {
  try {
    versionProfile(version);
    return true;
  } catch {
    return false;
  }
}
