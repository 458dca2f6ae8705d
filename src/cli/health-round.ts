import { hostPort } from '../model/keys.js';
import { createHealthMonitor } from '../health/monitor.js';
import { createProbe } from '../health/probe.js';
import { healthTargets } from '../health/targets.js';
import type { HealthState } from '../health/types.js';
import type { DesiredState } from '../model/types.js';
import { systemClock } from '../watch/clock.js';
import type { CliIo } from './io.js';

/**
 * `plan --health` / `apply --health`: one round of every declared check before planning, so the plan
 * shows what health would change. A one-shot has no history, so each result is decisive (a failed
 * check is down). What was found goes to stderr; stdout stays the plan.
 */
export async function runHealthRound(io: CliIo, desired: DesiredState): Promise<ReadonlyMap<string, HealthState>> {
  const targets = healthTargets(desired);
  if (targets.length === 0) {
    io.stderr('lvsync: --health: no real server declares a health check\n');
    return new Map();
  }
  const monitor = createHealthMonitor({ clock: io.clock ?? systemClock, probe: io.probe ?? createProbe() });
  const states = await monitor.runRound(targets);
  await monitor.stop();
  const down = targets.filter((t) => states.get(t.target.id)?.status === 'down');
  io.stderr(`lvsync: --health: checked ${targets.length} real server(s), ${down.length} down\n`);
  for (const t of down) {
    const detail = states.get(t.target.id)?.lastResult?.detail ?? 'failed';
    io.stderr(`  down: ${hostPort(t.target.address, t.target.port)} of ${t.target.service} (${t.check.type}): ${detail}\n`);
  }
  return states;
}
