/**
 * `npm run package`: everything issue 15 ships, from a built tree (`npm run build`), into dist/pkg/:
 * the single executable lvsync-<version>-linux-<arch>. Run with node, from the repository root.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildInfo } from '../src/package-files.js';
import { bundle } from './bundle.js';
import { buildExecutable } from './sea.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'dist/pkg');
const work = join(out, 'build');
const info = JSON.parse(readFileSync(join(root, 'dist/src/build-info.json'), 'utf8')) as BuildInfo;

rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const bundleFile = join(work, 'lvsync.cjs');
const warnings = await bundle(root, bundleFile);
for (const w of warnings) process.stderr.write(`package: esbuild: ${w}\n`);

const executable = join(out, `lvsync-${info.version}-linux-${process.arch}`);
await buildExecutable(bundleFile, executable, work);
process.stdout.write(`package: ${executable}\n`);
