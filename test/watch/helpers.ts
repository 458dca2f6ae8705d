import { pino, type Logger } from 'pino';
import type { Clock } from '../../src/watch/clock.js';
import type { DesiredWatcher } from '../../src/watch/triggers.js';

/** A clock that moves only when the test says so: timers fire in due order, no real sleeps. */
export interface ManualClock extends Clock {
  /** move time forward by ms, firing every timer that falls due on the way */
  advance(ms: number): void;
  /** timers not yet fired */
  pending(): number[];
  /** move time forward by ms without firing anything: the event loop held by synchronous work */
  block(ms: number): void;
}

export function createManualClock(start = Date.UTC(2026, 0, 1, 12, 0, 0)): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => { timers.delete(id); };
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    block(ms) {
      now += ms;
    },
  };
}

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: () => Record<string, unknown>[];
  readonly messages: () => string[];
}

/** A JSON pino logger writing into memory. */
export function captureLog(): CapturedLog {
  const raw: string[] = [];
  const log = pino({ level: 'debug', base: null }, { write: (s: string) => { raw.push(s); } });
  const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, messages: () => lines().map((l) => String(l.msg)) };
}

/** A file watcher the test fires by hand. */
export function fakeWatcher(): { watch: (paths: readonly string[], onChange: (path: string) => void) => DesiredWatcher; fire: (path?: string) => void; refreshes: number } {
  let handler: ((path: string) => void) | null = null;
  const state = {
    refreshes: 0,
    watch: (_paths: readonly string[], onChange: (path: string) => void): DesiredWatcher => {
      handler = onChange;
      return { ready: Promise.resolve(), refresh: async () => { state.refreshes++; return false; }, close: async () => undefined };
    },
    fire: (path = 'x.yaml') => handler?.(path),
  };
  return state;
}

/** Poll until fn returns truthy (real time; only for tests at the real edges: files, processes). */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000, stepMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
