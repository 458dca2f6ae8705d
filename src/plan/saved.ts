import { renderPlanJson } from './render-json.js';
import { operationToArgv } from './to-argv.js';
import type { Plan } from './types.js';
import { LOST_INVENTORY_RESOLUTIONS, type LostInventoryResolution } from './lost-inventory.js';

/**
 * Saved plans, like Terraform's: `plan --out` records the plan with the digests of the desired and
 * live tables it was made from; `apply plan.json` applies exactly that plan, and refuses it when the
 * config or the live table changed since ("plan is stale"), because the reviewed commands would no
 * longer be the right ones.
 */
export interface SavedPlan {
  readonly paths: readonly string[];
  readonly desiredDigest: string;
  readonly liveDigest: string;
  readonly commands: readonly string[];
  /** the --lost-inventory the plan was made with (lostInventory.resolution in the document) */
  readonly lostInventory: LostInventoryResolution | null;
}

export const SAVED_PLAN_KIND = 'lvsync-plan';

/** The JSON plan document plus what apply needs to reproduce it: the config paths (absolute). */
export function renderSavedPlan(plan: Plan, absolutePaths: readonly string[]): string {
  const doc = JSON.parse(renderPlanJson(plan)) as Record<string, unknown>;
  return `${JSON.stringify({ kind: SAVED_PLAN_KIND, paths: absolutePaths, ...doc }, null, 2)}\n`;
}

export function isSavedPlanText(text: string): boolean {
  try {
    return (JSON.parse(text) as { kind?: unknown }).kind === SAVED_PLAN_KIND;
  } catch {
    return false;
  }
}

/** Read a saved plan; throws with a message a person can act on when it is not one lvsync can apply. */
export function parseSavedPlan(text: string, file: string): SavedPlan {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (doc.kind !== SAVED_PLAN_KIND) throw new Error(`${file} is not an lvsync saved plan (write one with lvsync plan --out ${file})`);
  if (doc.formatVersion !== 1) throw new Error(`${file} has plan format version ${String(doc.formatVersion)}; this lvsync applies version 1`);
  const ops = Array.isArray(doc.operations) ? (doc.operations as { argv?: unknown }[]) : [];
  const paths = Array.isArray(doc.paths) ? doc.paths.filter((p): p is string => typeof p === 'string') : [];
  if (paths.length === 0 || typeof doc.desiredDigest !== 'string' || typeof doc.liveDigest !== 'string') {
    throw new Error(`${file} is missing paths or digests; write it again with lvsync plan --out`);
  }
  return {
    paths,
    desiredDigest: doc.desiredDigest,
    liveDigest: doc.liveDigest,
    commands: ops.map((op) => (Array.isArray(op.argv) ? op.argv.slice(1).join(' ') : '')),
    lostInventory: savedResolution(doc.lostInventory),
  };
}

function savedResolution(raw: unknown): LostInventoryResolution | null {
  const resolution = (raw as { resolution?: unknown } | null | undefined)?.resolution;
  return LOST_INVENTORY_RESOLUTIONS.find((r) => r === resolution) ?? null;
}

/** Why a freshly computed plan is not the saved one, or null when they are the same plan. */
export function staleReason(saved: SavedPlan, fresh: Plan): string | null {
  if (saved.desiredDigest !== fresh.desiredDigest) return 'the desired state changed since the plan was made';
  if (saved.liveDigest !== fresh.liveDigest) return 'the live table changed since the plan was made';
  const commands = fresh.operations.map((op) => operationToArgv(op).join(' '));
  if (commands.length !== saved.commands.length || commands.some((c, i) => c !== saved.commands[i])) {
    return 'the plan computed now differs from the saved one (ownership or scope changed)';
  }
  return null;
}
