#!/bin/sh
# Usage (inside tools/v2vm, from cases.sh): runtime-lifecycle.sh RUNTIME --root ROOT [CGROUPS_PATH]
#
# iza-runtime's commands on a cgroup v2 kernel, in the order an engine calls them: create and
# start a busybox container (with a pids limit only, as podman's default config has), exec
# into it, pause and resume it, update its memory and cpu limits, delete it. Prints one
# `what value` line per check for cgroup-v2.e2e.test.ts; a failing command prints its error
# on stderr and the script goes on, so every later line still says what it found.
set -u
rt=$1 root=$3 cgroups_path=${4:-}
id=v2-rt-$$
bundle=$root/bundle-$id
r() { "$rt" --root "$root" "$@"; }

mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp /usr/bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh sleep cat hostname true; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
placement=
[ -z "$cgroups_path" ] || placement="\"cgroupsPath\": \"$cgroups_path\","
cat >"$bundle/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": { "user": { "uid": 0, "gid": 0 }, "args": ["sleep", "1000"], "env": ["PATH=/bin"],
               "cwd": "/" },
  "root": { "path": "rootfs" },
  "hostname": "v2rt",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"] }
  ],
  "linux": {
    $placement
    "namespaces": [{ "type": "pid" }, { "type": "mount" }, { "type": "uts" }, { "type": "ipc" },
                   { "type": "network" }, { "type": "cgroup" }],
    "resources": { "pids": { "limit": 100 } }
  }
}
EOF

status() { r state "$id" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }
dirs() { find /sys/fs/cgroup -mindepth 1 -type d | sort; }
dirs >"$bundle/cgroups.before"

r create --bundle "$bundle" "$id" </dev/null >/dev/null
r start "$id"
leaf=$(sed 's/.*"cgroupPaths":\["\([^"]*\)".*/\1/' "$root/$id/state.json")
echo "status $(status)"
echo "leaf-pids.max $(cat "$leaf/pids.max")"

echo "exec $(r exec "$id" sh -c 'hostname; cat /proc/1/comm; cat /proc/self/cgroup' | tr '\n' ' ')"
r exec --detach --pid-file "$bundle/exec.pid" "$id" sleep 500 </dev/null >/dev/null
grep -qx "$(cat "$bundle/exec.pid")" "$leaf/cgroup.procs" && echo "exec-in-leaf yes"
echo "ps $(r ps --format json "$id" | tr -c '[0-9,\n]' ' ' | tr ',' '\n' | grep -c '[0-9]')"

r pause "$id"
echo "paused $(status) freeze $(cat "$leaf/cgroup.freeze") $(grep '^frozen' "$leaf/cgroup.events")"
r exec "$id" true 2>/dev/null
echo "exec-paused $?"
r resume "$id"
echo "resumed $(status) freeze $(cat "$leaf/cgroup.freeze") $(grep '^frozen' "$leaf/cgroup.events")"

echo '{"memory":{"limit":67108864},"cpu":{"quota":20000,"period":100000}}' |
  r update --resources - "$id"
echo "update $? memory.max $(cat "$leaf/memory.max") cpu.max $(cat "$leaf/cpu.max")"
r update --cpu-quota 30000 "$id"
echo "update-quota $? cpu.max $(cat "$leaf/cpu.max")"

r delete --force "$id"
[ -d "$leaf" ] || echo "deleted leaf"
# delete removes the leaf only (a LIMITATION of the runtime: the parents create made stay);
# the case leaves the tree as it found it, innermost first.
dirs | comm -13 "$bundle/cgroups.before" - | sort -r | while read -r dir; do rmdir "$dir"; done
rm -rf "$bundle"
echo "end"
