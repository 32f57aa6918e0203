// The `yaml` library, loaded on first use. Only the Document API fallback of `allocate -o yaml`
// and `-o yaml` of the other commands need it; imported up front, its CommonJS files cost every
// CLI run about 0.1 s of CPU before the command starts. The CLI runs on Node only, where
// `require` gives the same build an import would.
import { createRequire } from 'node:module';

type YamlLibrary = typeof import('yaml');

let loaded: YamlLibrary | undefined;

export function yamlLibrary(): YamlLibrary {
  loaded ??= createRequire(import.meta.url)('yaml') as YamlLibrary;
  return loaded;
}
