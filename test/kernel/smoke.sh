#!/usr/bin/env bash
# Smoke test of the real-kernel VM environment. Runs INSIDE the VM:
#
#   test/kernel/vm.sh -- test/kernel/smoke.sh
#
# Proves that IPVS, every scheduler, the SIP persistence engine, tunnel destinations, IPv6,
# network namespaces + veth, real IPVS forwarding between namespaces, node and the writable
# output share all work. Prints PASS/FAIL/SKIP per check; exits 1 if any check failed.
set -uo pipefail

if [[ ${LVSYNC_IN_VM:-} != 1 && ${1:-} != --force ]]; then
  echo "smoke.sh: must run inside the VM: test/kernel/vm.sh -- test/kernel/smoke.sh (or pass --force)" >&2
  exit 2
fi

pass=0 fail=0 skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
sk() { echo "SKIP $1: $2"; skip=$((skip + 1)); }
# run "name" cmd... : PASS when cmd exits 0, FAIL with its output otherwise
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$(tr '\n' ' ' <<<"$out")"; fi
}
# busybox (static, from the host root) fills in tools Debian may not have installed (ping, httpd, wget)
bb() { if command -v "$1" >/dev/null && [[ $1 != wget && $1 != httpd ]]; then "$@"; else busybox "$@"; fi; }
NS_A=lvsmoke_a NS_C=lvsmoke_c NS_R=lvsmoke_r
cleanup() {
  ipvsadm -C 2>/dev/null
  [[ -n ${HTTPD_PID:-} ]] && kill "$HTTPD_PID" 2>/dev/null
  for ns in $NS_A $NS_C $NS_R; do ip netns del "$ns" 2>/dev/null; done
  ip link del lvsmoke_vip 2>/dev/null
  [[ -n ${WWW:-} ]] && rm -rf "$WWW"
  [[ -n ${PROBE:-} ]] && rm -f "$PROBE"
}
trap cleanup EXIT

echo "kernel $(uname -r), $(ipvsadm -v 2>&1 | head -1)"

# 1. the basic add / save / flush cycle
basic() {
  ipvsadm -C &&
  ipvsadm -A -t 10.0.0.1:80 -s rr &&
  ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 3 || return 1
  local got want
  got=$(ipvsadm -S -n)
  want=$'-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 3'
  [[ $got == "$want" ]] || { echo "ipvsadm -S -n printed: $got"; return 1; }
  ipvsadm -C && [[ -z $(ipvsadm -S -n) ]] || { echo "table not empty after -C"; return 1; }
}
check "ipvsadm add/save/flush" basic

# 2. every scheduler (the module is loaded at boot; -A must accept it)
for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos; do
  if ! modinfo "ip_vs_$s" >/dev/null 2>&1; then
    sk "scheduler $s" "no ip_vs_$s module in kernel $(uname -r)"
    continue
  fi
  check "scheduler $s" bash -c "ipvsadm -A -t 10.0.0.2:80 -s $s && ipvsadm -S -n | grep -qx -- '-A -t 10.0.0.2:80 -s $s' && ipvsadm -D -t 10.0.0.2:80"
done

# 3. SIP persistence engine
check "persistence engine sip" bash -c '
  ipvsadm -A -u 10.0.0.3:5060 -s rr -p 60 --pe sip &&
  ipvsadm -S -n | grep -qx -- "-A -u 10.0.0.3:5060 -s rr -p 60 --pe sip" &&
  ipvsadm -D -u 10.0.0.3:5060'

# 4. tunnel destinations: ipip, gue (with port + checksum), gre
check "tunnel real servers ipip/gue/gre" bash -c '
  ipvsadm -A -t 10.0.0.4:80 -s rr &&
  ipvsadm -a -t 10.0.0.4:80 -r 10.0.1.1:80 -i &&
  ipvsadm -a -t 10.0.0.4:80 -r 10.0.1.2:80 -i --tun-type gue --tun-port 6080 --tun-csum &&
  ipvsadm -a -t 10.0.0.4:80 -r 10.0.1.3:80 -i --tun-type gre --tun-nocsum &&
  s=$(ipvsadm -S -n) &&
  grep -q -- "-r 10.0.1.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum" <<<"$s" &&
  grep -q -- "-r 10.0.1.3:80 -i -w 1 --tun-type gre --tun-nocsum" <<<"$s" &&
  ipvsadm -D -t 10.0.0.4:80 || { echo "$s"; exit 1; }'

# 5. IPv6 service + real server, fwmark services of both families
check "ipv6 service" bash -c '
  ipvsadm -A -t [2001:db8::1]:80 -s wlc &&
  ipvsadm -a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 2 &&
  ipvsadm -S -n | grep -qx -- "-a -t \[2001:db8::1\]:80 -r \[2001:db8::10\]:8080 -m -w 2" &&
  ipvsadm -D -t [2001:db8::1]:80'
