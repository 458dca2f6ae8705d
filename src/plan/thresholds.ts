import type { Diagnostic } from '../diagnostics.js';
import type { DesiredState, Table } from '../model/types.js';

/** Warn when thresholds are declared but the live snapshot cannot show them (a saved -S has none). */
export function unobservedThresholds(desired: DesiredState, live: Table): Diagnostic[] {
  for (const svc of desired.table.services.values()) {
    const liveSvc = live.services.get(svc.key);
    for (const s of svc.servers.values()) {
      const l = liveSvc?.servers.get(s.key);
      if ((s.upperThreshold || s.lowerThreshold) && l && l.upperThreshold === null) {
        return [{ severity: 'warning', code: 'LIVE_PARSE', message: 'thresholds are declared but the live snapshot does not show them (ipvsadm -S never prints -x/-y), so they are not compared; plan against the kernel to include them' }];
      }
    }
  }
  return [];
}
