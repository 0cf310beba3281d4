#!/bin/sh
# Usage (inside tools/v2vm, as root): cases.sh RESULTS IZA
#
# Runs iza's cgroup v2 cases in one boot of the pure-v2 VM and writes one directory per case
# under RESULTS (the v2vm share): exit, stdout, stderr, the cgroup directories before and
# after, the seconds it took, and what a sampler read from the container's own cgroup while it
# lived (its files are gone once iza removes it). cgroup-v2.e2e.test.ts asserts them.
#
# Placements: `root` (iza in the root cgroup), `scope` (iza alone in a fresh leaf below
# /user.slice, as `systemd-run --scope` puts it) and `shared` (iza and its parent shell in one
# such leaf). Each case's leaf is removed after it, so the listings before and after a case
# differ only by what iza left behind.
set -u
results=$1
iza=$2
here=$(cd "$(dirname "$0")" && pwd)
in_cgroup="$here/../../../tools/v2vm/guest/in-cgroup"
cg=/sys/fs/cgroup

# iza's root lives on the VM's tmpfs: / is an overlay, which overlayfs refuses as an upper.
root=/run/iza-e2e
mkdir -p "$root"

# A fork bomb that escapes --pids-limit must not take the VM and the results down with it:
# cap the whole kernel, far above what any case needs and far below what stalls the VM.
echo 4000 >/proc/sys/kernel/threads-max

uptime_cs() {
  read -r up _ </proc/uptime
  echo "${up%.*}${up#*.}"
}

cgroup_dirs() {
  find "$cg" -mindepth 1 -type d | sort
}

# Polls the container's cgroup (a directory below an `iza` directory, other than iza's own
# `supervisor`), keeping the last value of each file and the highest pids.current. Builtins
# only, so the sampler costs little CPU next to the cpu case.
sampler() {
  out=$1 top=0
  while :; do
    for dir in "$cg"/iza/*/ "$cg"/user.slice/*/iza/*/; do
      [ -d "$dir" ] || continue
      case "$dir" in */supervisor/) continue ;; esac
      echo "${dir%/}" >"$out/leaf"
      for f in cpu.max cpu.stat cpuset.cpus cpuset.cpus.effective memory.max memory.events \
        pids.max pids.events; do
        text=
        while read -r line; do
          text="$text$line
"
        done 2>/dev/null <"$dir$f" || continue
        [ -n "$text" ] && printf '%s' "$text" >"$out/last.$f"
      done
      read -r now 2>/dev/null <"${dir}pids.current" || continue
      if [ "$now" -gt "$top" ]; then
        top=$now
        echo "$top" >"$out/max.pids.current"
      fi
    done
    sleep 0.2
  done
}

# run_case NAME PLACEMENT IZA-ARGS... (`prog`, default iza, is what runs with --root)
run_case() {
  name=$1 placement=$2
  shift 2
  dir="$results/$name"
  leaf=/user.slice/iza-e2e-$name.scope
  mkdir -p "$dir"
  echo "case $name ($placement): iza $*"

  cgroup_dirs >"$dir/cgroups.before"
  sampler "$dir" &
  sampler_pid=$!
  started=$(uptime_cs)
  case "$placement" in
  root) ${prog:-$iza} --root "$root" "$@" ;;
  scope) "$in_cgroup" "$leaf" ${prog:-$iza} --root "$root" "$@" ;;
  # The shell stays in the leaf as iza's parent (no exec): the leaf is not iza's alone.
  shared) "$in_cgroup" "$leaf" /bin/sh -c '"$@"; exit $?' sh ${prog:-$iza} --root "$root" "$@" ;;
  esac >"$dir/stdout" 2>"$dir/stderr" </dev/null
  echo "$?" >"$dir/exit"
  ended=$(uptime_cs)
  kill "$sampler_pid"
  wait "$sampler_pid" 2>/dev/null

  echo "$(((ended - started) / 100)).$(((ended - started) % 100 / 10))" >"$dir/seconds"
  if [ -d "$cg$leaf" ]; then
    rmdir "$cg$leaf" 2>"$dir/rmdir.error"
  fi
  cgroup_dirs >"$dir/cgroups.after"
  echo "  exit $(cat "$dir/exit") after $(cat "$dir/seconds") s"
}

