// A small static file server on 127.0.0.1 for the demo page and the browser tests.
// `npm run demo` (node scripts/serve.mjs [--port N]) serves the demo page and the built package —
// nothing else of the repository — and prints the demo's URL. The port comes from --port, a bare
// number, or PORT (default 8080); a port already in use is a one-line error.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.yaml': 'text/yaml; charset=utf-8',
};

/** What the demo needs: its page and the built package the page imports. */
export const DEMO_PATHS = ['/examples/web/', '/dist/'];
const DEMO_PAGE = '/examples/web/';

/**
 * Starts the server; resolves to { url, close() }. Port 0 picks a free port. Only URL paths under
 * one of `allow` are served (403 otherwise), never a path with a dot-file segment (.git, .env).
 */
export function startServer(port = 0, base = root, allow = DEMO_PATHS) {
  const server = createServer(async (request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      response.writeHead(400).end('bad path');
      return;
    }
    if (path === '/' && allow.includes(DEMO_PAGE)) {
      response.writeHead(302, { location: DEMO_PAGE }).end();
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    const inside = file === base || file.startsWith(base.endsWith(sep) ? base : base + sep);
    const allowed = allow.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix);
    const hidden = path.split('/').some((segment) => segment.startsWith('.'));
    if (!inside || !allowed || hidden) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

/** The port of `serve.mjs [--port N | --port=N | N]`, else PORT, else 8080. */
export function portFrom(argv, env) {
  let text = env.PORT ?? '8080';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') text = argv[++i] ?? '';
    else if (argv[i].startsWith('--port=')) text = argv[i].slice('--port='.length);
    else if (/^\d+$/.test(argv[i])) text = argv[i];
    else throw new Error(`unknown argument "${argv[i]}"; usage: serve.mjs [--port N] (or PORT=N)`);
  }
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new Error(`the port must be a number from 1 to 65535, got "${text}"`);
  return port;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  try {
    const port = portFrom(process.argv.slice(2), process.env);
    const { url } = await startServer(port).catch((error) => {
      if (error.code === 'EADDRINUSE') throw new Error(`port ${port} on 127.0.0.1 is already in use; pick another with --port N (or PORT=N)`);
      throw error;
    });
    console.log(`clusterip demo: ${url}${DEMO_PAGE}`);
  } catch (error) {
    console.error(`serve.mjs: ${error.message}`);
    process.exit(1);
  }
}
