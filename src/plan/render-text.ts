import { formatDiagnostic } from '../diagnostics.js';
import { diffLibrary } from '../lazy-libs.js';
import { formatSave } from '../live/format-save.js';
import { describeTarget, hostPort } from '../model/keys.js';
import { sortedServices } from '../model/order.js';
import { flagNames } from '../model/schedulers.js';
import type { RealServer, Table, VirtualService } from '../model/types.js';
import { renderSettingsLines, settingsCommandLines } from './render-settings.js';
import { splitSettings } from './settings.js';
import { operationToArgv } from './to-argv.js';
import { isEmptyPlan, type Operation, type Plan } from './types.js';
import { iso } from '../health/overlay.js';
import { EDIT_REASON } from './diff.js';

export interface TextOptions {
  readonly color?: boolean;
  /** include the unified diff of canonical save text (live vs desired) */
  readonly diff?: { readonly live: Table; readonly desired: Table } | null;
}

const COLORS = { add: '\x1b[32m', change: '\x1b[33m', destroy: '\x1b[31m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

function serviceTitle(svc: VirtualService): string {
  return svc.name ? `${svc.name} (${describeTarget(svc.target)})` : describeTarget(svc.target);
}

function serviceDetails(svc: VirtualService): string {
  const parts = [`scheduler ${svc.scheduler}`];
  const flags = flagNames(svc.scheduler, svc.schedulerFlags);
  if (flags.length) parts.push(`flags ${flags.join(',')}`);
  if (svc.persistence) {
    const defaultMask = svc.target.family === 'ipv6' ? '128' : '255.255.255.255';
    parts.push(`persistence ${svc.persistence.timeout}s${svc.persistence.netmask !== defaultMask ? ` netmask ${svc.persistence.netmask}` : ''}`);
  }
  if (svc.persistenceEngine) parts.push(`engine ${svc.persistenceEngine}`);
  if (svc.onePacket) parts.push('one-packet');
  return parts.join(', ');
}

function serverDetails(server: RealServer): string {
  const parts = [server.method, `weight ${server.weight}`];
  if (server.upperThreshold) parts.push(`upper ${server.upperThreshold}`);
  if (server.lowerThreshold) parts.push(`lower ${server.lowerThreshold}`);
  if (server.tunnel) parts.push(`tunnel ${server.tunnel.type}${server.tunnel.type === 'gue' ? ` port ${server.tunnel.port}` : ''}${server.tunnel.checksum ? ` ${server.tunnel.checksum}` : ''}`);
  return parts.join(', ');
}

/** The live table as it will be after the plan: declared services replaced, deleted ones gone, unowned ones as they are. */
function tableAfter(plan: Plan, live: Table, desired: Table): Table {
  const services = new Map(live.services);
  for (const op of plan.operations) if (op.kind === 'delete-service') services.delete(op.service.key);
  for (const [key, svc] of desired.services) services.set(key, svc);
  return { services };
}

/** Health overrides and drains in progress: why the table is not exactly the config, and what is waiting. */
function renderHealthAndDrains(plan: Plan): string[] {
  const out: string[] = [];
  const health = plan.health ?? [];
  if (health.length) {
    out.push('Health (differs from the config until the servers recover):');
    for (const a of health) {
      const effect = a.kind === 'removed' ? 'left out of the table' : a.kind === 'fallback' ? `fallback in use, weight ${a.declaredWeight}` : `weight 0 (declared ${a.declaredWeight})`;
      out.push(`  ${a.what}: ${effect}: ${a.reason}`);
    }
    out.push('');
  }
  const drains = plan.drains ?? [];
  if (drains.length) {
    out.push('Draining (weight 0 until the active connections reach 0, then deleted):');
    for (const d of drains) {
      const state = d.state === 'deleting' ? 'deleted now' : `waiting, deleted at the latest at ${iso(d.record.deadline)}`;
      out.push(`  ${d.record.what}: ${d.activeConnections} active connection(s), ${state} (draining since ${iso(d.record.startedAt)})`);
    }
    out.push('');
  }
  return out;
}

/** At most this many services of a lost inventory are listed in a text plan (the JSON lists them all). */
export const LOST_INVENTORY_LISTED = 20;

/** The services a lost inventory leaves in question, and what becomes of them (src/plan/lost-inventory.ts). */
export function renderLostInventory(plan: Plan): string[] {
  const lost = plan.lostInventory;
  if (!lost) return [];
  const n = lost.services.length;
  const where = lost.movedTo ? `; the unreadable file is now ${lost.movedTo}` : '';
  const out = [`Inventory lost (${iso(lost.lostAt)}${where}):`];
  const what = `${n} live service(s) neither declared nor inside the scope`;
  if (lost.resolution === 'delete') out.push(`  --lost-inventory delete: ${what} are adopted, and deleted below unless scope.prune is false:`);
  else if (lost.resolution === 'keep') out.push(`  --lost-inventory keep: ${what} stay as they are, as not lvsync's; the loss is settled:`);
  else out.push(`  ${what} are kept: lvsync may have created them, but the record of that is lost:`);
  for (const svc of lost.services.slice(0, LOST_INVENTORY_LISTED)) out.push(`    ${serviceTitle(svc)}`);
  if (n > LOST_INVENTORY_LISTED) out.push(`    … and ${n - LOST_INVENTORY_LISTED} more (lvsync plan --json lists them all)`);
  if (lost.resolution === null) {
    out.push("  lvsync apply PATH... --lost-inventory delete   they were lvsync's: delete them (drained first)");
    out.push("  lvsync apply PATH... --lost-inventory keep     they are not lvsync's: keep them, and end this notice");
  }
  out.push('');
  return out;
}

/**
 * Terraform-style text: what changes, grouped by service, with before → after per field and a reason;
 * then the exact commands; then the optional diff and the summary line. "No changes." when empty.
 */
export function renderPlanText(plan: Plan, options: TextOptions = {}): string {
  const chunks: string[] = [];
  writePlanText(plan, options, (chunk) => chunks.push(chunk));
  return chunks.join('');
}

/**
 * renderPlanText, handed to `write` in chunks of about 64 KiB as it is made. The CLI writes a plan
 * this way: a 250,000-operation plan is 30 million characters, and building it as an array of lines
 * joined at the end was the peak of a 50k-service cold start's memory (~160 MB of 515 MB, issue 6).
 */
export function writePlanText(plan: Plan, options: TextOptions, write: (chunk: string) => void): void {
  const c = options.color ? COLORS : { add: '', change: '', destroy: '', dim: '', bold: '', reset: '' };
  let pending = '';
  const out = {
    push(...lines: string[]): void {
      for (const line of lines) pending += `${line}\n`;
      if (pending.length >= 65536) { write(pending); pending = ''; }
    },
  };
  for (const w of plan.warnings) out.push(`${c.change}${formatDiagnostic(w)}${c.reset}`);
  if (plan.warnings.length) out.push('');
  for (const line of renderLostInventory(plan)) out.push(line.startsWith(' ') || line === '' ? line : `${c.change}${line}${c.reset}`);
  // in the order they are applied: VIP deletes come after the table's changes
  const settings = splitSettings(plan.settings);
  out.push(...renderSettingsLines(settings.before, c));

  const groups = new Map<string, Operation[]>();
  for (const op of plan.operations) {
    const list = groups.get(op.service.key) ?? [];
    list.push(op);
    groups.set(op.service.key, list);
  }
  // sortedServices ranks each service once; a compareServices sort parsed two addresses per comparison
  for (const service of sortedServices([...groups.values()].map((ops) => ops[0]!.service))) {
    const ops = groups.get(service.key)!;
    const first = ops[0]!;
    const svcOp = ops.find((o) => o.kind === 'add-service' || o.kind === 'edit-service' || o.kind === 'delete-service');
    if (svcOp?.kind === 'add-service') {
      out.push(`${c.add}  + service ${serviceTitle(svcOp.service)}${c.reset}  ${c.dim}# ${svcOp.reason}${c.reset}`);
      out.push(`      ${serviceDetails(svcOp.service)}`);
    } else if (svcOp?.kind === 'delete-service') {
      out.push(`${c.destroy}  - service ${serviceTitle(svcOp.service)}${c.reset}  ${c.dim}# ${svcOp.reason}${c.reset}`);
      for (const s of svcOp.service.servers.values()) out.push(`${c.destroy}      - real server ${hostPort(s.address, s.port)}${c.reset} (removed with the service)`);
    } else {
      out.push(`${c.change}  ~ service ${serviceTitle(first.service)}${c.reset}`);
      if (svcOp?.kind === 'edit-service') {
        for (const ch of svcOp.changes) out.push(`      ${ch.field}: ${ch.before} → ${ch.after}`);
      }
    }
    for (const op of ops) {
      if (op.kind === 'add-server') out.push(`${c.add}      + real server ${hostPort(op.server.address, op.server.port)}${c.reset} ${serverDetails(op.server)}`);
      else if (op.kind === 'delete-server') out.push(`${c.destroy}      - real server ${hostPort(op.server.address, op.server.port)}${c.reset}  ${c.dim}# ${op.reason}${c.reset}`);
      else if (op.kind === 'edit-server') {
        const fields = op.changes.map((ch) => `${ch.field} ${ch.before} → ${ch.after}`).join(', ');
        // health and drains say why a weight differs from the config; a plain config change needs no comment
        const why = op.reason === EDIT_REASON ? '' : `  ${c.dim}# ${op.reason}${c.reset}`;
        out.push(`${c.change}      ~ real server ${hostPort(op.server.address, op.server.port)}${c.reset} ${fields}${why}`);
      }
    }
    out.push('');
  }

  out.push(...renderSettingsLines(settings.after, c));
  out.push(...renderHealthAndDrains(plan));
  if (!isEmptyPlan(plan)) {
    out.push(`${c.bold}Commands:${c.reset}`);
    for (const line of settingsCommandLines(settings.before)) out.push(`  ${line}`);
    for (const op of plan.operations) out.push(`  ipvsadm ${operationToArgv(op).join(' ')}`);
    for (const line of settingsCommandLines(settings.after)) out.push(`  ${line}`);
    out.push('');
  }
  if (options.diff && plan.operations.length > 0) {
    const after = tableAfter(plan, options.diff.live, options.diff.desired);
    const patch = diffLibrary().createTwoFilesPatch('live', 'desired', formatSave(options.diff.live), formatSave(after), '', '', { context: 1 });
    // drop the "=====" banner and the empty header tabs: a plain `--- live` / `+++ desired` diff
    out.push(patch.split('\n').slice(1).map((l) => l.replace(/^(---|\+\+\+) (\S+)\t$/, '$1 $2')).join('\n').trimEnd(), '');
  }
  const notes: string[] = [];
  const waiting = (plan.drains ?? []).filter((d) => d.state === 'waiting').length;
  if (waiting) notes.push(`${waiting} drain(s) in progress`);
  if (plan.ignoredServices) notes.push(`${plan.ignoredServices} live service(s) not owned by lvsync left untouched`);
  if (plan.keptServices) notes.push(`${plan.keptServices} owned service(s) not declared kept (scope.prune is false)`);
  if (isEmptyPlan(plan)) {
    out.push(`No changes. The live table matches the desired state.${notes.length ? ` (${notes.join('; ')})` : ''}`);
  } else {
    out.push(`Plan: ${plan.summary.add} to add, ${plan.summary.change} to change, ${plan.summary.destroy} to destroy.${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  if (plan.refusal) out.push(`${c.destroy}${formatDiagnostic(plan.refusal)}${c.reset}`);
  if (pending) write(pending);
}
