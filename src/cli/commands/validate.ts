import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit } from '../shared.js';

export async function validateCommand(io: CliIo, paths: string[]): Promise<number> {
  if (paths.length === 0) throw new UsageError('validate needs at least one PATH');
  const state = await loadDesiredOrExit(io, paths);
  let servers = 0;
  for (const svc of state.table.services.values()) servers += svc.servers.size;
  io.stdout(`Valid: ${state.files.length} file(s), ${state.table.services.size} service(s), ${servers} real server(s).\n`);
  return 0;
}
