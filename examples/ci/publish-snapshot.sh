#!/usr/bin/env bash
# Run on each director (from cron or a systemd timer) to publish its live IPVS table for CI:
# writes snapshots/<hostname>.save with `ipvsadm -S -n` into a checkout of the config repository
# and pushes it when it changed. CI then plans pull requests against it (lvsync-plan.yml).
#
#   publish-snapshot.sh /srv/lvsync-config
set -euo pipefail
repo=${1:?usage: publish-snapshot.sh CONFIG-REPO-CHECKOUT}
director=${LVSYNC_DIRECTOR:-$(hostname -s)}
snapshot="$repo/snapshots/$director.save"

mkdir -p "$repo/snapshots"
tmp=$(mktemp "$snapshot.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# -n: never resolve names (a slow resolver would hang it, and names do not restore); check the
# exit status, since a dump can fail part-way (a service deleted while it is being read)
ipvsadm -S -n > "$tmp"
mv "$tmp" "$snapshot"
trap - EXIT

cd "$repo"
git pull --quiet --rebase
if git diff --quiet -- "snapshots/$director.save" && git ls-files --error-unmatch "snapshots/$director.save" >/dev/null 2>&1; then
  exit 0 # unchanged
fi
git add "snapshots/$director.save"
git commit --quiet -m "snapshot: $director $(date -u +%Y-%m-%dT%H:%M:%SZ)"
git push --quiet
