// A representative correctness suite that runs unchanged in Node and in Chromium. It returns
// plain JSON: the results of seeded runs (compared across platforms) and a list of failures
// (must be empty), from checks against an inline reference model.

function check(failures, condition, message) {
  if (!condition) failures.push(message);
}

// Kubernetes' scan, one address at a time, for the model comparison.
function modelNext(taken, size, band, draw) {
  if (taken.size === size) return -1;
  const upper = size - band;
  const start = draw(upper);
  for (let i = 0; i < upper; i++) {
    const k = band + ((start + i) % upper);
    if (!taken.has(k)) return k;
  }
  const low = draw(band);
  for (let i = 0; i < band; i++) {
    const k = (low + i) % band;
    if (!taken.has(k)) return k;
  }
  return -1;
}

/** The value as plain JSON data (bigints as their decimal text): what a page hands back to the test. */
export function plain(value) {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? String(v) : v)));
}

export function runSuite(lib) {
  const { ClusterIPAllocator, describeRange, AllocatorError } = lib;
  const failures = [];
  const results = {};

  // Seeded sequences: the same seed must give the same IPs on every platform.
  for (const [cidr, count] of [['10.96.0.0/24', 254], ['10.96.0.0/16', 2000], ['fd00:10:96::/112', 500], ['fd00:10:96::/64', 300], ['10.0.0.0/7', 300]]) {
    const a = new ClusterIPAllocator(cidr, { seed: 42 });
    const ips = a.allocateMany(count);
    check(failures, new Set(ips).size === count, `${cidr}: duplicates in a seeded run`);
    results[`seeded ${cidr}`] = ips;
    results[`snapshot ${cidr}`] = Array.from(a.snapshot().data.slice(0, 64));
    a.dispose();
  }
  for (const strategy of ['sequential', 'uniform']) {
    results[`strategy ${strategy}`] = new ClusterIPAllocator('10.96.0.0/20', { seed: 7, strategy }).allocateMany(100);
  }

  // The doc's examples.
  const info = describeRange('10.96.0.0/24');
  check(failures, info.size === 254n && info.bandOffset === 16 && info.staticEnd === '10.96.0.16', 'describeRange /24');
  results.describe = [info.cidr, String(info.size), info.bandOffset, info.staticStart, info.staticEnd, info.rangeEnd];

  // Errors and their codes.
  const a = new ClusterIPAllocator('10.96.0.0/24', { seed: 1 });
  const codeOf = (fn) => {
    try {
      fn();
      return 'none';
    } catch (error) {
      return error instanceof AllocatorError ? error.code : `other: ${error}`;
    }
  };
  a.allocate('10.96.0.10');
  results.errors = [
    codeOf(() => a.allocate('10.96.0.10')),
    codeOf(() => a.allocate('10.96.1.1')),
    codeOf(() => a.allocate('10.96.0.010')),
    codeOf(() => a.allocate('::ffff:10.96.0.1')),
    codeOf(() => new ClusterIPAllocator('10.96.0.5/24')),
    codeOf(() => a.restore({ range: '10.96.1.0/24', data: new Uint8Array() })),
  ];
  check(failures, results.errors.join() === 'ERR_ALLOCATED,ERR_NOT_IN_RANGE,ERR_INVALID_IP,ERR_INVALID_IP,ERR_INVALID_CIDR,ERR_MISMATCHED_NETWORK', `error codes: ${results.errors}`);
  check(failures, a.snapshot().data.length === 2 && a.snapshot().data[0] === 2, 'snapshot bytes of .10');

  // Random operations against the model, with a scripted randomInt (collisions forced).
  for (const cidr of ['10.96.0.0/27', '10.96.0.0/24', '10.96.0.0/22']) {
    const meta = describeRange(cidr);
    const size = Number(meta.size);
    const band = meta.bandOffset;
    let state = 12345;
    const lcg = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const starts = [0, 1, 5, 1000003];
    let i = 0;
    let j = 0;
    const real = new ClusterIPAllocator(cidr, { randomInt: (n) => BigInt(starts[i++ % 4]) % n });
    const taken = new Set();
    const modelDraw = (n) => starts[j++ % 4] % n;
    for (let step = 0; step < 3000; step++) {
      const op = lcg() % 4;
      if (op < 2) {
        const k = modelNext(taken, size, band, modelDraw);
        let got = -1;
        try {
          got = real.allocateNextOffset();
        } catch (error) {
          check(failures, k === -1 && error.code === 'ERR_FULL', `${cidr}: unexpected ${error}`);
        }
        if (k >= 0) taken.add(k);
        check(failures, got === k, `${cidr} step ${step}: got ${got}, model ${k}`);
      } else if (op === 2) {
        const k = lcg() % size;
        check(failures, real.releaseOffset(k) === taken.delete(k), `${cidr}: release ${k}`);
      } else {
        const k = lcg() % size;
        check(failures, real.hasOffset(k) === taken.has(k), `${cidr}: has ${k}`);
      }
      if (failures.length > 20) break;
    }
    check(failures, real.used === taken.size, `${cidr}: used ${real.used} vs ${taken.size}`);
  }

  runServiceIPAMChecks(lib, results, failures);
  return { results, failures };
}

