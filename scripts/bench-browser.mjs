// `npm run bench:browser` (`-- --quick`, `-- --only=<text>`): bundles bench/browser.ts with
// esbuild, serves it on 127.0.0.1, runs it in Debian's Chromium via puppeteer-core and prints the
// same table as `npm run bench`, so Node and browser speeds can be compared.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startServer } from './serve.mjs';
import { launchBrowser } from './browsers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const out = mkdtempSync(join(tmpdir(), 'clusterip-bench-'));
await build({ entryPoints: [join(root, 'bench/browser.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(out, 'bench.js'), logLevel: 'error' });
writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>clusterip bench</title><script type="module" src="./bench.js"></script>');
const server = await startServer(0, out, ['/']);
const browser = await launchBrowser('chromium');
try {
  const page = await browser.newPage();
  page.on('console', (message) => process.stderr.write(message.text() === '.' ? '.' : `${message.text()}\n`));
  const query = new URLSearchParams();
  if (quick) query.set('quick', '');
  if (only) query.set('only', only);
  // The suite starts after the load event and then keeps the page busy, so only wait for the commit.
  await page.goto(`${server.url}/index.html?${query}`, { waitUntil: 'domcontentloaded', timeout: 0 });
  await page.waitForFunction(() => window.__bench, { timeout: 0, polling: 500 });
  const result = await page.evaluate(() => window.__bench);
  process.stderr.write('\n');
  if (result.error) {
    console.error(result.error);
    process.exitCode = 1;
  } else {
    console.log(result.text);
  }
} finally {
  await browser.close();
  await server.close();
}
