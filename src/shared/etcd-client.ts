// etcd3 and cockatiel are optional peer dependencies: `clusterip` alone installs without them
// (they are 37 of its 42 packages otherwise), and `clusterip/etcd` loads them here, on the first
// connection, failing with one message that says what to install instead of Node's
// module-not-found trace. Loading them on first use rather than with a top-level await keeps the
// entry loadable by require() (Node refuses to require a module graph that awaits at top level).
import type * as Etcd3Module from 'etcd3';
import type * as CockatielModule from 'cockatiel';
import { StoreError } from './store-errors.js';

/** The versions this release is tested with (package.json's peerDependencies). */
export const ETCD_CLIENT_PACKAGES = 'etcd3@1.1.2 cockatiel@3.2.1';

/** The optional peer dependencies' modules. */
export interface EtcdClientModules {
  readonly etcd3: typeof Etcd3Module;
  readonly cockatiel: typeof CockatielModule;
}

async function loadClient(): Promise<EtcdClientModules> {
  try {
    const [etcd3, cockatiel] = await Promise.all([import('etcd3'), import('cockatiel')]);
    return { etcd3, cockatiel };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new StoreError('ERR_STORE_CLIENT_MISSING', `clusterip/etcd needs its optional peer dependencies: npm install ${ETCD_CLIENT_PACKAGES}`, { cause: error });
  }
}

let loading: Promise<EtcdClientModules> | undefined;

/** etcd3 and cockatiel, imported once; rejects with ERR_STORE_CLIENT_MISSING when they are not installed. */
export function loadEtcdClient(): Promise<EtcdClientModules> {
  loading ??= loadClient();
  return loading;
}
