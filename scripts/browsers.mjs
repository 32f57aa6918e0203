// The two browser engines the tests and `npm run bench:browser` drive, both Debian's packages and
// both through puppeteer-core: Chromium over the DevTools protocol, Firefox ESR over WebDriver
// BiDi. One place for their paths and launch flags.
import puppeteer from 'puppeteer-core';

export const ENGINES = {
  chromium: {
    name: 'Chromium',
    path: process.env.CLUSTERIP_CHROMIUM ?? '/usr/bin/chromium',
    install: 'apt-get install chromium',
  },
  firefox: {
    name: 'Firefox',
    path: process.env.CLUSTERIP_FIREFOX ?? '/usr/bin/firefox-esr',
    install: 'apt-get install firefox-esr',
  },
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless browser of `engine` ('chromium' or 'firefox'). */
export function launchBrowser(engine) {
  const { path } = ENGINES[engine];
  return engine === 'chromium'
    ? puppeteer.launch({ browser: 'chrome', executablePath: path, headless: true, args: CHROMIUM_ARGS })
    : puppeteer.launch({ browser: 'firefox', executablePath: path, headless: true });
}
