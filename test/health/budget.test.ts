import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ASSUMED_FD_LIMIT, checkBudget, EXEC_CHECKS_MAX, MIN_SOCKET_CHECKS, parseOpenFileLimit, UNLIMITED_FD_LIMIT } from '../../src/health/budget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             96367                96367                processes
Max open files            20000                524288               files
Max locked memory         8388608              8388608              bytes
`;

test('parseOpenFileLimit reads the soft "Max open files" of /proc/self/limits', () => {
  assert.equal(parseOpenFileLimit(LIMITS), 20_000);
  assert.equal(parseOpenFileLimit(LIMITS.replace('20000     ', 'unlimited ')), Infinity);
  assert.equal(parseOpenFileLimit('Limit  Soft Limit  Hard Limit  Units\n'), null, 'no such line');
  assert.equal(parseOpenFileLimit(LIMITS.replace('20000', 'lots')), null);
  assert.equal(parseOpenFileLimit(''), null);
});

test('checkBudget: socket checks get the open-file limit minus the daemon\'s reserve and the exec checks\' fds', () => {
  assert.deepEqual(checkBudget(20_000), { sockets: 19_488, exec: EXEC_CHECKS_MAX, fdLimit: 20_000, fdCap: 19_488, clamped: false });
  assert.deepEqual(checkBudget(1024), { sockets: 512, exec: 64, fdLimit: 1024, fdCap: 512, clamped: false });
  assert.equal(checkBudget(524_288).sockets, 523_776);
});

test('checkBudget: an unreadable limit assumes 1024, "unlimited" is fs.nr_open\'s default, a tiny one still checks', () => {
  assert.equal(checkBudget(null).fdLimit, ASSUMED_FD_LIMIT);
  assert.equal(checkBudget(null).sockets, 512);
  assert.equal(checkBudget(Infinity).fdLimit, UNLIMITED_FD_LIMIT);
  assert.equal(checkBudget(Number.NaN).fdLimit, ASSUMED_FD_LIMIT);
  assert.equal(checkBudget(256).sockets, MIN_SOCKET_CHECKS);
});

test('checkBudget: --health-concurrency bounds both kinds and is lowered to what the limit allows', () => {
  assert.deepEqual(checkBudget(20_000, 2000), { sockets: 2000, exec: 64, fdLimit: 20_000, fdCap: 19_488, clamped: false });
  assert.deepEqual(checkBudget(20_000, 16), { sockets: 16, exec: 16, fdLimit: 20_000, fdCap: 19_488, clamped: false });
  assert.deepEqual(checkBudget(1024, 5000), { sockets: 512, exec: 64, fdLimit: 1024, fdCap: 512, clamped: true });
});
