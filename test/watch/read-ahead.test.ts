import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReadAhead } from '../../src/watch/read-ahead.js';
import { createManualClock } from './helpers.js';

const tick = () => new Promise((r) => setImmediate(r));

/** A loader whose calls wait until the test lets each one end, with or without an error. */
function gatedLoader() {
  const calls: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  return {
    calls,
    load: () => new Promise<void>((resolve, reject) => { calls.push({ resolve, reject }); }),
  };
}

/** A read-ahead with a 15 ms settle on a manual clock and a gated loader; errors fail the test unless `onError` is given. */
function setUp(onError: (err: unknown) => void = () => assert.fail('no error')) {
  const clock = createManualClock();
  const loader = gatedLoader();
  return { clock, loader, ra: createReadAhead(clock, 15, loader.load, onError) };
}

test('read-ahead: the events of one save share one load, started once they pause for settleMs', async () => {
  const { clock, loader, ra } = setUp();
  ra.trigger();
  clock.advance(10);
  ra.trigger(); // a second event 10 ms later restarts the pause
  clock.advance(14);
  assert.equal(loader.calls.length, 0);
  clock.advance(1);
  assert.equal(loader.calls.length, 1);
  loader.calls[0]!.resolve();
  await ra.stop();
});

test('read-ahead: events during a load give exactly one more load after it', async () => {
  const { clock, loader, ra } = setUp();
  ra.trigger();
  clock.advance(15);
  for (let i = 0; i < 3; i++) { ra.trigger(); clock.advance(15); }
  assert.equal(loader.calls.length, 1, 'not while the first one runs');
  loader.calls[0]!.resolve();
  await tick();
  assert.equal(loader.calls.length, 2, 'one more for all three events');
  loader.calls[1]!.resolve();
  await tick();
  assert.equal(loader.calls.length, 2);
  await ra.stop();
});

test('read-ahead: a load that throws is reported once through onError, and the next event loads again', async () => {
  const errors: unknown[] = [];
  const { clock, loader, ra } = setUp((err) => errors.push(err));
  ra.trigger();
  clock.advance(15);
  const boom = new Error('EACCES: permission denied');
  loader.calls[0]!.reject(boom);
  await tick();
  assert.deepEqual(errors, [boom]);
  ra.trigger();
  clock.advance(15);
  assert.equal(loader.calls.length, 2, 'not stuck after a failure');
  loader.calls[1]!.resolve();
  await tick();
  assert.equal(errors.length, 1);
  await ra.stop();
});

test('read-ahead: stop drops a load not yet started and waits for the one in flight', async () => {
  const { clock, loader, ra } = setUp();
  ra.trigger();
  clock.advance(15);
  ra.trigger(); // would be one more load
  let stopped = false;
  const stopping = ra.stop().then(() => { stopped = true; });
  await tick();
  assert.equal(stopped, false, 'the load in flight is waited for');
  loader.calls[0]!.resolve();
  await stopping;
  clock.advance(100);
  ra.trigger();
  clock.advance(100);
  assert.equal(loader.calls.length, 1, 'nothing after stop');
});
