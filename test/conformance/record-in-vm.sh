#!/usr/bin/env bash
# Record conformance cases on the real kernel inside test/kernel/vm.sh and copy the recordings
# into test/conformance/recorded (the VM can only write under test-output/).
#   test/conformance/record-in-vm.sh [case ...]     record the named cases (default: all)
#   test/conformance/record-in-vm.sh --check        verify every recording is still what the kernel says
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
if [[ ${1:-} == --check ]]; then
  shift
  exec test/kernel/vm.sh --timeout 1800 -- node test/conformance/record.mjs --check --report test-output/conformance-check.txt "$@"
fi
out=test-output/conformance-recorded
rm -rf "$out"
mkdir -p "$out"
test/kernel/vm.sh --timeout 1800 -- node test/conformance/record.mjs --out "$out" "$@"
cp "$out"/*.json test/conformance/recorded/
echo "copied $(ls "$out"/*.json | wc -l) recordings into test/conformance/recorded"
