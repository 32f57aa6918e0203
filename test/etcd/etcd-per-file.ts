// One etcd member for a test file: started before its tests and stopped after them, with a
// client for reading what the tests stored. When etcd is missing the file's suites are skipped
// (an error under CI=true: test/setup/required-binary.ts).
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { requireBinary } from '../setup/required-binary.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

export const ETCD_BINARY = process.env.ETCD_BINARY ?? '/usr/bin/etcd';

export interface EtcdForFile {
  /** Whether etcd is installed (describe.skipIf(!etcd.available)). */
  readonly available: boolean;
  /** The running member (inside tests). */
  server(): EtcdServer;
  /** A client of it, made on first use and closed after the file's tests. */
  client(): Etcd3;
}

export function etcdForFile(): EtcdForFile {
  const available = requireBinary(ETCD_BINARY, 'the etcd tests', 'apt-get install etcd-server');
  let server: EtcdServer | undefined;
  let client: Etcd3 | undefined;
  beforeAll(async () => {
    if (available) server = await startEtcd(ETCD_BINARY);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });
  const running = (): EtcdServer => {
    if (!server) throw new Error('etcd is not running: use it inside a test');
    return server;
  };
  return { available, server: running, client: () => (client ??= new Etcd3({ hosts: running().endpoint })) };
}
