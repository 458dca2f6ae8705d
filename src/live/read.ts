import type { Diagnostic } from '../diagnostics.js';
import { runChecked, type Ipvsadm } from '../ipvsadm/port.js';
import type { RealServer, Table, VirtualService } from '../model/types.js';
import { parseListing } from './parse-listing.js';
import { parseIpvsadmSave } from './parse-save.js';

export interface ReadOptions {
  /** also read -L -n --thresholds, because -S never prints -x/-y (facts §2.5) */
  readonly thresholds: boolean;
}

/** Read the live table from the kernel. Parse errors are returned, not thrown: the caller must not plan on a partial table. */
export async function readLiveTable(ipvsadm: Ipvsadm, options: ReadOptions): Promise<{ table: Table; diagnostics: Diagnostic[] }> {
  const save = await runChecked(ipvsadm, ['-S', '-n']);
  const parsed = parseIpvsadmSave(save);
  if (!options.thresholds || parsed.diagnostics.length > 0) return parsed;
  const listing = await runChecked(ipvsadm, ['-L', '-n', '--thresholds']);
  return { table: mergeThresholds(parsed.table, parseListing(listing)), diagnostics: parsed.diagnostics };
}

/** Fill thresholds from a --thresholds listing; servers missing from it (a race with a concurrent change) stay unobserved. */
export function mergeThresholds(table: Table, listing: ReturnType<typeof parseListing>): Table {
  const services = new Map<string, VirtualService>();
  for (const [key, svc] of table.services) {
    const rows = listing.services.get(key)?.servers;
    const servers = new Map<string, RealServer>();
    for (const [skey, server] of svc.servers) {
      const row = rows?.get(skey);
      const upper = row?.values['Uthreshold'];
      const lower = row?.values['Lthreshold'];
      servers.set(skey, upper === undefined || lower === undefined ? server : { ...server, upperThreshold: upper, lowerThreshold: lower });
    }
    services.set(key, { ...svc, servers });
  }
  return { services };
}
