// The package in two browser engines — Debian's Chromium (over CDP) and Firefox ESR (over WebDriver
// BiDi), both driven by puppeteer-core — served the way an application serves it
// (/node_modules/clusterip/dist/...), with no import map and no bundler:
// - a page importing dist/index.js, and one importing dist/browser.js (clusterip/browser);
// - a module Worker importing clusterip/browser;
// - a page under a strict Content-Security-Policy (script-src 'self'): what needs no kernel works,
//   and the first allocator throws ERR_KERNEL_UNAVAILABLE naming 'wasm-unsafe-eval';
// - the same page with 'wasm-unsafe-eval' allowed: everything works.
// Every outcome must equal what Node gives.
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { plain, runSuite } from './browser/shared-suite.js';
import { startAppServer, type AppServer } from './browser/app-server.js';
import { requireBinary } from './setup/required-binary.js';
import { ENGINES, launchBrowser, type EngineName } from '../scripts/browsers.mjs';

const expected = plain(runSuite(lib));
const STRICT = "default-src 'self'; script-src 'self'";
const WITH_WASM = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

let server: AppServer;
beforeAll(async () => {
  server = await startAppServer((page) => (page === '/app/csp.html?strict' ? STRICT : page === '/app/csp.html?wasm' ? WITH_WASM : undefined));
});
afterAll(async () => {
  await server?.close();
});

for (const id of ['chromium', 'firefox'] as EngineName[]) {
  const engine = ENGINES[id];
  const available = requireBinary(engine.path, `the ${engine.name} tests`, engine.install);

  describe.skipIf(!available)(`in ${engine.name}`, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser(id);
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** Opens the page and waits, with no time budget, until it publishes its outcome. */
    async function outcomeAt(path: string): Promise<any> {
      const page = await browser.newPage();
      try {
        page.setDefaultTimeout(0);
        await page.goto(`${server.url}${path}`);
        await page.waitForFunction(() => (window as any).__outcome !== undefined, { timeout: 0 });
        return await page.evaluate(() => (window as any).__outcome);
      } finally {
        await page.close();
      }
    }

    it.each(['index.js', 'browser.js'])('a module page importing dist/%s (no import map) gives Node\'s exact results', async (entry) => {
      const outcome = await outcomeAt(`/app/page.html?entry=${entry}`);
      expect(outcome.error).toBeUndefined();
      expect(outcome.failures).toEqual([]);
      expect(outcome.results).toEqual(expected.results);
    });

    it('a module Worker importing clusterip/browser gives Node\'s exact results', async () => {
      const outcome = await outcomeAt('/app/worker.html');
      expect(outcome.error).toBeUndefined();
      expect(outcome.failures).toEqual([]);
      expect(outcome.results).toEqual(expected.results);
    });

    it("under script-src 'self', describeRange works and the first allocator throws ERR_KERNEL_UNAVAILABLE naming the fix", async () => {
      const outcome = await outcomeAt('/app/csp.html?strict');
      expect(outcome.error).toBeUndefined();
      expect(outcome.described).toEqual(plain(lib.describeRange('10.96.0.0/24')));
      expect(outcome.allocator).toMatchObject({ name: 'AllocatorError', code: 'ERR_KERNEL_UNAVAILABLE', isAllocatorError: true });
      expect(outcome.allocator.message).toContain("add 'wasm-unsafe-eval' to script-src");
    });

    it("with 'wasm-unsafe-eval' allowed, allocators work and give Node's exact results", async () => {
      const outcome = await outcomeAt('/app/csp.html?wasm');
      expect(outcome.error).toBeUndefined();
      const twin = new lib.ClusterIPAllocator('10.96.0.0/24', { seed: 42 });
      expect(outcome.allocator).toEqual({ first: twin.allocateNext() });
      twin.dispose();
      expect(outcome.suite.failures).toEqual([]);
      expect(outcome.suite.results).toEqual(expected.results);
    });
  });
}
