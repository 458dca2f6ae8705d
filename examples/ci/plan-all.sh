#!/usr/bin/env bash
# Plan the desired state for every director and write one Markdown document for a pull-request
# comment: `lvsync plan --all-directors` plans each director the config names (`directors`,
# `overrides`, `fleet`) and each SNAPSHOT-DIR/<name>.save, from that snapshot, in one run.
# Exit 0 when every plan is fine (changes or not), 3 when the desired state is invalid, 1 on any
# other failure (a director without a snapshot, an unparseable snapshot, a refused mass delete).
#
#   plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]        (LVSYNC: the lvsync command, default "lvsync")
set -uo pipefail
config=${1:?usage: plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]}
snapshots=${2:?usage: plan-all.sh CONFIG-DIR SNAPSHOT-DIR [OUT.md]}
out=${3:-plan.md}
lvsync=${LVSYNC:-lvsync}

$lvsync plan "$config" --all-directors --live-dir "$snapshots" --format markdown --detailed-exitcode > "$out"
code=$?
# 0 = no changes and 2 = changes are both fine for a pull request
if [ "$code" -eq 2 ]; then code=0; fi
exit $code
