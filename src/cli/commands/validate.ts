import type { GlobalArgs } from '../args.js';
import { UsageError, type CliIo } from '../io.js';
import { loadFleetOrExit } from '../shared.js';

export async function validateCommand(io: CliIo, g: GlobalArgs, paths: string[]): Promise<number> {
  if (paths.length === 0) throw new UsageError('validate needs at least one PATH');
  const { state, fleet } = await loadFleetOrExit(io, paths, { director: g.director });
  let servers = 0;
  for (const svc of state.table.services.values()) servers += svc.servers.size;
  io.stdout(`Valid: ${state.files.length} file(s), ${state.table.services.size} service(s), ${servers} real server(s)${fleet?.used ? ` on director ${g.director}` : ''}.\n`);
  return 0;
}
