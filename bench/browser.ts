// Entry of the browser benchmark (bundled by scripts/bench-browser.mjs): the same suite as
// `npm run bench`, in the page; the result lands on window.__bench.
import { runBenchSuite } from './suite.js';

const params = new URLSearchParams(location.search);
const quick = params.has('quick');
const only = params.get('only') ?? undefined;
const ua = (navigator as Navigator & { userAgentData?: { brands?: Array<{ brand: string; version: string }> } }).userAgentData;
const brand = ua?.brands?.find((b) => /Chrom/.test(b.brand));
const platform = `${brand ? `${brand.brand} ${brand.version}` : navigator.userAgent}, ${navigator.hardwareConcurrency} cores`;
// Started after the load event: the suite's checks run long without yielding.
const start = () => runBenchSuite({ quick, only, platform, log: (s) => console.log(s.trim()) }).then(
  (result) => { (window as unknown as { __bench: unknown }).__bench = { text: result.text }; },
  (error) => { (window as unknown as { __bench: unknown }).__bench = { error: String(error?.stack ?? error) }; },
);
addEventListener('load', () => setTimeout(start, 0));
