import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDesiredSources } from '../../src/desired/parse.js';
import type { DesiredResult } from '../../src/desired/parse.js';
import type { RealServer, VirtualService } from '../../src/model/types.js';

/** test/fixtures/desired, resolved from the compiled test (dist/test/desired/). */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/desired/', import.meta.url));

// a fixture parsed under a short, stable file name ("valid/minimal.yaml")
export function parseFixture(relative: string): DesiredResult {
  return parseDesiredSources([{ file: relative, text: readFileSync(FIXTURES + relative, 'utf8') }]);
}

// fixture names in a folder, sorted: files ending in `ext` and sub-directories (multi-file cases)
export function listFixtures(folder: string, ext: string): { name: string; dir: boolean }[] {
  return readdirSync(FIXTURES + folder).sort()
    .map((entry) => ({ entry, dir: statSync(`${FIXTURES}${folder}/${entry}`).isDirectory() }))
    .filter(({ entry, dir }) => dir || entry.endsWith(ext))
    .map(({ entry, dir }) => ({ name: dir ? entry : entry.slice(0, -ext.length), dir }));
}

// the one service with this key, failing loudly when absent
export function service(result: DesiredResult, key: string): VirtualService {
  const svc = result.state?.table.services.get(key);
  if (!svc) throw new Error(`no service ${key}; have ${[...(result.state?.table.services.keys() ?? [])].join(', ')}`);
  return svc;
}

export function server(svc: VirtualService, key: string): RealServer {
  const rs = svc.servers.get(key);
  if (!rs) throw new Error(`no server ${key} in ${svc.key}; have ${[...svc.servers.keys()].join(', ')}`);
  return rs;
}

/** The server fields every default-only real server has. */
export const DEFAULT_SERVER = { method: 'dr', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnel: null } as const;
