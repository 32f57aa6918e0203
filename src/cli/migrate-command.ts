// `clusterip migrate --store etcd://…[/prefix] [--from <key>]`: moves the one-value state that
// `allocate --store` wrote before the Kubernetes layout into that layout, under the same prefix
// (SharedServiceIPAM.migrateOneValueState). Every Service keeps its cluster IPs and node ports.
import { InputError } from './cli-errors.js';
import { parseStoreURL } from './allocate-command.js';
import { loadSharedServiceIPAM } from './shared-store-module.js';

export async function migrateCommand(options: { store: string; from?: string }): Promise<{ text: string; failed: boolean }> {
  const { endpoints, prefix } = parseStoreURL(options.store);
  const SharedServiceIPAM = await loadSharedServiceIPAM();
  let report;
  try {
    report = await SharedServiceIPAM.migrateOneValueState({ endpoints, prefix, from: options.from });
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_')) throw new InputError(`--store: ${error.message}`);
    throw error;
  }
  const lines = [`moved ${report.services} Services, ${report.serviceCIDRs} ServiceCIDRs and ${report.ipAddresses} IPAddresses from ${report.from} into ${prefix}`];
  for (const { object, message } of report.errors) lines.push(`error: ${object}: ${message}`);
  if (report.deleted) lines.push(`deleted ${report.from}`);
  else lines.push(`kept ${report.from}: ${report.errors.length > 0 ? 'fix the errors and run migrate again into an emptied prefix' : 'it changed while being moved; run migrate again'}`);
  return { text: `${lines.join('\n')}\n`, failed: !report.deleted };
}
