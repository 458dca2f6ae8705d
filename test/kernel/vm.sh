#!/usr/bin/env bash
# Run a command inside a throwaway QEMU VM that boots a real Debian kernel with IPVS.
#
#   test/kernel/vm.sh [--timeout SECS] [--rebuild] -- <command...>
#   test/kernel/vm.sh --check        # report missing prerequisites, exit 1 if any
#   test/kernel/vm.sh --build        # only (re)build the cached initramfs
#
# The guest boots from a tiny busybox initramfs, loads the IPVS/netns/tunnel modules, mounts
# this machine's root file system read-only over 9p, mounts fresh tmpfs on /tmp, /run, /var/tmp,
# mounts the output directory (default <repo>/test-output, override LVSYNC_VM_OUTPUT_DIR) writable
# over a second 9p share at the same path, chroots into the host root, cd's to the repo root and
# runs <command> with HOME=/tmp, LVSYNC_IN_VM=1 and the variables named in LVSYNC_VM_PASS_ENV.
# The command's stdout/stderr stream back on two virtio-serial ports; its exit status comes back
# as a marker line on the serial console. vm.sh exits with that status, or 125 when the VM died,
# timed out or never ran the command. The guest has no network device at all (-nic none).
#
# Environment knobs (all optional):
#   LVSYNC_VM_CACHE       cache dir for the initramfs and per-run dirs (default <repo>/.vm-cache)
#   LVSYNC_VM_OUTPUT_DIR  host dir mounted writable at the same path in the guest (default <repo>/test-output)
#   LVSYNC_VM_PASS_ENV    space-separated names of host env vars to copy into the guest
#   LVSYNC_VM_TIMEOUT     default for --timeout (seconds, default 900)
#   LVSYNC_VM_KERNEL      path to a vmlinuz (default: newest /boot/vmlinuz-* with ip_vs modules)
#   LVSYNC_VM_MEM         guest memory in MiB (default 2048)
#   LVSYNC_VM_SMP         guest CPUs (default: host CPUs, at most 4)
#   LVSYNC_VM_MODULES     extra kernel modules to modprobe (host kmod, in the chroot) before the command
#   LVSYNC_VM_APPEND      extra kernel command-line parameters
#   LVSYNC_VM_TSC_RELIABLE=0  keep the kernel's own clocksource choice (hpet under TCG)
#   LVSYNC_VM_PVH=0       boot the compressed bzImage instead of the cached uncompressed vmlinux
#   LVSYNC_VM_DEBUG=1     verbose kernel console, copied to stderr at the end
#   LVSYNC_VM_KEEP=1      keep the per-run dir (console.log, cmd.sh) for post-mortem
set -euo pipefail

INSTALL_HINT='apt-get install -y qemu-system-x86 linux-image-amd64 ipvsadm busybox-static kmod cpio iproute2'
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd -P)
CACHE=${LVSYNC_VM_CACHE:-$REPO/.vm-cache}
OUTDIR=${LVSYNC_VM_OUTPUT_DIR:-$REPO/test-output}
TIMEOUT=${LVSYNC_VM_TIMEOUT:-900}
MARKER=__LVSYNC_VM_EXIT__
# Bump when the initramfs layout/init changes in a way the cache key below would not catch.
INITRAMFS_FORMAT=1

# Modules loaded at boot, in this order (each with its dependencies). Names that do not exist in
# the booted kernel are skipped and listed in /run/lvsync/modules.missing inside the guest.
BOOT_MODULES=(
  # transport for the console/stdio ports, the 9p shares and entropy
  virtio_pci virtio_console virtio_rng 9pnet_virtio 9p
  # IPVS core, every scheduler, persistence engine, ftp helper
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
  ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_twos ip_vs_pe_sip ip_vs_ftp
  # conntrack + helpers, virtual links, tunnels (ipip / gue(fou) / gre, v4 and v6)
  nf_conntrack nf_conntrack_sip veth dummy
  ip_tunnel tunnel4 ipip gre ip_gre fou tunnel6 ip6_tunnel ip6_gre fou6 sit
)

