/**
 * Diagnostics are data: collected, never thrown. Tests assert on `code` and position, not on wording.
 */

/** info: something done that a reader may want to check (a name looked up), never a problem */
export type Severity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  // reading the desired state
  | 'FILE_READ' | 'NO_FILES' | 'YAML_SYNTAX' | 'SCHEMA' | 'VERSION'
  // semantic rules
  | 'DUPLICATE_SERVICE' | 'DUPLICATE_NAME' | 'DUPLICATE_SERVER' | 'ADDRESS_INVALID' | 'ADDRESS_NOT_UNICAST'
  | 'DR_PORT_MISMATCH' | 'TUNNEL_WITHOUT_TUN' | 'TUNNEL_OPTIONS' | 'NETMASK_FAMILY' | 'NETMASK_WITHOUT_PERSISTENCE'
  | 'SCHEDULER_FLAG_MISMATCH' | 'SCHEDULER_FLAG_UNUSED' | 'THRESHOLD_ORDER' | 'ONE_PACKET_PROTOCOL'
  | 'ZERO_PORT_NOT_PERSISTENT' | 'MIXED_FAMILY' | 'ENGINE_WITHOUT_PERSISTENCE' | 'SCOPE_CONFLICT' | 'SCOPE_INVALID'
  | 'SCHEDULER_UNAVAILABLE'
  // health checks, the fallback server, draining
  | 'HEALTH_CHECK_PORT' | 'HEALTH_CHECK_COMMAND' | 'HEALTH_CHECK_FIELD_UNUSED' | 'HEALTH_CHECK_TIMEOUT' | 'HEALTH_CHECK_PROTOCOL'
  | 'FALLBACK_CONFLICT' | 'FALLBACK_UNUSED' | 'HEALTH_FAIL_OPEN' | 'DRAIN_PERSISTENT'
  // kernel-wide settings (timeouts, sync daemons, sysctls)
  | 'SETTINGS_CONFLICT' | 'SYNC_DAEMON'
  // VRRP readiness (vrrp)
  | 'VRRP'
  // anycast VIPs announced over BGP (anycast, fleet.anycast)
  | 'ANYCAST' | 'FLEET_ANYCAST'
  // VIP addresses on the director (vips, bindVip)
  | 'VIPS_DEVICE' | 'VIPS_ADDRESS' | 'BIND_VIP_FWMARK'
  // per-director overlays and the fleet (directors, overrides, fleet)
  | 'OVERRIDE_UNKNOWN_SERVICE' | 'OVERRIDE_NOT_ON_DIRECTOR' | 'OVERRIDE_UNKNOWN_DIRECTOR' | 'OVERRIDE_CONFLICT' | 'OVERRIDE_SERVER'
  | 'DIRECTOR_UNKNOWN' | 'DIRECTOR_LABEL' | 'FLEET_LABEL'
  // the live table, and a rules file read as one (names looked up, two lines that are one object)
  | 'LIVE_PARSE' | 'LIVE_RESOLVED' | 'LIVE_UNRESOLVED' | 'LIVE_COLLISION'
  // lvsync import: another tool's configuration (the codes of src/import/types.ts ImportCode)
  | 'IMPORT_SYNTAX' | 'IMPORT_UNSUPPORTED' | 'IMPORT_UNKNOWN' | 'IMPORT_RESOLVED' | 'IMPORT_UNRESOLVED' | 'IMPORT_COLLISION' | 'IMPORT_KEPT'
  // planning / applying
  | 'MASS_DELETE' | 'SETTINGS_NOT_OBSERVED' | 'ADDRESSES_NOT_OBSERVED'
  // the state directory: a file lvsync could not use, moved aside and replaced by its safe default (src/state/recover.ts)
  | 'STATE_FILE';

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** JSON pointer into the document, when known */
  readonly path?: string;
  /** another place involved (the first declaration of a duplicate) */
  readonly related?: { readonly file: string; readonly line: number; readonly col: number };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** "file:line:col: error[CODE]: message" — the form editors and CI annotations understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.col ?? 1}` : ''}: ` : '';
  const related = d.related ? ` (see ${d.related.file}:${d.related.line}:${d.related.col})` : '';
  return `${where}${d.severity}[${d.code}]: ${d.message}${related}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}
