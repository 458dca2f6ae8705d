import type { ImportCode, ImportComment, ImportNote, ImportNoteSeverity, SourcePos } from '../types.js';

/** Where in the file: a line, and a column when one is known. */
export interface Spot {
  readonly line: number;
  readonly col?: number;
}

/**
 * Collects the notes and comments of one import. The mapping steps report into it as they go, so a
 * step returns only its value; positions are given as line/column and the file is added here.
 */
export class Sink {
  readonly notes: ImportNote[] = [];
  readonly comments: ImportComment[] = [];

  constructor(readonly file: string) {}

  pos(spot: Spot): SourcePos {
    return spot.col === undefined ? { file: this.file, line: spot.line } : { file: this.file, line: spot.line, col: spot.col };
  }

  note(severity: ImportNoteSeverity, code: ImportCode, at: Spot, message: string, related?: Spot): void {
    const note: ImportNote = related
      ? { severity, code, message, at: this.pos(at), related: this.pos(related) }
      : { severity, code, message, at: this.pos(at) };
    // a global read for every service (the global fallback's port name) is said once
    if (this.notes.some((n) => n.code === code && n.message === message && n.at.line === note.at.line && n.at.col === note.at.col)) return;
    this.notes.push(note);
  }

  error(code: ImportCode, at: Spot, message: string, related?: Spot): void {
    this.note('error', code, at, message, related);
  }

  warn(code: ImportCode, at: Spot, message: string, related?: Spot): void {
    this.note('warning', code, at, message, related);
  }

  info(code: ImportCode, at: Spot, message: string): void {
    this.note('info', code, at, message);
  }

  /** a YAML comment before service `service` (its index in the document), or at the top (null) */
  comment(service: number | null, at: Spot, text: string): void {
    this.comments.push({ service, text, at: this.pos({ line: at.line }) });
  }

  /** something lvsync has no equivalent for: a comment where it belongs, and a note saying so */
  unsupported(service: number | null, at: Spot, text: string, severity: ImportNoteSeverity = 'info'): void {
    this.comment(service, at, text);
    this.note(severity, 'IMPORT_UNSUPPORTED', at, text);
  }

  hasErrors(): boolean {
    return this.notes.some((n) => n.severity === 'error');
  }
}