die() { echo "vm.sh: $*" >&2; exit 125; }
usage() {
  cat >&2 <<EOF
usage: test/kernel/vm.sh [--timeout SECS] [--rebuild] -- <command...>
       test/kernel/vm.sh --check | --build | --help
Runs <command> inside a QEMU VM with a real IPVS kernel, cwd = $REPO.
EOF
}

# ---------------------------------------------------------------------------------------------
# prerequisites

pick_kernel() {
  # prints "<vmlinuz path> <kernel version>" or nothing
  local k kver
  if [[ -n ${LVSYNC_VM_KERNEL:-} ]]; then
    kver=${LVSYNC_VM_KERNEL##*/vmlinuz-}
    [[ -r $LVSYNC_VM_KERNEL ]] && echo "$LVSYNC_VM_KERNEL $kver"
    return 0
  fi
  for k in $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -rV); do
    kver=${k#/boot/vmlinuz-}
    if [[ -r $k && -f /lib/modules/$kver/modules.dep ]] &&
       compgen -G "/lib/modules/$kver/kernel/net/netfilter/ipvs/ip_vs.ko*" >/dev/null; then
      echo "$k $kver"; return 0
    fi
  done
}

elf_is_static() {
  # true when the 64-bit little-endian ELF file $1 has no PT_INTERP program header
  local f=$1 phoff phentsize phnum i type
  [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == '177ELF' ]] || return 1
  phoff=$(od -An -t u8 -j 32 -N 8 "$f" | tr -d ' ')
  phentsize=$(od -An -t u2 -j 54 -N 2 "$f" | tr -d ' ')
  phnum=$(od -An -t u2 -j 56 -N 2 "$f" | tr -d ' ')
  for ((i = 0; i < phnum; i++)); do
    type=$(od -An -t u4 -j $((phoff + i * phentsize)) -N 4 "$f" | tr -d ' ')
    [[ $type == 3 ]] && return 1
  done
  return 0
}

find_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [[ -x $b ]] && elf_is_static "$b"; then echo "$b"; return 0; fi
  done
}

