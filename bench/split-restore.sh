#!/bin/bash
# How long `ipvsadm -R` takes for one batch in one process against the same batch cut by service
# into N processes that run at once (src/ipvsadm/split-batch.ts; issue 13). Each run in a fresh
# network namespace, after the base tables are restored. Run inside the VM, e.g.:
#
#   test/kernel/vm.sh -- bash bench/split-restore.sh DATA restore-2.txt "restore-0.txt restore-1.txt" "1 2 4"
#   test/kernel/vm.sh -- bash bench/split-restore.sh DATA restore-0.txt "" "1 2"
#
# DATA: a directory written by bench/peers-data.ts (writePeerData), e.g. by
#   node -e "import('./dist/bench/peers-data.js').then(m => m.writePeerData('/work/data-1k', m.peerSize('1k')))"
# The times include starting the processes (`ip netns exec ipvsadm`).
set -eu
data=$1; batch=$2; bases=${3:-}; counts=${4:-"1 2"}; reps=${REPS:-2}
now() { date +%s%N; }
work=$(mktemp -d)
for rep in $(seq 1 "$reps"); do
  for n in $counts; do
    ns=split-$rep-$n
    ip netns add "$ns"; ip -n "$ns" link set lo up
    for b in $bases; do ip netns exec "$ns" ipvsadm -R < "$data/$b"; done
    rm -f "$work"/part-*
    # every service's lines to one part, services dealt round-robin in the order they first appear
    awk -v n="$n" -v dir="$work" '{ s = $3; if (!(s in part)) { part[s] = k % n; k++ } print > (dir "/part-" part[s]) }' "$data/$batch"
    t0=$(now)
    for f in "$work"/part-*; do ip netns exec "$ns" ipvsadm -R < "$f" & done
    wait
    t1=$(now)
    echo "rep $rep, $n process(es): $(( (t1 - t0) / 1000000 )) ms; table $(ip netns exec "$ns" ipvsadm -S -n | wc -l) lines"
    ip netns del "$ns"
  done
done
rm -rf "$work"
