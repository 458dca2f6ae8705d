#!/usr/bin/env bash
# Plan the desired state against every director snapshot and write one Markdown document for a
# pull-request comment. Exit 0 when every plan is fine (changes or not), 3 when the desired state
# is invalid, 1 on any other failure (an unparseable snapshot, a refused mass delete).
#
#   plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]        (LVSYNC: the lvsync command, default "lvsync")
set -uo pipefail
config=${1:?usage: plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]}
snapshots=${2:?usage: plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]}
out=${3:-plan.md}
lvsync=${LVSYNC:-lvsync}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT

: > "$out"
status=0
shopt -s nullglob
for snapshot in "$snapshots"/*.save; do
  director=$(basename "$snapshot" .save)
  echo "## $director" >> "$out"
  $lvsync plan "$config" --live "$snapshot" --state-dir "$state/$director" --format markdown --detailed-exitcode >> "$out"
  code=$?
  echo >> "$out"
  # 0 = no changes and 2 = changes are both fine for a pull request
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then status=$code; fi
done
exit $status