check_prereqs() {
  # $1 = verbose (1) or quiet (0). Returns 0 when everything needed is present.
  local verbose=$1 missing=() kinfo
  command -v qemu-system-x86_64 >/dev/null || missing+=("qemu-system-x86_64 (package qemu-system-x86)")
  kinfo=$(pick_kernel)
  if [[ -z $kinfo ]]; then
    missing+=("a kernel image /boot/vmlinuz-* with ip_vs modules in /lib/modules/<kver> (package linux-image-amd64)")
  fi
  [[ -x /usr/sbin/ipvsadm || -x /sbin/ipvsadm ]] || command -v ipvsadm >/dev/null ||
    missing+=("ipvsadm (package ipvsadm)")
  [[ -n $(find_busybox) ]] || missing+=("a static busybox at /bin/busybox (package busybox-static)")
  command -v modprobe >/dev/null || [[ -x /sbin/modprobe || -x /usr/sbin/modprobe ]] ||
    missing+=("modprobe (package kmod)")
  command -v cpio >/dev/null || missing+=("cpio (package cpio)")
  { command -v ip >/dev/null || [[ -x /usr/sbin/ip || -x /sbin/ip ]]; } || missing+=("ip (package iproute2)")
  command -v node >/dev/null || missing+=("node (Node.js >= 20, not an apt package here)")
  if ((verbose)); then
    echo "repo:        $REPO"
    echo "cache:       $CACHE"
    echo "output dir:  $OUTDIR (writable inside the VM)"
    echo "qemu:        $(command -v qemu-system-x86_64 || echo MISSING)"
    echo "kernel:      ${kinfo:-MISSING}"
    echo "ipvsadm:     $(command -v ipvsadm || ls /usr/sbin/ipvsadm 2>/dev/null || echo MISSING)"
    echo "busybox:     $(find_busybox || true)"
    echo "node:        $(command -v node || echo MISSING)"
    if [[ -w /dev/kvm ]]; then echo "accel:       kvm if a probe boot works (verdict cached in $CACHE/kvm-verdict-*), else tcg"; else echo "accel:       tcg (software emulation, no /dev/kvm)"; fi
  fi
  if ((${#missing[@]})); then
    {
      echo "vm.sh: missing prerequisites:"
      printf '  - %s\n' "${missing[@]}"
      echo "install with:  $INSTALL_HINT"
    } >&2
    return 1
  fi
  ((verbose)) && echo "all prerequisites present"
  return 0
}

# ---------------------------------------------------------------------------------------------
# initramfs

INIT_SCRIPT='#!/bin/sh
# lvsync VM init (busybox). Never exits: ends with poweroff -f.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /host /share/run /share/out /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
con=/dev/ttyS0
say() { echo "lvsync-init: $*" >$con; }
fail() { say "FATAL: $*"; sync; poweroff -f; sleep 5; }
DEBUG=0; grep -q "lvsync.debug" /proc/cmdline && DEBUG=1
stage() { [ $DEBUG = 1 ] && say "[$(cut -d" " -f1 /proc/uptime)] $*"; return 0; }
stage "init started"

# modules, in dependency order (file written at build time)
: >/tmp/modules.loaded
while read -r name ko; do
  out=$(insmod "$ko" 2>&1) || case $out in *"File exists"*) ;; *) say "insmod $name: $out";; esac
  echo "$name" >>/tmp/modules.loaded
done </etc/lvsync/modules.order

stage "modules loaded"
[ $DEBUG = 1 ] || echo "1 4 1 1" >/proc/sys/kernel/printk

P9="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$P9,ro,cache=loose" hostroot /host || fail "cannot mount host root over 9p"
mount -t 9p -o "$P9,ro" lvsyncrun /share/run || fail "cannot mount run share over 9p"
H=/host
# the repo may live under /tmp, /run or /var/tmp on the host: keep it visible under the tmpfs
repo=$(cat /share/run/repo)
mkdir -p /keep/repo
mount --bind "$H$repo" /keep/repo || fail "repo $repo not found in the host root"
mount -t tmpfs -o mode=1777 tmpfs $H/tmp || fail "tmpfs /tmp"
mount -t tmpfs -o mode=0755 tmpfs $H/run || fail "tmpfs /run"
[ -d $H/var/tmp ] && ! [ -L $H/var/tmp ] && mount -t tmpfs -o mode=1777 tmpfs $H/var/tmp
mount -t proc proc $H/proc || fail "proc"
mount -t sysfs sys $H/sys || fail "sysfs"
mount -t devtmpfs dev $H/dev || fail "devtmpfs"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $H/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $H/dev/shm
mkdir -p $H/run/lvsync $H/run/netns $H/run/lock
if ! [ -d "$H$repo/test/kernel" ]; then
  mkdir -p "$H$repo" && mount --bind /keep/repo "$H$repo" || fail "cannot re-expose repo $repo"
fi
cp /tmp/modules.loaded /etc/lvsync/modules.missing /etc/lvsync/kernel-version $H/run/lvsync/ 2>/dev/null
cp /share/run/cmd.sh $H/run/lvsync/cmd.sh || fail "no cmd.sh in run share"
outdir=$(cat /share/run/outdir)
if [ -n "$outdir" ]; then
  mkdir -p "$H$outdir" 2>/dev/null; [ -d "$H$outdir" ] || fail "output dir $outdir does not exist in the host root"
  # cache=mmap: still write-through, but shared writable mmap works (EINVAL with cache=none)
  mount -t 9p -o "$P9,rw,cache=mmap" lvsyncout "$H$outdir" || fail "cannot mount output share"
fi

# kernel-requested module loads (request_module) run /sbin/modprobe in this initramfs: forward
# them to the host kmod inside the chroot, which reads /lib/modules/<kver> over 9p.
printf "#!/bin/sh\nexec chroot /host /sbin/modprobe \"\$@\"\n" >/sbin/modprobe
chmod 755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

stage "file systems mounted"
hostname lvsync-vm
ip link set lo up
ip route add default dev lo
echo 1 >/proc/sys/net/ipv4/ip_forward

# stdout/stderr ports (virtio-serial, names set by vm.sh)
port_dev() {
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat $p/name 2>/dev/null)" = "$1" ] && { echo /dev/${p##*/}; return 0; }
  done
  return 1
}
i=0
while ! { OUT=$(port_dev lvsync.stdout) && ERR=$(port_dev lvsync.stderr) && [ -c "$OUT" ] && [ -c "$ERR" ]; }; do
  i=$((i+1)); [ $i -gt 200 ] && fail "virtio ports lvsync.stdout/lvsync.stderr not found"
  usleep 20000
