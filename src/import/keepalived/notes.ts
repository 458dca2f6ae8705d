import type { ImportCode, ImportNote, ImportNoteSeverity, SourcePos } from '../types.js';

/**
 * Notes and comments as the mapping finds them. A note about a virtual_server is also a comment
 * before the first service it became; which index that is is only known once every service is
 * built, so the mapping files them under the virtual_server (`owner`), and index.ts places them.
 */

/** What a note belongs to: a virtual_server being mapped, or the document as a whole (null). */
export type Owner = object | null;

export interface PendingComment {
  readonly owner: Owner;
  readonly text: string;
  readonly at: SourcePos;
}

export class Notes {
  readonly notes: ImportNote[] = [];
  readonly comments: PendingComment[] = [];

  /** Something lvsync cannot express: a note, and a comment where it belongs. */
  unsupported(owner: Owner, message: string, at: SourcePos, severity: ImportNoteSeverity = 'warning'): void {
    this.add(owner, severity, 'IMPORT_UNSUPPORTED', message, at);
  }

  /** What keepalived itself warns about and then ignores (an unknown keyword, an invalid value). */
  ignored(owner: Owner, message: string, at: SourcePos): void {
    this.add(owner, 'warning', 'IMPORT_UNKNOWN', message, at);
  }

  /** A note with no comment (the problem is the input, not the output). */
  only(severity: ImportNoteSeverity, code: ImportCode, message: string, at: SourcePos): void {
    this.notes.push({ severity, code, message, at });
  }

  /** A comment with no note: where a service came from, a difference in behaviour worth reading. */
  comment(owner: Owner, text: string, at: SourcePos): void {
    this.comments.push({ owner, text, at });
  }

  add(owner: Owner, severity: ImportNoteSeverity, code: ImportCode, message: string, at: SourcePos): void {
    this.notes.push({ severity, code, message, at });
    if (severity !== 'error') this.comments.push({ owner, text: message, at });
  }
}
