import { exportDesiredYaml } from '../../export/to-yaml.js';
import { readLiveSettings } from '../../live/read-settings.js';
import { readInventory } from '../../state/inventory.js';
import type { GlobalArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { readLiveOrExit, sysctlOf } from '../shared.js';

/** The sysctls export writes when they exist: the ones the desired state is most often used for (issue 7). */
export const EXPORTED_SYSCTLS = ['net.ipv4.vs.expire_nodest_conn', 'net.ipv4.vs.expire_quiescent_template', 'net.ipv4.vs.conntrack', 'net.ipv4.ip_forward'];

export async function exportCommand(io: CliIo, g: GlobalArgs, live: string | undefined): Promise<number> {
  let table = await readLiveOrExit(io, { liveFile: live, ipvsadm: () => io.createIpvsadm(g.ipvsadm), thresholds: true });
  // from the kernel, the settings come along; a saved -S file has none
  if (live === undefined) {
    const settings = await readLiveSettings(io.createIpvsadm(g.ipvsadm), sysctlOf(io), { timeouts: true, daemons: true, sysctls: EXPORTED_SYSCTLS });
    table = { ...table, settings };
  }
  // the VIPs lvsync bound on this director are in its inventory, not in the kernel (which cannot tell them from an operator's)
  const owned = live === undefined ? (await readInventory(g.stateDir, { repair: false })).inventory.addresses ?? [] : [];
  const source = live === undefined ? `${g.ipvsadm} -S -n` : live === '-' ? 'stdin' : live;
  io.stdout(exportDesiredYaml(table, `Exported by lvsync from ${source}.\nReview names and add a scope before committing it.`, owned));
  return 0;
}