done

stage "running command"
cd /
chroot $H /usr/bin/env -i /bin/bash /run/lvsync/cmd.sh </dev/null >"$OUT" 2>"$ERR"
rc=$?
stage "command exited with $rc"
sync
echo "" >$con
echo "__LVSYNC_VM_EXIT__=$rc" >$con
poweroff -f
sleep 10
'

build_initramfs() {
  # $1 = kver, $2 = destination file
  local kver=$1 dest=$2 bb tmp mod line ko rel target name out
  bb=$(find_busybox)
  tmp=$(mktemp -d "$CACHE/build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  mkdir -p "$tmp/root/bin" "$tmp/root/sbin" "$tmp/root/etc/lvsync" "$tmp/root/lib/modules/$kver"
  cp "$bb" "$tmp/root/bin/busybox"
  ln -s busybox "$tmp/root/bin/sh"
  printf '%s' "$INIT_SCRIPT" >"$tmp/root/init"
  chmod 755 "$tmp/root/init"
  echo "$kver" >"$tmp/root/etc/lvsync/kernel-version"
  : >"$tmp/root/etc/lvsync/modules.missing"
  declare -A seen=()
  : >"$tmp/root/etc/lvsync/modules.order"
  for mod in "${BOOT_MODULES[@]}"; do
    if ! out=$(modprobe --show-depends -S "$kver" "$mod" 2>/dev/null); then
      echo "$mod" >>"$tmp/root/etc/lvsync/modules.missing"
      continue
    fi
    while read -r line; do
      [[ $line == insmod\ * ]] || continue          # "builtin <name>" lines need nothing
      ko=$(awk '{print $2}' <<<"$line")
      [[ -n ${seen[$ko]:-} ]] && continue
      seen[$ko]=1
      rel=${ko#/lib/modules/$kver/}
      target="$tmp/root/lib/modules/$kver/${rel%.*}"   # strip .ko / .xz / .zst / .gz below
      case $ko in
        *.ko) target="$tmp/root/lib/modules/$kver/$rel"; mkdir -p "${target%/*}"; cp "$ko" "$target" ;;
        *.ko.xz) mkdir -p "${target%/*}"; xz -dc "$ko" >"$target" ;;
        *.ko.zst) mkdir -p "${target%/*}"; zstd -qdc "$ko" >"$target" ;;
        *.ko.gz) mkdir -p "${target%/*}"; gzip -dc "$ko" >"$target" ;;
        *) echo "vm.sh: unexpected module file $ko" >&2; return 1 ;;
      esac
      name=${rel##*/}; name=${name%%.ko*}
      echo "$name /lib/modules/$kver/${target#"$tmp/root/lib/modules/$kver/"}" >>"$tmp/root/etc/lvsync/modules.order"
    done <<<"$out"
  done
  (cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$tmp/initramfs.cpio.gz"
  mv -f "$tmp/initramfs.cpio.gz" "$dest"
  cp "$tmp/root/etc/lvsync/modules.order" "$dest.modules"
  cp "$tmp/root/etc/lvsync/modules.missing" "$dest.missing"
}

extract_vmlinux() {
  # $1 = bzImage, $2 = destination. Writes the uncompressed ELF vmlinux (bootable by QEMU through
  # its PVH entry point, which skips the in-guest decompression: ~4 s faster under TCG).
  local bz=$1 dest=$2 off magic tool
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    command -v "$tool" >/dev/null || continue
    for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$bz" 2>/dev/null | head -5 | cut -d: -f1); do
      case $tool in
        xz) tail -c +$((off + 1)) "$bz" | xz -dc --single-stream >"$dest.tmp" 2>/dev/null ;;
        zstd) tail -c +$((off + 1)) "$bz" | zstd -qdc >"$dest.tmp" 2>/dev/null ;;
        gzip) tail -c +$((off + 1)) "$bz" | gzip -dc >"$dest.tmp" 2>/dev/null ;;
      esac
      if [[ $(head -c 4 "$dest.tmp" 2>/dev/null | od -An -c | tr -d ' ') == '177ELF' ]]; then
        mv -f "$dest.tmp" "$dest"; return 0
      fi
    done
  done
  rm -f "$dest.tmp"
  return 1
}

