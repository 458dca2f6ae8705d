import type { WrittenFile } from '../desired/written.js';

/**
 * `lvsync import KIND PATH`: another tool's configuration (an `ipvsadm-save` rules file,
 * keepalived.conf, ldirectord.cf) turned into an lvsync desired-state document. Every importer is
 * pure: it takes the text of its files (through `ImportSources`, so includes and globs can be
 * followed without touching the disk in tests) and returns an ImportResult; the command renders it
 * (src/import/render.ts) and exits 0 when the document is a valid config, warnings allowed, 3 when
 * the input is invalid.
 *
 * Nothing is dropped silently: whatever cannot be carried over is a comment in the YAML at the place
 * it belongs, citing its source line, and a note on stderr.
 */

/** Where something was written in the imported file (1-based; col absent when only the line is known). */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col?: number;
}

export type ImportNoteSeverity = 'error' | 'warning' | 'info';

/**
 * Codes of the import notes. IMPORT_SYNTAX: the file is not what the tool itself would load
 * (exit 3). IMPORT_UNSUPPORTED: understood, but lvsync has no equivalent: kept as a comment.
 * IMPORT_UNKNOWN: a keyword the tool does not know either (it warns and goes on, so do we).
 * IMPORT_RESOLVED: a name looked up (a service name as a port, a host name as an address).
 * IMPORT_UNRESOLVED: a name that could not be looked up (exit 3). IMPORT_COLLISION: two lines that
 * are one kernel object after lookup (exit 3). IMPORT_KEPT: a part that stays with the other tool
 * (VRRP stays in keepalived).
 */
export type ImportCode =
  | 'IMPORT_SYNTAX'
  | 'IMPORT_UNSUPPORTED'
  | 'IMPORT_UNKNOWN'
  | 'IMPORT_RESOLVED'
  | 'IMPORT_UNRESOLVED'
  | 'IMPORT_COLLISION'
  | 'IMPORT_KEPT';

export interface ImportNote {
  readonly severity: ImportNoteSeverity;
  readonly code: ImportCode;
  /** what is wrong or what was done, and what to do about it */
  readonly message: string;
  readonly at: SourcePos;
  /** a second place the note is about (the other line of a collision) */
  readonly related?: SourcePos;
}

/**
 * A comment for the YAML output, placed before one service (its index in `document.services`) or
 * at the top of the document (`service: null`). `text` is one or more lines without the leading `#`;
 * the renderer prefixes the source position: `keepalived.conf:12: SMTP_CHECK has no equivalent …`.
 */
export interface ImportComment {
  readonly service: number | null;
  readonly text: string;
  readonly at: SourcePos;
}

export interface ImportResult {
  /** the desired-state document to write (version 1); services in the order the input declared them */
  readonly document: WrittenFile;
  readonly comments: readonly ImportComment[];
  /** printed on stderr as `file:line:col: severity[CODE]: message`; any error makes the import fail (exit 3) */
  readonly notes: readonly ImportNote[];
}

/** Reads the files an importer needs: the main file, and includes resolved against it. */
export interface ImportSources {
  /** the text of `path`, or null when it does not exist */
  read(path: string): string | null;
  /** paths matching a glob pattern (absolute, or relative to `relativeTo`'s directory), sorted */
  glob(pattern: string, relativeTo: string): readonly string[];
}
