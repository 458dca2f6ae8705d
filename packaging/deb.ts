import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { installedFiles, type InstalledFile, type PackageFormat } from './layout.js';

/**
 * lvsync_<version>-1_amd64.deb with dpkg-deb, from the built tree: the files of layout.ts staged
 * under a root owned by root (--root-owner-group), the control file, conffiles and md5sums. No
 * maintainer scripts: the units are installed, not enabled or started.
 */

export const MAINTAINER = process.env.LVSYNC_MAINTAINER ?? 'lvsync maintainers <lvsync@example.org>';

export const DESCRIPTION = `declarative Linux IPVS (LVS) tables, planned and applied with ipvsadm
 lvsync reads the desired IPVS table of a load-balancing director from YAML
 files checked against a JSON schema, plans the minimal ordered ipvsadm
 commands that turn the live table into it, applies them in one batch, and
 keeps the director converged as a daemon (lvsync.service), with health
 checks, draining, Prometheus metrics and a status page.
 .
 This package is a single executable with Node.js built in; it needs no
 Node.js on the host.`;

/** Copies (and gzips) each file into the staging root; returns the staged files' total size in bytes. */
export function stage(root: string, stageDir: string, files: readonly InstalledFile[]): number {
  rmSync(stageDir, { recursive: true, force: true });
  let bytes = 0;
  for (const f of files) {
    const target = join(stageDir, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    if (f.gzip) writeFileSync(target, gzipSync(readFileSync(join(root, f.from)), { level: 9 }));
    else copyFileSync(join(root, f.from), target);
    chmodSync(target, f.mode);
    bytes += statSync(target).size;
  }
  return bytes;
}

export function debianArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

export function buildDeb(root: string, version: string, executable: string, outDir: string, format: PackageFormat = 'deb'): string {
  const files = installedFiles(format, executable);
  const stageDir = join(outDir, 'build/deb');
  const bytes = stage(root, stageDir, files);
  const debVersion = `${version}-1`;
  mkdirSync(join(stageDir, 'DEBIAN'));
  writeFileSync(join(stageDir, 'DEBIAN/control'), `${[
    'Package: lvsync',
    `Version: ${debVersion}`,
    `Architecture: ${debianArch()}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${Math.ceil(bytes / 1024)}`,
    // ipvsadm does the work; the C and C++ runtimes are node's (glibc 2.28, GLIBCXX_3.4.21)
    'Depends: ipvsadm, libc6 (>= 2.28), libgcc-s1 (>= 3.0), libstdc++6 (>= 5.2)',
    'Suggests: git',
    'Section: net',
    'Priority: optional',
    `Description: ${DESCRIPTION}`,
  ].join('\n')}\n`);
  writeFileSync(join(stageDir, 'DEBIAN/conffiles'), files.filter((f) => f.config).map((f) => `${f.path}\n`).join(''));
  const md5 = execFileSync('md5sum', files.filter((f) => !f.config).map((f) => f.path.slice(1)), { cwd: stageDir, encoding: 'utf8' });
  writeFileSync(join(stageDir, 'DEBIAN/md5sums'), md5);
  for (const name of ['control', 'conffiles', 'md5sums']) chmodSync(join(stageDir, 'DEBIAN', name), 0o644);
  const deb = join(outDir, `lvsync_${debVersion}_${debianArch()}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stageDir, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  return deb;
}