// The API-server side: versions, ServiceCIDRs, IPAddresses, warnings and typed errors.
function runServiceIPAMChecks(lib, results, failures) {
  const { ServiceIPAM, ServiceValidationError, ServiceInternalError, NetworkingValidationError, AllocatorError } = lib;
  const svc = (name, spec = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
  const kindOf = (fn) => {
    try {
      fn();
      return 'none';
    } catch (error) {
      for (const [name, type] of [['ServiceValidationError', ServiceValidationError], ['ServiceInternalError', ServiceInternalError], ['NetworkingValidationError', NetworkingValidationError], ['AllocatorError', AllocatorError]]) {
        if (error instanceof type) return `${name}: ${error.message}`;
      }
      return `other: ${error}`;
    }
  };
  let now = Date.UTC(2026, 0, 1);
  for (const version of ['1.32', '1.33', '1.36']) {
    const ipam = new ServiceIPAM({ serviceClusterIPRange: '10.96.0.0/28,fd00::/124', kubernetesVersion: version, seed: 5, now: () => now });
    const created = [
      ipam.create(svc('a')).spec.clusterIPs,
      ipam.create(svc('b', { ipFamilyPolicy: 'RequireDualStack' })).spec.clusterIPs,
      ipam.create(svc('h', { clusterIP: 'None' })).spec.ipFamilyPolicy,
    ];
    const warnings = [];
    const sloppy = kindOf(() => ipam.create(svc('s', { clusterIP: '010.096.000.012' }), { warnings }));
    results[`ipam ${version}`] = { created, sloppy, warnings, outside: kindOf(() => ipam.create(svc('o', { clusterIP: '10.97.0.1' }))) };
    check(failures, new Set(created.slice(0, 2).flat()).size === 3, `${version}: duplicate Service IPs`);
    if (version === '1.32') {
      check(failures, kindOf(() => ipam.serviceCIDRs()).startsWith('AllocatorError'), '1.32 has no ServiceCIDRs');
      continue;
    }
    ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'extra' }, spec: { cidrs: ['10.97.0.0/28'] } });
    ipam.applyIPAddress({ apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: { name: '10.97.0.9' }, spec: { parentRef: { resource: 'gateways', namespace: 'gw', name: 'g' } } });
    const more = Array.from({ length: 30 }, (_, i) => kindOf(() => ipam.create(svc(`m${i}`))));
    // 14 + 14 addresses less default/kubernetes, a, h's none, s (1.33 only), the reserved one: then full.
    check(failures, more.every((r) => r === 'none' || r.startsWith('ServiceInternalError')) && more.includes('none') && more.at(-1).startsWith('ServiceInternalError'), `${version}: extending the range: ${more}`);
    const blocked = ipam.deleteServiceCIDR('extra');
    now += 60_000;
    results[`servicecidrs ${version}`] = {
      more,
      blocked: blocked?.status?.conditions?.[0]?.reason,
      names: ipam.serviceCIDRs().map((o) => o.metadata.name),
      addresses: ipam.ipAddresses().length,
      badCIDR: kindOf(() => ipam.applyServiceCIDR({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'bad' }, spec: { cidrs: ['10.0.0.1/24'] } })),
      repair: ipam.repair().events.map((e) => e.reason),
    };
    check(failures, ipam.ipAddresses().length === ipam.list().flatMap((s) => s.spec.clusterIPs.filter((ip) => ip !== 'None')).length + 1, `${version}: IPAddress per Service IP`);
  }
}