ensure_initramfs() {
  # Sets INITRAMFS and BOOT_KERNEL. The initramfs is rebuilt when the kernel, its modules, busybox,
  # the module list or the init script change; the uncompressed vmlinux when the kernel changes.
  local kver=$1 vmlinuz=$2 force=${3:-0} key kkey pvh=0 vmlinux
  mkdir -p "$CACHE"
  key=$( { echo "$INITRAMFS_FORMAT $kver"; stat -c '%s %Y' "$vmlinuz" /lib/modules/"$kver"/modules.dep "$(find_busybox)";
           printf '%s\n' "${BOOT_MODULES[@]}"; printf '%s' "$INIT_SCRIPT"; } | sha256sum | cut -c1-16)
  kkey=$( { echo "$kver"; stat -c '%s %Y' "$vmlinuz"; } | sha256sum | cut -c1-16)
  INITRAMFS="$CACHE/initramfs-$kver-$key.cpio.gz"
  vmlinux="$CACHE/vmlinux-$kver-$kkey"
  BOOT_KERNEL=$vmlinuz
  [[ ${LVSYNC_VM_PVH:-1} != 0 ]] && grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null && pvh=1
  if ((force)) || [[ ! -s $INITRAMFS ]] || { ((pvh)) && [[ ! -e $vmlinux && ! -e $vmlinux.none ]]; }; then
    exec 9>"$CACHE/.build.lock"
    flock 9
    if ((force)) || [[ ! -s $INITRAMFS ]]; then
      local t0=$SECONDS
      echo "vm.sh: building initramfs for $kver ..." >&2
      build_initramfs "$kver" "$INITRAMFS"
      echo "vm.sh: initramfs ready in $((SECONDS - t0))s: $INITRAMFS ($(du -k "$INITRAMFS" | cut -f1) KiB)" >&2
      if [[ -s $INITRAMFS.missing ]]; then
        echo "vm.sh: modules not present in $kver (skipped): $(tr '\n' ' ' <"$INITRAMFS.missing")" >&2
      fi
    fi
    if ((pvh)) && { ((force)) || [[ ! -e $vmlinux && ! -e $vmlinux.none ]]; }; then
      rm -f "$vmlinux.none"
      extract_vmlinux "$vmlinuz" "$vmlinux" || {
        echo "vm.sh: could not extract an uncompressed vmlinux from $vmlinuz; booting the bzImage (slower)" >&2
        : >"$vmlinux.none"
      }
    fi
    # drop builds nobody used for an hour (other keys: older kernels or older versions of vm.sh;
    # a concurrent run of an older vm.sh may still be using its own build, hence the grace period)
    find "$CACHE" -maxdepth 1 \( -name 'initramfs-*' -o -name 'vmlinux-*' \) -mmin +60 \
      ! -name "${INITRAMFS##*/}*" ! -name "${vmlinux##*/}*" -delete 2>/dev/null || true
    flock -u 9
    exec 9>&-
  fi
  touch "$INITRAMFS"   # last-use time, for the cleanup above
  if ((pvh)) && [[ -s $vmlinux ]]; then BOOT_KERNEL=$vmlinux; touch "$vmlinux"; fi
}

# ---------------------------------------------------------------------------------------------
# main

mode=run force=0
cmd=()
while (($#)); do
  case $1 in
    --check) mode=check; shift ;;
    --build) mode=build; shift ;;
    --rebuild) force=1; shift ;;
    --timeout) [[ $# -ge 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || { usage; exit 2; }; TIMEOUT=$2; shift 2 ;;
    --timeout=*) TIMEOUT=${1#--timeout=}; [[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -gt 0 ]] || { usage; exit 2; }; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; cmd=("$@"); break ;;
    -*) echo "vm.sh: unknown option $1" >&2; usage; exit 2 ;;
    *) cmd=("$@"); break ;;
  esac
