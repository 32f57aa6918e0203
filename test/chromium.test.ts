// The package in real Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core) through a
// Vite production build and the Vite dev server, and the demo page. Each must give exactly the
// results Node gives. (Pages without a bundler, Workers and CSP, in Chromium and Firefox:
// browsers.test.ts.)
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { plain, runSuite } from './browser/shared-suite.js';
import { requireBinary } from './setup/required-binary.js';
import { DEMO_PATHS, startServer } from '../scripts/serve.mjs';
import { ENGINES, launchBrowser } from '../scripts/browsers.mjs';

const root = join(import.meta.dirname, '..');
const haveChromium = requireBinary(ENGINES.chromium.path, 'the Chromium tests', ENGINES.chromium.install);

type Server = { url: string; close: () => Promise<void> };
let browser: Browser;
let server: Server;
const expected = plain(runSuite(lib));

async function suiteAt(url: string): Promise<any> {
  const page = await browser.newPage();
  page.setDefaultTimeout(0); // no time budget: a loaded machine is slower, never red
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as any).__suite, { timeout: 0 });
    const outcome = await page.evaluate(() => (window as any).__suite);
    expect(errors).toEqual([]);
    return outcome;
  } finally {
    await page.close();
  }
}

beforeAll(async () => {
  if (!haveChromium) return;
  browser = await launchBrowser('chromium');
  server = await startServer(0, root, DEMO_PATHS);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!haveChromium)('in Chromium', () => {
  it('a Vite production build (no Vite config) gives the same results', async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'clusterip-vite-'));
    await build({ root: join(root, 'test/fixtures/vite-app'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    const built: Server = await startServer(0, outDir, ['/']);
    try {
      const outcome = await suiteAt(`${built.url}/index.html`);
      expect(outcome.failures).toEqual([]);
      expect(outcome.results).toEqual(expected.results);
    } finally {
      await built.close();
    }
  });

  it('the Vite dev server gives the same results', async () => {
    const { createServer } = await import('vite');
    const dev = await createServer({ root: join(root, 'test/fixtures/vite-app'), logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
    await dev.listen();
    try {
      const address = dev.httpServer!.address() as { port: number };
      const outcome = await suiteAt(`http://127.0.0.1:${address.port}/`);
      expect(outcome.failures).toEqual([]);
      expect(outcome.results).toEqual(expected.results);
    } finally {
      await dev.close();
    }
  });
});

describe.skipIf(!haveChromium)('the demo page', () => {
  async function openDemo(): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    await page.setViewport({ width: 1200, height: 1400 });
    await page.goto(`${server.url}/examples/web/`);
    await page.waitForFunction(() => (window as any).__demoReady);
    return page;
  }

  const textOf = (page: Page, selector: string) => page.$eval(selector, (element) => element.textContent);
  const text = (page: Page, cidr: string, name: string) => textOf(page, `article[data-cidr="${cidr}"] [data-field="${name}"]`);
  const fill = (page: Page, selector: string, value: string) => page.locator(selector).fill(value);

  it('shows the breakdown, allocates like the library and explains errors; screenshot saved', async () => {
    const page = await openDemo();
    await fill(page, '#cidrs', '10.96.0.0/24,fd00:10:96::/120');
    await fill(page, '#seed', '42');
    await page.click('button[type=submit]');
    expect(await text(page, '10.96.0.0/24', 'formula')).toBe('min(max(16, 256/16), 256) = 16');
    expect(await text(page, '10.96.0.0/24', 'static')).toBe('10.96.0.1 – 10.96.0.16 (16 addresses)');
    expect(await text(page, '10.96.0.0/24', 'end')).toBe('10.96.0.254');
    await fill(page, '#count', '20');
    await page.click('#allocate-many');
    await fill(page, '#ip', '10.96.0.10');
    await page.click('#allocate-ip');
    expect(await text(page, '10.96.0.0/24', 'used')).toBe('21');
    expect(await text(page, '10.96.0.0/24', 'static-used')).toBe('1');
    expect(await text(page, '10.96.0.0/24', 'dynamic-used')).toBe('20');
    expect(await text(page, '10.96.0.0/24', 'free')).toBe('233');
    // The same seed and calls in Node give the same addresses the page reports.
    const twin = new lib.ClusterIPAllocator('10.96.0.0/24', { seed: 42 });
    const ips = twin.allocateMany(20);
    expect(await textOf(page, '#last')).toBe('allocated 10.96.0.10');
    await page.click('#allocate-ip');
    expect(await textOf(page, '#error')).toBe('provided IP is already allocated');
    await fill(page, '#ip', ips[0]);
    await page.click('#release-ip');
    expect(await text(page, '10.96.0.0/24', 'used')).toBe('20');
    await fill(page, '#ip', '10.97.0.1');
    await page.click('#allocate-ip');
    expect(await textOf(page, '#error')).toBe('the provided IP (10.97.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/24');
    await page.select('#range-select', '1');
    await fill(page, '#count', '30');
    await page.click('#allocate-many');
    expect(await text(page, 'fd00:10:96::/120', 'used')).toBe('30');
    mkdirSync(join(root, 'test/artifacts'), { recursive: true });
    await page.close();
  });

  it('draws a node port range like a CIDR, with the node port bands and errors', async () => {
    const page = await openDemo();
    await fill(page, '#cidrs', '10.96.0.0/24,30000-32767');
    await fill(page, '#seed', '42');
    await page.click('button[type=submit]');
    expect(await text(page, '30000-32767', 'formula')).toBe('min(max(16, 2768/32), 128) = 86');
    expect(await text(page, '30000-32767', 'static')).toBe('30000 – 30085 (86 ports)');
    expect(await text(page, '30000-32767', 'dynamic')).toBe('30086 – 32767 (2,682 ports)');
    await page.select('#range-select', '1');
    await fill(page, '#count', '25');
    await page.click('#allocate-many');
    await fill(page, '#ip', '30080');
    await page.click('#allocate-ip');
    expect(await text(page, '30000-32767', 'used')).toBe('26');
    expect(await text(page, '30000-32767', 'static-used')).toBe('1');
    // Seed 42 + 1 for the second range: the page hands out what the library does.
    const twin = new lib.NodePortAllocator('30000-32767', { seed: 43 });
    const ports = twin.allocateMany(25);
    twin.dispose();
    expect(await textOf(page, '#last')).toBe('allocated 30080');
    await fill(page, '#ip', String(ports[0]));
    await page.click('#release-ip');
    expect(await text(page, '30000-32767', 'used')).toBe('25');
    await fill(page, '#ip', String(ports[1]));
    await page.click('#allocate-ip');
    expect(await textOf(page, '#error')).toBe('provided port is already allocated');
    await fill(page, '#ip', '40000');
    await page.click('#allocate-ip');
    // 40000 is no address and no port of the node port range: the selected range (ports) answers.
    expect(await textOf(page, '#error')).toBe('provided port is not in the valid range. The range of valid ports is 30000-32767');
    await page.screenshot({ path: join(root, 'test/artifacts/demo-node-ports.png'), fullPage: true });
    await page.screenshot({ path: join(root, 'test/artifacts/demo.png'), fullPage: true });
    await page.close();
  });
});
