// A small fast seeded generator (mulberry32) for the baselines, so they pay about what Go's
// math/rand costs and their runs are repeatable.
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IPv4 text <-> offset for the baselines' string workloads (like net.ParseIP plus subtraction). */
export function ipv4ToNumber(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!Number.isInteger(octet) || octet < 0 || octet > 255 || part === '' || (part.length > 1 && part[0] === '0')) return -1;
    value = value * 256 + octet;
  }
  return value;
}