done

if [[ $mode == check ]]; then
  check_prereqs 1 && exit 0 || exit 1
fi
check_prereqs 0 || exit 125
read -r VMLINUZ KVER < <(pick_kernel)
ensure_initramfs "$KVER" "$VMLINUZ" "$force"
[[ $mode == build ]] && exit 0
((${#cmd[@]})) || { usage; exit 2; }

# KVM only when it works here. Under nested virtualisation /dev/kvm can be writable and still
# broken: the guest dies in its first second with "KVM internal error ... emulation failure" and
# QEMU then sits paused until the timeout (seen on these machines). One short boot with KVM alone
# decides, per kernel; the verdict is cached, and a broken KVM means TCG (software emulation).
kvm_works() {
  local verdict="$CACHE/kvm-verdict-$KVER"
  if [[ -s $verdict ]]; then [[ $(<"$verdict") == ok ]]; return; fi
  local rc=0
  LVSYNC_VM_ACCEL=kvm-only LVSYNC_VM_KEEP=0 "$0" --timeout "${LVSYNC_VM_KVM_PROBE_TIMEOUT:-40}" -- true >/dev/null 2>&1 || rc=$?
  if ((rc == 0)); then echo ok >"$verdict"; return 0; fi
  echo "broken (a probe boot with -accel kvm exited $rc)" >"$verdict"
  echo "vm.sh: /dev/kvm is there but a KVM boot failed (exit $rc): using TCG (software emulation); delete $verdict to probe again" >&2
  return 1
}
case ${LVSYNC_VM_ACCEL:-auto} in
  tcg) use_kvm=0 ;;
  kvm-only) use_kvm=2 ;;
  kvm) use_kvm=1 ;;
  *) use_kvm=0; [[ -w /dev/kvm ]] && kvm_works && use_kvm=1 ;;
esac

# per-run directory: cmd.sh + outdir go to the guest through a read-only 9p share
mkdir -p "$CACHE/runs"
RUN=$(mktemp -d "$CACHE/runs/run.XXXXXX")
CAT_PIDS=()
cleanup() {
  local rc=$?
  if [[ ${LVSYNC_VM_KEEP:-0} == 1 ]]; then echo "vm.sh: kept $RUN" >&2; else rm -rf "$RUN"; fi
  return $rc
}
trap cleanup EXIT

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd -P)
printf '%s\n' "$OUTDIR" >"$RUN/outdir"
printf '%s\n' "$REPO" >"$RUN/repo"
{
  echo '#!/bin/bash'
  echo '# generated by test/kernel/vm.sh'
  guest_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  node_dir=$(dirname "$(command -v node)")
  case ":$guest_path:" in *":$node_dir:"*) ;; *) guest_path=$node_dir:$guest_path ;; esac
  printf 'export PATH=%q HOME=/tmp TMPDIR=/tmp USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb\n' "$guest_path"
  printf 'export LVSYNC_IN_VM=1 LVSYNC_VM_KERNEL_VERSION=%q LVSYNC_VM_OUTPUT_DIR=%q\n' "$KVER" "$OUTDIR"
  for name in ${LVSYNC_VM_PASS_ENV:-}; do
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "LVSYNC_VM_PASS_ENV: bad variable name '$name'"
    [[ -v $name ]] && printf 'export %s=%q\n' "$name" "${!name}"
  done
  for m in ${LVSYNC_VM_MODULES:-}; do
    printf 'modprobe %q || { echo "vm.sh: modprobe %q failed" >&2; exit 125; }\n' "$m" "$m"
  done
  printf 'cd %q || exit 125\n' "$REPO"
  printf 'exec'; printf ' %q' "${cmd[@]}"; printf '\n'
} >"$RUN/cmd.sh"

# Relays: the outer cat is the only reader of each fifo and always drains it. If our own stdout
# goes away (vm.sh ... | head), the inner cat dies of SIGPIPE and the rest is discarded, so the
# guest never blocks on a full port (qemu would spin on EPIPE and the VM would hang until timeout).
mkfifo "$RUN/stdout" "$RUN/stderr"
cat "$RUN/stdout" | { cat || cat >/dev/null; } &
CAT_PIDS+=($!)
cat "$RUN/stderr" | { cat >&2 || cat >/dev/null; } &
CAT_PIDS+=($!)

