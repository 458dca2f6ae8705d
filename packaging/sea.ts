import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Node's single-executable-application support (Node 20: `--experimental-sea-config`, postject):
 * the bundle becomes a blob, with V8's code cache for it so start-up skips compiling the 2 MB
 * script, and the blob is injected into a copy of the node binary running this build. The result
 * needs nothing on the host but the C library node was linked against. `strip` (binutils) must be on
 * the PATH.
 */
export async function buildExecutable(bundleFile: string, outfile: string, workDir: string, node = process.execPath): Promise<void> {
  const config = join(workDir, 'sea-config.json');
  const blob = join(workDir, 'sea-prep.blob');
  writeFileSync(config, `${JSON.stringify({
    main: bundleFile,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }, null, 2)}\n`);
  // the code cache is made by, and only valid for, the node binary the blob is injected into
  execFileSync(node, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  copyFileSync(node, outfile);
  chmodSync(outfile, 0o755);
  // node's symbols and debug information are an eighth of its size and of no use on a director
  // (lintian also asks packaged binaries to be stripped); stripped before the blob goes in
  execFileSync('strip', ['--strip-all', '--remove-section=.comment', outfile], { stdio: 'inherit' });
  const { inject } = await import('postject');
  await inject(outfile, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  });
}
