/**
 * Build step (`npm run build`): stamps dist/src/build-info.json with the version and the git commit of
 * the tree being built (build-info.ts), for `lvsync --version` and the packages.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILD_INFO_URL } from '../src/package-files.js';
import { readBuildInfo } from './build-info.js';

writeFileSync(BUILD_INFO_URL, `${JSON.stringify(readBuildInfo(fileURLToPath(new URL('../../', import.meta.url))))}\n`);
