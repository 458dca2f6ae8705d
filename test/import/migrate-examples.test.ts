import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { runCli } from '../helpers/cli.js';

/**
 * examples/migrate/: each tool's configuration before, and what `lvsync import` makes of it after.
 * The "after" files are the command's output, verbatim, so the examples cannot rot; run with
 * LVSYNC_UPDATE_EXAMPLES=1 to write them again after a deliberate change. Paths are relative to the
 * repository (npm runs the tests there). Ports come from lvsync's built-in services table presented
 * as /etc/services, so the output does not depend on the machine, and no host name is resolved.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const update = process.env.LVSYNC_UPDATE_EXAMPLES === '1';

const cases = [
  { tool: 'ipvsadm', input: 'rules', extra: [] as string[] },
  { tool: 'keepalived', input: 'keepalived.conf', extra: ['--keep-vrrp', 'keepalived-vrrp.conf'] },
  { tool: 'ldirectord', input: 'ldirectord.cf', extra: [] as string[] },
];

for (const { tool, input, extra } of cases) {
  const dir = `examples/migrate/${tool}`;
  test(`examples/migrate/${tool}: lvsync.yaml is what lvsync import makes of ${input}, and it is a valid config`, { skip: !existsSync(join(root, dir, input)) && 'no example' }, async () => {
    // --keep-vrrp writes next to the input, as the example's command does: what it held before is the expectation
    const kept = extra.length ? join(dir, extra[1]!) : null;
    const keptBefore = kept && existsSync(kept) ? readFileSync(kept, 'utf8') : '';
    const argv = ['import', tool, `${dir}/${input}`, ...(kept ? ['--keep-vrrp', kept] : [])];
    const r = await runCli(argv);
    assert.equal(r.code, 0, r.stderr);
    const after = join(root, dir, 'lvsync.yaml');
    if (update) writeFileSync(after, r.stdout);
    assert.equal(r.stdout, readFileSync(after, 'utf8'), `${after} differs from \`lvsync ${argv.join(' ')}\``);
    const parsed = parseDesiredSources([{ file: after, text: r.stdout }]);
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
    if (kept) {
      const text = readFileSync(kept, 'utf8');
      if (!update) assert.equal(text, keptBefore, `${kept} differs from what --keep-vrrp writes`);
      assert.doesNotMatch(text, /^\s*virtual_server/m);
      assert.match(text, /vrrp_instance VI_WEB/);
    }
  });
}
