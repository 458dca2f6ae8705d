/**
 * The probe slots of the health monitor: a FIFO limiter shared by the schedule and one-shot
 * rounds, so "at most N probes in flight" holds across both, with cancellation of jobs still
 * waiting (a removed target, a stop) and a way to wait until everything has settled.
 *
 * Two promises for large fleets (issue 13). The queue is a linked list, so taking the next job
 * and cancelling any waiting one are O(1) whatever the queue's length (an array shifted from the
 * front, with indexOf on cancel, is quadratic over 50k queued checks). And at most `burst` jobs
 * start per turn of the event loop: the rest wait for `defer` (setImmediate), so that a round of
 * 50k checks, or thousands of checks falling due in the same millisecond, cannot hold the event
 * loop while the watch loop's pass, the HTTP endpoints and the results of the probes already
 * running wait behind them.
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

export interface SlotOptions {
  /** jobs started per turn of the event loop at most (default 128) */
  readonly burst?: number;
  /** runs fn on a later turn of the event loop (default setImmediate): where the next burst starts */
  readonly defer?: (fn: () => void) => void;
}

export const DEFAULT_BURST = 128;

interface Node {
  readonly start: () => Promise<void>;
  readonly onCancel: (() => void) | undefined;
  prev: Node | null;
  next: Node | null;
  /** in the queue (not yet started, not cancelled) */
  queued: boolean;
}

/** A FIFO limiter: at most `limit` jobs run at once; a job that throws or rejects just frees its slot. */
export function createSlots(limit: number, options: SlotOptions = {}): Slots {
  const burst = Math.max(1, options.burst ?? DEFAULT_BURST);
  const defer = options.defer ?? ((fn: () => void) => { setImmediate(fn); });
  let head: Node | null = null;
  let tail: Node | null = null;
  let waiting = 0;
  let running = 0;
  /** jobs started since the last deferred turn began; a turn is over when the deferred callback runs */
  let startedThisTurn = 0;
  let idleWaiters: (() => void)[] = [];

  const unlink = (n: Node) => {
    if (n.prev) n.prev.next = n.next;
    else head = n.next;
    if (n.next) n.next.prev = n.prev;
    else tail = n.prev;
    n.prev = n.next = null;
    n.queued = false;
    waiting--;
  };
  const settleIdle = () => {
    if (running > 0 || waiting > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const newTurn = () => {
    startedThisTurn = 0;
    pump();
  };
  const jobEnded = () => {
    running--;
    pump();
    settleIdle();
  };
  function pump(): void {
    while (running < limit && head !== null) {
      if (startedThisTurn >= burst) return; // the deferred newTurn carries on
      // the first start of a turn books the end of the turn
      if (startedThisTurn === 0) defer(newTurn);
      startedThisTurn++;
      const job: Node = head;
      unlink(job);
      running++;
      // started synchronously, so a job is never "dispatched but not yet running" where a
      // cancel could miss it
      let started: Promise<void>;
      try {
        started = job.start();
      } catch {
        started = Promise.resolve();
      }
      started.then(jobEnded, jobEnded);
    }
  }
  return {
    push(start, onCancel) {
      const node: Node = { start, onCancel, prev: tail, next: null, queued: true };
      if (tail) tail.next = node;
      else head = node;
      tail = node;
      waiting++;
      pump();
      return {
        cancel() {
          if (!node.queued) return;
          unlink(node);
          node.onCancel?.();
          settleIdle();
        },
      };
    },
    cancelQueued() {
      while (head !== null) {
        const node: Node = head;
        unlink(node);
        node.onCancel?.();
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
