#!/usr/bin/env bash
# The real-kernel suite, run from the host as the last step of `npm test`:
#   1. the conformance recordings (what the fake ipvsadm is checked against) are re-checked
#      against the real kernel, so a recording can never silently stop being true;
#   2. every test/kernel/*.ktest.ts (compiled to dist/) runs under node:test inside one VM boot.
# Without QEMU and a Debian kernel the suite is skipped with one line, unless
# LVSYNC_REQUIRE_KERNEL=1 (CI), which turns the skip into a failure.
#   test/kernel/run-suite.sh [NAME...]   only dist/test/kernel/NAME.ktest.js (e.g. `ldirectord keepalived`),
#                                        without the conformance step: for iterating on a few files
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! missing=$(test/kernel/vm.sh --check 2>&1); then
  if [ "${LVSYNC_REQUIRE_KERNEL:-0}" = "1" ]; then
    echo "kernel suite: FAILED to start, prerequisites missing (LVSYNC_REQUIRE_KERNEL=1):" >&2
    echo "$missing" >&2
    exit 1
  fi
  echo "kernel suite: SKIPPED — no QEMU/Debian kernel here (install: apt-get install -y qemu-system-x86 linux-image-amd64 ipvsadm busybox-static kmod cpio iproute2)"
  exit 0
fi

conformance='node test/conformance/record.mjs --check || exit $?'
if [ "$#" -gt 0 ]; then
  files=''
  for name in "$@"; do
    name=${name##*/}; name=${name%.ts}; name=${name%.js}; name=${name%.ktest}
    f=dist/test/kernel/$name.ktest.js
    [ -f "$f" ] || { echo "kernel suite: no $f (run npm run build first?)" >&2; exit 1; }
    files="$files$f "
  done
  conformance=':'
else
  files=$(find dist/test/kernel -name '*.ktest.js' | sort | tr '\n' ' ')
fi
if [ -z "$files" ]; then
  echo "kernel suite: no compiled *.ktest.js under dist/test/kernel (run npm run build first)" >&2
  exit 1
fi
mkdir -p test-output
# CI's LVSYNC_REQUIRE_TOOLS=1 reaches the tests in the VM too (promtool: test/helpers/required-tool.ts)
export LVSYNC_VM_PASS_ENV="${LVSYNC_VM_PASS_ENV:-} LVSYNC_REQUIRE_TOOLS"
echo "kernel suite: booting the VM ($([ "$#" -gt 0 ] || echo 'conformance check, then: ')$files)"
exec test/kernel/vm.sh --timeout "${LVSYNC_KERNEL_TIMEOUT:-1800}" -- sh -c "
  $conformance
  exec node --test --test-concurrency=1 --test-reporter=spec $files
"
