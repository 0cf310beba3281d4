#!/bin/sh
# podman exec through iza-runtime vs through runc: N runs each of `podman exec C /bin/true` into
# a running container of each runtime, in one run, with hyperfine (mean, median, ratio). Root;
# uses a throw-away podman root. usage: tools/bench/oci/exec.sh [RUNS]
set -eu
runs=${1:-20}
here=$(dirname "$(readlink -f "$0")")
rt="$here/../../../iza-runtime"
tmp=$(mktemp -d /tmp/iza-bench-exec.XXXXXX)
trap 'podman --root "$tmp/root" --runroot "$tmp/run" --tmpdir "$tmp/tmp" system reset --force >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# podman's default ulimits exceed hosts without CAP_SYS_RESOURCE; same for both runtimes.
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$tmp/c.conf"
export CONTAINERS_CONF="$tmp/c.conf"
# Its own tmpdir too: the default /run/libpod holds the "alive" file and exit files every
# podman on the machine shares, and another root's `system reset` removes it (podman then
# believes the machine rebooted and forgets which containers run).
p="podman --root $tmp/root --runroot $tmp/run --tmpdir $tmp/tmp --cgroup-manager cgroupfs --events-backend file"

mkdir -p "$tmp/fs/bin"
cp /bin/busybox "$tmp/fs/bin/"
for a in true sleep; do ln -s busybox "$tmp/fs/bin/$a"; done
tar -C "$tmp/fs" -cf "$tmp/fs.tar" . && $p import "$tmp/fs.tar" localhost/bench-bb >/dev/null

# One container per runtime; podman remembers which runtime each was created with.
$p --runtime /usr/sbin/runc run -d --name bench-runc --network none localhost/bench-bb sleep 1000 >/dev/null
$p --runtime "$rt" run -d --name bench-iza --network none localhost/bench-bb sleep 1000 >/dev/null

hyperfine --warmup 2 --runs "$runs" --export-json "$tmp/r.json" \
  -n runc "$p --runtime /usr/sbin/runc exec bench-runc /bin/true" \
  -n iza-runtime "$p --runtime $rt exec bench-iza /bin/true"
node -e '
const r = require(process.argv[1]).results;
const [a, b] = r;
for (const x of r) console.log(`${x.command.padEnd(12)} mean ${(x.mean*1e3).toFixed(0)} ms  median ${(x.median*1e3).toFixed(0)} ms`);
console.log(`ratio iza-runtime/runc: mean ${(b.mean/a.mean).toFixed(2)}x  median ${(b.median/a.median).toFixed(2)}x`);
' "$tmp/r.json"
$p rm --force --time 0 bench-runc bench-iza >/dev/null
