// What changes with the Kubernetes version a ServiceIPAM plays: the one table in versions.ts,
// observed through the public API.
import { describe, expect, it } from 'vitest';
import {
  ClusterIPAllocator, ServiceInternalError, ServiceIPAM, ServiceValidationError, SUPPORTED_VERSIONS,
} from '../../src/index.js';
import { expectAllocatorError } from '../helpers.js';
import { emptyIPAM, svc } from './helpers.js';

describe('kubernetesVersion', () => {
  it('defaults to the current release, 1.36, and accepts a v prefix and a patch level', () => {
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24' }).kubernetesVersion).toBe('1.36');
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: 'v1.33.4' }).kubernetesVersion).toBe('1.33');
    expect(SUPPORTED_VERSIONS).toEqual(['1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
  });

  it.each(['1.28', '1.37', '2.0', 'latest', '', 133])('refuses %j with a typed error listing the supported versions', (version) => {
    const error = expectAllocatorError(() => new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: version as string }), 'ERR_UNSUPPORTED_VERSION');
    expect(error.message).toContain('supported: 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36');
  });

  it.each(['1.29', '1.32'])('%s has no ServiceCIDR or IPAddress objects: every such method says so', (version) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/24', kubernetesVersion: version });
    const calls: Array<() => unknown> = [
      () => ipam.serviceCIDRs(),
      () => ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'x' }, spec: { cidrs: ['10.1.0.0/24'] } }),
      () => ipam.deleteServiceCIDR('kubernetes'),
      () => ipam.ipAddresses(),
      () => ipam.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.96.0.9' }, spec: { parentRef: { resource: 'x', name: 'y' } } }),
      () => ipam.deleteIPAddress('10.96.0.9'),
    ];
    for (const call of calls) expect(expectAllocatorError(call, 'ERR_NOT_SUPPORTED_BY_VERSION').message).toContain(`this ServiceIPAM is ${version}`);
  });
});

describe('the --service-cluster-ip-range size limit', () => {
  it.each([
    ['1.32', true], ['1.33', true], ['1.34', false], ['1.36', false],
  ])('%s: a /8 is refused while the bitmap is written (%s)', (version, limited) => {
    const make = () => new ServiceIPAM({ serviceClusterIPRange: '10.0.0.0/8', kubernetesVersion: version });
    if (limited) {
      expect(expectAllocatorError(make, 'ERR_INVALID_CIDR').message).toBe('specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12');
    } else {
      expect(make().ranges).toEqual(['10.0.0.0/8']);
    }
  });

  it('an IPv6 secondary larger than /108 is refused the same way up to 1.33', () => {
    expect(expectAllocatorError(() => new ServiceIPAM({ serviceClusterIPRange: '10.0.0.0/16,fd00::/96', kubernetesVersion: '1.33' }), 'ERR_INVALID_CIDR').message)
      .toBe('specified --service-cluster-ip-range[1] is too large; for 128-bit addresses, the mask must be >= 108');
    expect(new ServiceIPAM({ serviceClusterIPRange: '10.0.0.0/16,fd00::/96', kubernetesVersion: '1.34' }).ranges).toEqual(['10.0.0.0/16', 'fd00::/96']);
  });
});

describe('clusterIP text', () => {
  const sloppy = [
    ['leading zeros', '010.096.000.010', '10.96.0.10', 'must not have leading 0s'],
    ['IPv4-mapped IPv6', '::ffff:10.96.0.11', '10.96.0.11', 'must not be an IPv4-mapped IPv6 address'],
  ] as const;

  it.each(sloppy)('up to 1.35, %s is accepted, stored as given and warned about', (_label, text, canonical) => {
    for (const version of ['1.29', '1.33', '1.35']) {
      const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', kubernetesVersion: version });
      const warnings: string[] = [];
      const created = ipam.create(svc('a', { clusterIP: text }), { warnings });
      expect(created.spec?.clusterIP).toBe(text);
      expect(created.spec?.clusterIPs).toEqual([text]);
      expect(warnings).toEqual([`spec.clusterIPs[0]: non-standard IP address "${text}" will be considered invalid in a future Kubernetes release: use "${canonical}"`]);
      // The address itself is what gets taken.
      expect(ipam.isAllocated(canonical)).toBe(true);
      expect(() => ipam.create(svc('b', { clusterIP: canonical }))).toThrow('provided IP is already allocated');
    }
  });

  it.each(sloppy)('1.36 refuses %s with its own field error and changes nothing', (_label, text, canonical, message) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16' });
    expect(() => ipam.create(svc('a', { clusterIP: text }))).toThrow(`spec.clusterIPs[0]: Invalid value: "${text}": ${message}`);
    expect(ipam.isAllocated(canonical)).toBe(false);
  });

  it('canonicalIPText: true stores the canonical form instead (an opt-in deviation)', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', kubernetesVersion: '1.35', canonicalIPText: true });
    expect(ipam.create(svc('a', { clusterIP: '010.096.000.010' })).spec?.clusterIPs).toEqual(['10.96.0.10']);
  });

  it('an IP outside the range: NotInRange text with the bitmap, the network text from 1.33', () => {
    const outside = (version: string) => {
      const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', kubernetesVersion: version });
      try {
        ipam.create(svc('a', { clusterIP: '10.97.0.10' }));
      } catch (error) {
        expect(error).toBeInstanceOf(ServiceValidationError);
        return (error as Error).message;
      }
      throw new Error('expected a validation error');
    };
    expect(outside('1.32')).toBe('Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.97.0.10"}: failed to allocate IP 10.97.0.10: the provided IP (10.97.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/16');
    expect(outside('1.33')).toBe('Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.97.0.10"}: failed to allocate IP 10.97.0.10: the provided network does not match the current range');
  });
});