smp=${LVSYNC_VM_SMP:-$(nproc)}
((smp > 4)) && smp=4
accel=(-accel "tcg,thread=multi")
((use_kvm == 1)) && accel=(-accel kvm "${accel[@]}")
((use_kvm == 2)) && accel=(-accel kvm)
# tsc=reliable: under TCG the kernel marks the TSC unstable (vCPU sync check) and falls back to the
# emulated HPET, which makes every clock read a syscall + MMIO exit (~2-3x slower clock-heavy code);
# QEMU's TSC comes from one host clock for all vCPUs, so it is in fact monotonic and accurate.
append="console=ttyS0 panic=-1 rdinit=/init"
[[ ${LVSYNC_VM_TSC_RELIABLE:-1} != 0 ]] && append+=" tsc=reliable"
append+=" ${LVSYNC_VM_APPEND:-}"
if [[ ${LVSYNC_VM_DEBUG:-0} == 1 ]]; then append+=" loglevel=7 lvsync.debug"; else append+=" quiet loglevel=3"; fi

qemu_args=(
  -M pc -cpu "${LVSYNC_VM_CPU:-max}" "${accel[@]}" -smp "$smp" -m "${LVSYNC_VM_MEM:-2048}"
  -nodefaults -no-user-config -display none -vga none -monitor none -no-reboot
  -nic none
  -kernel "$BOOT_KERNEL" -initrd "$INITRAMFS" -append "$append"
  -serial "file:$RUN/console.log"
  -device virtio-rng-pci
  -device virtio-serial-pci
  -chardev "file,id=out,path=$RUN/stdout" -device "virtserialport,chardev=out,name=lvsync.stdout"
  -chardev "file,id=err,path=$RUN/stderr" -device "virtserialport,chardev=err,name=lvsync.stderr"
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
  -virtfs "local,path=$RUN,mount_tag=lvsyncrun,security_model=none,readonly=on"
  -virtfs "local,path=$OUTDIR,mount_tag=lvsyncout,security_model=none,multidevs=remap"
)

SIGNALLED=0
trap 'SIGNALLED=130' INT
trap 'SIGNALLED=143' TERM
set +e
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 "${qemu_args[@]}" </dev/null
qrc=$?
set -e
# unblock a cat still waiting in open() (qemu never opened its fifo), then let both drain
for f in "$RUN/stdout" "$RUN/stderr"; do exec 8<>"$f"; exec 8>&-; done
wait "${CAT_PIDS[@]}" 2>/dev/null || true

if [[ ${LVSYNC_VM_DEBUG:-0} == 1 ]]; then
  echo "---- vm console ----" >&2; cat "$RUN/console.log" >&2; echo "---- end console ----" >&2
fi
status=$(sed -n "s/^$MARKER=\([0-9]\{1,3\}\)\r\{0,1\}\$/\1/p" "$RUN/console.log" 2>/dev/null | tail -n1)
if [[ -n $status ]]; then
  exit "$status"
fi
if ((SIGNALLED)); then
  echo "vm.sh: interrupted; the VM was stopped" >&2
  exit "$SIGNALLED"
elif ((qrc == 124 || qrc == 137)); then
  echo "vm.sh: TIMEOUT: the VM did not finish within ${TIMEOUT}s (raise with --timeout SECS)" >&2
else
  echo "vm.sh: the VM exited (qemu status $qrc) without reporting the command's exit status" >&2
fi
if [[ -s $RUN/console.log ]]; then
  echo "vm.sh: last lines of the VM console (LVSYNC_VM_KEEP=1 keeps $RUN):" >&2
  tail -n 30 "$RUN/console.log" | sed 's/^/  | /' >&2 || true
fi
if [[ ${LVSYNC_VM_DEBUG:-0} != 1 ]]; then
  echo "vm.sh: rerun with LVSYNC_VM_DEBUG=1 for the full boot log and init timings" >&2
fi
exit 125
