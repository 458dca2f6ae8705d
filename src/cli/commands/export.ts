import { exportDesiredYaml } from '../../export/to-yaml.js';
import type { GlobalArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { readLiveOrExit } from '../shared.js';

export async function exportCommand(io: CliIo, g: GlobalArgs, live: string | undefined): Promise<number> {
  const table = await readLiveOrExit(io, { liveFile: live, ipvsadm: () => io.createIpvsadm(g.ipvsadm), thresholds: true });
  const source = live === undefined ? `${g.ipvsadm} -S -n` : live === '-' ? 'stdin' : live;
  io.stdout(exportDesiredYaml(table, `Exported by lvsync from ${source}.\nReview names and add a scope before committing it.`));
  return 0;
}