describe('draws as upstream consumes them', () => {
  const recordingIPAM = (version: string, range: string, answer = 0n) => {
    const calls: bigint[] = [];
    const ipam = emptyIPAM({ serviceClusterIPRange: range, kubernetesVersion: version, randomInt: (n) => { calls.push(n); return answer % n; } });
    return { ipam, calls };
  };

  it('a full range: the bitmap allocator draws nothing; the IPAddress allocator draws and then fails', () => {
    for (const [version, expected] of [['1.32', []], ['1.36', [6n]]] as const) {
      const { ipam, calls } = recordingIPAM(version, '10.96.0.0/29');
      for (let i = 0; i < 6; i++) ipam.create(svc(`s${i}`));
      calls.length = 0;
      expect(() => ipam.create(svc('full'))).toThrow(ServiceInternalError);
      expect(calls).toEqual(expected);
    }
  });

  it('a full range with a static band: two draws (upper, then lower) before "range is full"', () => {
    const { ipam, calls } = recordingIPAM('1.36', '10.96.0.0/27');
    for (let i = 0; i < 30; i++) ipam.create(svc(`s${i}`));
    calls.length = 0;
    expect(() => ipam.create(svc('full'))).toThrow('Internal error occurred: failed to allocate a serviceIP: range is full');
    expect(calls).toEqual([14n, 16n]);
  });

  it('a /64 upper band is drawn as a raw 64-bit number (n = 2^64), as rand.Uint64() is', () => {
    const { ipam, calls } = recordingIPAM('1.36', 'fd00::/64', 5n);
    expect(ipam.create(svc('a')).spec?.clusterIPs).toEqual(['fd00::106']);
    expect(calls).toEqual([1n << 64n]);
  });

  it('the ClusterIPAllocator option behind it: drawModel', () => {
    const calls: bigint[] = [];
    const a = new ClusterIPAllocator('10.96.0.0/29', { drawModel: 'ipaddress', randomInt: (n) => { calls.push(n); return 0n; } });
    a.allocateMany(6);
    calls.length = 0;
    expectAllocatorError(() => a.allocateNext(), 'ERR_FULL');
    expect(calls).toEqual([6n]);
    expect(() => new ClusterIPAllocator('10.96.0.0/29', { drawModel: 'sometimes' as 'bitmap' })).toThrow(TypeError);
  });
});

describe('the bootstrap Service default/kubernetes', () => {
  it.each(['1.30', '1.33', '1.36'])('%s: holds network+1 of the primary range (and its IPAddress from 1.33)', (version) => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: 'fd00:10:96::/112,10.96.0.0/16', kubernetesVersion: version });
    const kubernetes = ipam.get('default', 'kubernetes')!;
    expect(kubernetes.spec?.clusterIPs).toEqual(['fd00:10:96::1']);
    expect(kubernetes.spec?.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }]);
    expect(ipam.isAllocated('fd00:10:96::1')).toBe(true);
    if (version !== '1.30') expect(ipam.ipAddresses().map((a) => [a.metadata.name, a.spec.parentRef])).toEqual([['fd00:10:96::1', { resource: 'services', namespace: 'default', name: 'kubernetes' }]]);
  });

  it('reserveKubernetesService: false leaves the range empty', () => {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', reserveKubernetesService: false });
    expect(ipam.list()).toEqual([]);
    expect(ipam.ipAddresses()).toEqual([]);
  });

  it('an invalid option value is a TypeError, not a silent default', () => {
    expect(() => new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', now: 5 as unknown as () => number })).toThrow(TypeError);
    expect(() => new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/16', kubernetesVersion: '1.36', seed: 1, randomInt: () => 0n })).toThrow('pass either options.seed or options.randomInt, not both');
  });
});
