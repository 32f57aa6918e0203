// Writes dist/browser.js (the `clusterip/browser` export): the library as one self-contained ES
// module, with no bare specifiers and no node: imports, so a page, a module Worker or a static
// file server can import it by URL, with no import map and no bundler. Built from dist/index.js,
// after tsc, by esbuild; the build fails if anything would stay outside the file.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'browser.js');
const result = await build({
  entryPoints: [join(root, 'dist', 'index.js')],
  outfile,
  bundle: true,
  format: 'esm',
  // 'neutral': no Node built-ins are assumed, and no package's "browser" field swaps code in.
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  legalComments: 'inline',
  metafile: true,
  logLevel: 'error',
});
const outside = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
if (outside.length > 0) {
  console.error(`browser bundle: imports left outside dist/browser.js: ${outside.join(', ')}`);
  process.exit(1);
}
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`browser bundle: dist/browser.js, ${(bytes / 1024).toFixed(1)} kB, self-contained`);
