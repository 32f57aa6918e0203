// A static server laid out the way an application serves the package: its pages under /app/,
// the installed package under /node_modules/clusterip/ (only dist/ and package.json, as npm
// installs them), and the shared suite under /suite/. Each page may carry a Content-Security-
// Policy header. Listens on 127.0.0.1 only.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json' };
const MOUNTS: ReadonlyArray<[prefix: string, dir: string, allowed: (rest: string) => boolean]> = [
  ['/app/', join(root, 'test', 'browser', 'app'), () => true],
  ['/suite/', join(root, 'test', 'browser'), (rest) => rest === 'shared-suite.js'],
  ['/node_modules/clusterip/', root, (rest) => rest.startsWith('dist/') || rest === 'package.json'],
];

export interface AppServer {
  readonly url: string;
  close(): Promise<void>;
}

/** `csp` maps a page's path (e.g. '/app/csp.html?strict') to the policy it is served with. */
export function startAppServer(csp: (pathAndQuery: string) => string | undefined): Promise<AppServer> {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const mount = MOUNTS.find(([prefix]) => url.pathname.startsWith(prefix));
    const rest = mount === undefined ? '' : url.pathname.slice(mount[0].length);
    const file = mount === undefined ? '' : normalize(join(mount[1], rest));
    if (mount === undefined || !mount[2](rest) || !file.startsWith(mount[1] + sep)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      const policy = csp(url.pathname + url.search);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...(policy === undefined ? {} : { 'content-security-policy': policy }),
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
