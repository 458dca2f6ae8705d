import { join } from 'node:path';

/**
 * What the .deb and the .rpm install, one list for both: the executable, the systemd units
 * (installed, not enabled), a commented desired state as a configuration file, the ip_vs module at
 * boot, the man page, bash and zsh completion, the schema and the documents. The two formats
 * differ only in where their distributions keep units and zsh functions.
 */
export interface InstalledFile {
  /** absolute path on the target system */
  readonly path: string;
  /** the file in the built tree to copy (relative to the repository root) */
  readonly from: string;
  readonly mode: 0o755 | 0o644;
  /** an administrator's file: an upgrade keeps their edits (dpkg conffile, rpm %config(noreplace)) */
  readonly config?: boolean;
  /** gzip it (-9n) on the way, as man pages and changelogs are shipped */
  readonly gzip?: boolean;
}

export type PackageFormat = 'deb' | 'rpm';

export const UNITS = ['lvsync.service', 'lvsync-git-pull.service', 'lvsync-git-pull.timer'] as const;

export function unitDir(format: PackageFormat): string {
  // Debian 12 and Ubuntu 22.04/24.04 keep packaged units in /lib (the same directory on a merged /usr)
  return format === 'deb' ? '/lib/systemd/system' : '/usr/lib/systemd/system';
}

export function installedFiles(format: PackageFormat, executable: string): InstalledFile[] {
  const doc = format === 'deb' ? '/usr/share/doc/lvsync' : '/usr/share/doc/lvsync';
  return [
    { path: '/usr/bin/lvsync', from: executable, mode: 0o755 },
    ...UNITS.map((unit): InstalledFile => ({ path: join(unitDir(format), unit), from: `examples/systemd/${unit}`, mode: 0o644 })),
    { path: '/etc/lvsync/desired/lvsync.yaml', from: 'packaging/files/lvsync.yaml', mode: 0o644, config: true },
    { path: '/usr/lib/modules-load.d/lvsync.conf', from: 'packaging/files/modules-load.conf', mode: 0o644 },
    { path: '/usr/share/man/man1/lvsync.1.gz', from: 'dist/pkg/man/lvsync.1', mode: 0o644, gzip: true },
    { path: '/usr/share/bash-completion/completions/lvsync', from: 'dist/pkg/completion/lvsync', mode: 0o644 },
    { path: format === 'deb' ? '/usr/share/zsh/vendor-completions/_lvsync' : '/usr/share/zsh/site-functions/_lvsync', from: 'dist/pkg/completion/_lvsync', mode: 0o644 },
    { path: '/usr/share/lvsync/schema/desired-state.v1.schema.json', from: 'schema/desired-state.v1.schema.json', mode: 0o644 },
    ...(format === 'deb'
      ? [
        { path: `${doc}/copyright`, from: 'packaging/files/copyright', mode: 0o644 },
        { path: `${doc}/changelog.gz`, from: 'CHANGELOG.md', mode: 0o644, gzip: true },
        { path: `${doc}/changelog.Debian.gz`, from: 'dist/pkg/build/changelog.Debian', mode: 0o644, gzip: true },
        { path: '/usr/share/lintian/overrides/lvsync', from: 'packaging/files/lintian-overrides', mode: 0o644 },
      ] satisfies InstalledFile[]
      : [
        { path: `${doc}/CHANGELOG.md`, from: 'CHANGELOG.md', mode: 0o644 },
        { path: '/usr/share/licenses/lvsync/copyright', from: 'packaging/files/copyright', mode: 0o644 },
      ] satisfies InstalledFile[]),
    { path: `${doc}/README.md`, from: 'README.md', mode: 0o644 },
  ];
}
