// Long seeded allocation sequences, recorded with the library as it was before the one-ABI kernel
// (scripts/record-replay.mjs writes test/fixtures/replay-before-abi.json) and replayed by
// test/replay.test.ts: same seed, same results, for every strategy, both representations, single
// calls and batches. Plain JavaScript, so the recording script and the test share it.

export const REPLAY_CASES = [
  ...['random-scan', 'sequential', 'uniform'].flatMap((strategy) => [
    { cidr: '10.96.0.0/24', strategy, mode: 'single', steps: 3000 },
    { cidr: '10.96.0.0/20', strategy, mode: 'single', steps: 20000 },
    { cidr: '10.96.0.0/16', strategy, mode: 'batch', steps: 60000 },
    { cidr: 'fd00:10:96::/116', strategy, mode: 'single', steps: 12000 },
    { cidr: 'fd00:10:96::/64', strategy, mode: 'single', steps: 20000 },
    { cidr: 'fd00:10:96::/64', strategy, mode: 'batch', steps: 100000 },
    { cidr: '10.0.0.0/7', strategy, mode: 'single', steps: 20000 },
  ]),
  { cidr: '10.96.0.0/27', strategy: 'random-scan', drawModel: 'ipaddress', mode: 'single', steps: 400 },
  { cidr: 'fd00:10:96::/64', strategy: 'random-scan', drawModel: 'ipaddress', mode: 'single', steps: 5000 },
];

export function caseName(c) {
  return `${c.cidr} ${c.strategy}${c.drawModel ? ` ${c.drawModel}` : ''} ${c.mode} ×${c.steps}`;
}

// FNV-1a, 64-bit, over the texts of the outcomes.
function digest(texts) {
  let hash = 0xcbf29ce484222325n;
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
    hash = BigInt.asUintN(64, (hash ^ 10n) * 0x100000001b3n);
  }
  return hash.toString(16).padStart(16, '0');
}

/** Plays one case on a library's ClusterIPAllocator; returns what was handed out, digested. */
export function replay(lib, c) {
  const a = new lib.ClusterIPAllocator(c.cidr, { seed: 20261123, strategy: c.strategy, ...(c.drawModel ? { drawModel: c.drawModel } : {}) });
  const out = [];
  const live = [];
  const take = (ip) => {
    out.push(ip);
    live.push(ip);
  };
  // Every fifth step (single) or every batch (batch) releases some, so scans meet holes and runs.
  const releaseOne = (i) => {
    const at = (i * 7919) % live.length;
    const ip = live[at];
    live[at] = live[live.length - 1];
    live.pop();
    out.push(`-${ip}:${a.release(ip)}`);
  };
  if (c.mode === 'single') {
    for (let i = 0; i < c.steps; i++) {
      if (i % 5 === 4 && live.length > 0) releaseOne(i);
      else {
        try {
          take(a.allocateNext());
        } catch (error) {
          out.push(`!${error.code}`);
        }
      }
    }
  } else {
    for (let done = 0, i = 0; done < c.steps; i++) {
      const size = Math.min(1 + ((i * 2654435761) % 5000), c.steps - done);
      const free = Number(a.free < 1000000n ? a.free : 1000000n);
      for (const ip of a.allocateMany(Math.min(size, free))) take(ip);
      done += size;
      for (let r = 0; r < size / 4 && live.length > 0; r++) releaseOne(i + r);
    }
  }
  out.push(`used=${a.used}`);
  a.dispose();
  return { digest: digest(out), head: out.slice(0, 8), length: out.length };
}
