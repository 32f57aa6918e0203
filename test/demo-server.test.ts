// The demo server (`npm run demo`) serves the demo page and the built package only, on
// 127.0.0.1, on the port asked for, and says so in one line when that port is taken (issue 14).
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portFrom, startServer } from '../scripts/serve.mjs';

const root = join(import.meta.dirname, '..');
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  server = await startServer(0, root);
});
afterAll(async () => {
  await server?.close();
});

describe('what the demo server serves', () => {
  it.each([
    ['/examples/web/', 200],
    ['/examples/web/app.js', 200],
    ['/dist/index.js', 200],
    ['/.git/config', 403],
    ['/package.json', 403],
    ['/src/index.ts', 403],
    ['/test/browser/suite.html', 403],
    ['/dist/../package.json', 403],
    ['/%2e%2e/%2e%2e/etc/passwd', 403],
    ['/dist/.hidden', 403],
    ['/examples/web/missing.js', 404],
  ])('%s answers %i', async (path, status) => {
    const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
    expect(response.status).toBe(status);
  });

  it('/ sends the browser to the demo page; the server listens on 127.0.0.1 only', async () => {
    const response = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/examples/web/');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('the port', () => {
  it.each([
    [[], {}, 8080],
    [['--port', '9000'], {}, 9000],
    [['--port=9001'], { PORT: '7000' }, 9001],
    [['9002'], {}, 9002],
    [[], { PORT: '7001' }, 7001],
  ] as Array<[string[], Record<string, string>, number]>)('%j with %j is %i', (argv, env, port) => {
    expect(portFrom(argv, env)).toBe(port);
  });

  it.each([[['--port', 'http']], [['--port', '70000']], [['--bogus']]])('%j is refused', (argv) => {
    expect(() => portFrom(argv, {})).toThrow(/port|unknown argument/);
  });

  it('a port already in use is one line on stderr and exit 1, no stack trace', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = spawnSync(process.execPath, [join(root, 'scripts', 'serve.mjs'), '--port', String(port)], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(`serve.mjs: port ${port} on 127.0.0.1 is already in use; pick another with --port N (or PORT=N)`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