# Three seconds of busy loop by the guest's clock, builtins only, so the shell's own CPU time
# (proc(5): utime + stime of /proc/self/stat, in 1/100 s) is the loop's. Then two idle seconds
# in which the sampler reads the cgroup's final cpu.stat before iza removes the cgroup.
busy='read -r t _ </proc/uptime; w0=${t%.*}${t#*.}; end=$((w0 + 300))
read -r s </proc/self/stat; set -- $s; c0=$((${14} + ${15}))
while read -r t _ </proc/uptime && [ $((${t%.*}${t#*.})) -lt $end ]; do :; done
read -r s </proc/self/stat; set -- $s; c1=$((${14} + ${15}))
read -r t _ </proc/uptime
echo "cpu_cs $((c1 - c0)) wall_cs $((${t%.*}${t#*.} - w0))"; sleep 2'

# Forks without end; the container's PID 1 waits three seconds with builtins only (a fork
# fails under the limit), then exits, and the kernel kills the rest of its pid namespace.
bomb='bomb() { bomb | bomb & }; bomb 2>/dev/null
read -r t _ </proc/uptime; end=$(( ${t%.*}${t#*.} + 300 ))
while read -r t _ </proc/uptime && [ $(( ${t%.*}${t#*.} )) -lt $end ]; do :; done
echo contained'

# Device nodes docker denies, made with CAP_MKNOD (which the container has, as docker's): on v2
# only a BPF program attached to the container's cgroup stops them being opened. `dir` is
# where the nodes go; the same probe runs on the guest itself once, as the reference.
# /dev/kmsg (1:11) is in every kernel and opens for writing without CAP_SYSLOG.
devices='dir=${1:-/tmp}; busybox mknod $dir/kmsg c 1 11 && echo made
(exec 3>$dir/kmsg) 2>/dev/null && echo "open kmsg" || echo "denied kmsg"
(exec 3>/dev/null) && echo "open null"'

# One allocating process: busybox dd takes its whole 100 MB block at once (HOST.md).
dd='/usr/bin/busybox dd if=/dev/zero of=/dev/null bs=100M count=1'

echo "results in $results"
cgroup_dirs >"$results/cgroups.start"
# /user.slice exists, passing every controller down, before any case (as on a systemd host).
"$in_cgroup" /user.slice/iza-e2e-setup.scope true && rmdir "$cg/user.slice/iza-e2e-setup.scope"

run_case info root info --format json
mkdir -p "$results/guest-devices" "$root/guest-devices"
/usr/bin/busybox sh -c "$devices" sh "$root/guest-devices" >"$results/guest-devices/stdout" 2>&1
rm -rf "$root/guest-devices"
for placement in root scope; do
  run_case "$placement-oom" "$placement" run --rm --memory 50m $dd
  run_case "$placement-no-limit" "$placement" run --rm $dd
  run_case "$placement-cpus" "$placement" run --rm --cpus 0.5 /bin/sh -c "$busy"
  run_case "$placement-pids" "$placement" run --rm --pids-limit 20 /bin/sh -c "$bomb"
  run_case "$placement-cpuset" "$placement" run --rm --cpuset-cpus 0 \
    /bin/sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 1'
  run_case "$placement-devices" "$placement" run --rm /usr/bin/busybox sh -c "$devices"
done
run_case shared-memory shared run --rm --memory 50m /bin/true

# iza-runtime (beside iza in the checkout): its own default placement below its cgroup, and
# podman's explicit parent, which is what a runtime in a scope with its callers must use.
prog="/bin/sh $here/runtime-lifecycle.sh $(dirname "$iza")/iza-runtime"
run_case runtime-default root
run_case runtime-parent scope /iza-e2e-parent/rt
prog=

rmdir "$cg/user.slice" 2>"$results/rmdir.error"
cgroup_dirs >"$results/cgroups.end"
echo done >"$results/complete"