check "fwmark services v4+v6" bash -c '
  ipvsadm -A -f 1 -s rr && ipvsadm -A -f 1 -6 -s rr &&
  [ "$(ipvsadm -S -n | grep -c -- "^-A -f 1")" = 2 ] &&
  ipvsadm -D -f 1 && ipvsadm -D -f 1 -6'

# 6. network namespaces + veth + ping both ways
netns_ping() {
  ip netns add $NS_A &&
  ip link add lvsmoke_h type veth peer name eth0 netns $NS_A &&
  ip addr add 10.200.0.1/24 dev lvsmoke_h && ip link set lvsmoke_h up &&
  ip -n $NS_A link set lo up &&
  ip -n $NS_A addr add 10.200.0.2/24 dev eth0 && ip -n $NS_A link set eth0 up &&
  bb ping -c 1 -W 3 10.200.0.2 &&
  ip netns exec $NS_A busybox ping -c 1 -W 3 10.200.0.1
}
check "netns + veth + ping" netns_ping

# 7. real IPVS forwarding: client netns -> VIP on this (director) netns -> masq -> server netns
ipvs_traffic() {
  WWW=$(mktemp -d) && echo "hello-from-real-server" >"$WWW/index.html" &&
  ip link add lvsmoke_vip type dummy && ip addr add 10.0.0.100/32 dev lvsmoke_vip && ip link set lvsmoke_vip up &&
  ip netns add $NS_C && ip netns add $NS_R &&
  ip link add lvsmoke_c type veth peer name eth0 netns $NS_C &&
  ip link add lvsmoke_r type veth peer name eth0 netns $NS_R &&
  ip addr add 10.201.0.1/24 dev lvsmoke_c && ip link set lvsmoke_c up &&
  ip addr add 10.202.0.1/24 dev lvsmoke_r && ip link set lvsmoke_r up &&
  ip -n $NS_C link set lo up && ip -n $NS_C addr add 10.201.0.2/24 dev eth0 && ip -n $NS_C link set eth0 up &&
  ip -n $NS_C route add default via 10.201.0.1 &&
  ip -n $NS_R link set lo up && ip -n $NS_R addr add 10.202.0.2/24 dev eth0 && ip -n $NS_R link set eth0 up &&
  ip -n $NS_R route add default via 10.202.0.1 || return 1
  # no inherited stdout: check() captures with $(...), which would wait for the server to exit
  ip netns exec $NS_R busybox httpd -f -p 8080 -h "$WWW" </dev/null >/dev/null 2>&1 &
  HTTPD_PID=$!
  ipvsadm -A -t 10.0.0.100:80 -s rr && ipvsadm -a -t 10.0.0.100:80 -r 10.202.0.2:8080 -m || return 1
  local i body
  for i in 1 2 3 4 5 6 7 8 9 10; do
    # (busybox 1.35 static wget segfaults with -T; bound it with timeout instead)
    body=$(ip netns exec $NS_C timeout 5 busybox wget -q -O - http://10.0.0.100/ 2>&1) && break
    sleep 0.5
  done
  [[ $body == hello-from-real-server ]] || { echo "client got: $body"; ipvsadm -L -n; return 1; }
  ipvsadm -L -n -c | grep -q '10.0.0.100:80 *10.202.0.2:8080' || { echo "no IPVS connection entry"; ipvsadm -L -n -c; return 1; }
}
check "ipvs masq traffic across netns" ipvs_traffic

# 8. node runs
node_ok() {
  local v
  v=$(node --version) || return 1
  echo "$v"
  [[ $v =~ ^v([0-9]+)\. ]] && ((BASH_REMATCH[1] >= 20)) || { echo "node $v is older than 20"; return 1; }
}
if out=$(node_ok 2>&1); then ok "node --version ($out)"; else ko "node --version" "$out"; fi

# 9. the output share is writable and the write is visible through the file system
out_share() {
  [[ -n ${LVSYNC_VM_OUTPUT_DIR:-} ]] || { echo "LVSYNC_VM_OUTPUT_DIR not set"; return 1; }
  PROBE="$LVSYNC_VM_OUTPUT_DIR/.smoke-write-probe.$$"
  echo probe >"$PROBE" && [[ $(cat "$PROBE") == probe ]] && rm -f "$PROBE"
}
check "writable output share" out_share

# 10. the rest of the tree is read-only, /tmp is a private tmpfs
check "host root read-only, /tmp tmpfs" bash -c '
  ! touch /.lvsync-ro-probe 2>/dev/null &&
  [ "$(stat -f -c %T /tmp)" = tmpfs ] && echo x >/tmp/probe && rm /tmp/probe'

echo "smoke: $pass passed, $fail failed, $skip skipped"
((fail == 0))
