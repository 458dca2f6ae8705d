/**
 * The probe slots of the health monitor: a FIFO limiter shared by the schedule and one-shot
 * rounds, so "at most N probes in flight" holds across both, with cancellation of jobs still
 * waiting (a removed target, a stop) and a way to wait until everything has settled.
 */

export interface QueuedJob {
  cancel(): void;
}

export interface Slots {
  /** run start() when a slot is free (FIFO); onCancel runs instead if the job is cancelled while queued */
  push(start: () => Promise<void>, onCancel?: () => void): QueuedJob;
  cancelQueued(): void;
  /** resolves when nothing runs and nothing waits */
  idle(): Promise<void>;
}

/** A FIFO limiter: at most `limit` jobs run at once; a job that throws or rejects just frees its slot. */
export function createSlots(limit: number): Slots {
  const queue: { start: () => Promise<void>; onCancel: (() => void) | undefined; cancelled: boolean }[] = [];
  const running = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];
  const settleIdle = () => {
    if (running.size > 0 || queue.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const pump = () => {
    while (running.size < limit) {
      const job = queue.shift();
      if (job === undefined) break;
      if (job.cancelled) continue;
      // started synchronously, so a job is never "dispatched but not yet running" where a
      // cancel could miss it
      let started: Promise<void>;
      try {
        started = job.start();
      } catch {
        started = Promise.resolve();
      }
      const p: Promise<void> = started
        .catch(() => undefined)
        .finally(() => {
          running.delete(p);
          pump();
          settleIdle();
        });
      running.add(p);
    }
  };
  return {
    push(start, onCancel) {
      const job = { start, onCancel, cancelled: false };
      queue.push(job);
      pump();
      return {
        cancel() {
          if (job.cancelled) return;
          job.cancelled = true;
          const i = queue.indexOf(job);
          if (i >= 0) {
            queue.splice(i, 1);
            job.onCancel?.();
            settleIdle();
          }
        },
      };
    },
    cancelQueued() {
      for (const job of queue.splice(0)) {
        job.cancelled = true;
        job.onCancel?.();
      }
      settleIdle();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
  };
}
