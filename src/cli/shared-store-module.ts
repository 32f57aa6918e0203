// The CLI's way to the shared store: etcd3 and cockatiel are optional peer dependencies, loaded
// only when a command is given --store, and their absence is a usage error that says what to
// install (not a stack trace).
import { InputError } from './cli-errors.js';
import type { SharedServiceIPAM } from '../shared/shared-service-ipam.js';

export async function loadSharedServiceIPAM(): Promise<typeof SharedServiceIPAM> {
  try {
    const [{ SharedServiceIPAM: shared }, { loadEtcdClient }] = await Promise.all([
      import('../shared/shared-service-ipam.js'), import('../shared/etcd-client.js'),
    ]);
    await loadEtcdClient();
    return shared;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_STORE_CLIENT_MISSING') throw new InputError(`--store: ${(error as Error).message}`);
    throw error;
  }
}
