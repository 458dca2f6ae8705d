import { iso } from '../health/overlay.js';
import { describeTarget, hostPort } from '../model/keys.js';
import { settingsCommandLines } from './render-settings.js';
import { describeSetting, splitSettings } from './settings.js';
import { operationToArgv } from './to-argv.js';
import { isEmptyPlan, type Operation, type Plan, type SettingChange } from './types.js';

/**
 * A plan as Markdown for a pull-request comment: counts per director, the changes as a table,
 * and the exact commands folded away in a <details> block.
 */
export interface DirectorPlan {
  readonly director: string;
  readonly plan: Plan;
}

const ACTION: Record<Operation['kind'], string> = {
  'add-service': '➕ add service',
  'edit-service': '✏️ change service',
  'delete-service': '🗑️ delete service',
  'add-server': '➕ add real server',
  'edit-server': '✏️ change real server',
  'delete-server': '🗑️ delete real server',
};

/** Pipes and newlines would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function change(op: Operation): string {
  if ('changes' in op) return op.changes.map((c) => `\`${c.field}\`: ${c.before} → ${c.after}`).join('<br>');
  if (op.kind === 'add-server') return `${op.server.method}, weight ${op.server.weight}`;
  return '';
}

// kernel-wide settings get rows of their own, before the table's (that is the order they are applied in)
function settingRow(s: SettingChange): string {
  const what = 'changes' in s ? s.changes.map((c) => `\`${c.field}\`: ${c.before} → ${c.after}`).join('<br>')
    : s.kind === 'set-sysctl' ? `${s.before ?? '(missing)'} → ${s.after}` : '';
  return `| ⚙️ ${s.kind} | ${cell(describeSetting(s))} |  | ${cell(what)} | ${cell(s.reason)} |`;
}

// a lost inventory leaves live services in question: listed, with what settles it (src/plan/lost-inventory.ts)
function lostInventorySection(director: string, plan: Plan, many: boolean): string[] {
  const lost = plan.lostInventory;
  if (!lost) return [];
  const n = lost.services.length;
  const fate = lost.resolution === 'delete' ? 'are adopted and deleted by this plan (`--lost-inventory delete`)'
    : lost.resolution === 'keep' ? "stay as they are, as not lvsync's (`--lost-inventory keep`)"
      : 'are kept: lvsync may have created them, but the record of that is lost';
  const out = ['', `#### ⚠️ Inventory lost${many ? `: ${cell(director)}` : ''}`, ''];
  out.push(`The inventory was lost at ${iso(lost.lostAt)}${lost.movedTo ? ` (the unreadable file is now \`${cell(lost.movedTo)}\`)` : ''}. ${n} live service(s) neither declared nor inside the scope ${fate}:`, '');
  for (const svc of lost.services) out.push(`- ${svc.name ? `${cell(svc.name)} ` : ''}\`${describeTarget(svc.target)}\``);
  if (lost.resolution === null) out.push('', "On the director, `lvsync apply PATH... --lost-inventory delete` deletes them; `--lost-inventory keep` keeps them as not lvsync's. Either ends this notice.");
  return out;
}

export function renderPlanMarkdown(plans: readonly DirectorPlan[]): string {
  const out: string[] = ['### lvsync plan', ''];
  out.push('| Director | Add | Change | Destroy | Not owned (untouched) | Status |', '|---|---:|---:|---:|---:|---|');
  for (const { director, plan } of plans) {
    const status = plan.refusal ? `⛔ refused: ${cell(plan.refusal.message)}` : isEmptyPlan(plan) ? '✅ no changes' : '📝 changes';
    out.push(`| ${cell(director)} | ${plan.summary.add} | ${plan.summary.change} | ${plan.summary.destroy} | ${plan.ignoredServices} | ${status} |`);
  }
  for (const { director, plan } of plans) {
    out.push(...lostInventorySection(director, plan, plans.length > 1));
    if (isEmptyPlan(plan)) continue;
    out.push('', plans.length > 1 ? `#### ${cell(director)}` : '#### Changes', '');
    out.push('| Action | Service | Real server | Change | Reason |', '|---|---|---|---|---|');
    for (const s of plan.settings) out.push(settingRow(s));
    for (const op of plan.operations) {
      const svc = op.service.name ? `${op.service.name} (\`${describeTarget(op.service.target)}\`)` : `\`${describeTarget(op.service.target)}\``;
      const server = 'server' in op ? `\`${hostPort(op.server.address, op.server.port)}\`` : '';
      out.push(`| ${ACTION[op.kind]} | ${cell(svc)} | ${server} | ${cell(change(op))} | ${cell(op.reason)} |`);
    }
    const { before, after } = splitSettings(plan.settings);
    const settingCommands = settingsCommandLines(plan.settings);
    const count = settingCommands.length ? `${plan.operations.length + settingCommands.length} command(s)` : `${plan.operations.length} ipvsadm command(s)`;
    out.push('', `<details><summary>${count}</summary>`, '', '```sh');
    // in the order they run: VIP deletes after the table's commands
    out.push(...settingsCommandLines(before));
    for (const op of plan.operations) out.push(`ipvsadm ${operationToArgv(op).join(' ')}`);
    out.push(...settingsCommandLines(after));
    out.push('```', '', '</details>');
  }
  return `${out.join('\n')}\n`;
}
