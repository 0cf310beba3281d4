#!/bin/sh
# podman + iza-runtime vs podman + runc: N runs each of `podman run --rm IMAGE /bin/true`, in
# one run, with hyperfine (mean, median, ratio). Root; uses a throw-away podman root.
# usage: tools/bench/oci/run.sh [RUNS]   (image: a busybox rootfs imported as localhost/bench-bb)
set -eu
runs=${1:-20}
here=$(dirname "$(readlink -f "$0")")
rt="$here/../../../iza-runtime"
tmp=$(mktemp -d /tmp/iza-bench-oci.XXXXXX)
trap 'podman --root "$tmp/root" --runroot "$tmp/run" --tmpdir "$tmp/tmp" system reset --force >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# podman's default ulimits exceed hosts without CAP_SYS_RESOURCE; same for both runtimes.
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$tmp/c.conf"
export CONTAINERS_CONF="$tmp/c.conf"
# Its own tmpdir too: the default /run/libpod holds the "alive" file and exit files every
# podman on the machine shares, and another root's `system reset` removes it (podman then
# believes the machine rebooted and forgets which containers run).
p="podman --root $tmp/root --runroot $tmp/run --tmpdir $tmp/tmp --cgroup-manager cgroupfs --events-backend file"

mkdir -p "$tmp/fs/bin"
cp /bin/busybox "$tmp/fs/bin/" && ln -s busybox "$tmp/fs/bin/true"
tar -C "$tmp/fs" -cf "$tmp/fs.tar" . && $p import "$tmp/fs.tar" localhost/bench-bb >/dev/null

# podman's defaults for both, its seccomp profile included (iza-runtime compiles it as runc does).
opts="run --rm --network none localhost/bench-bb /bin/true"
hyperfine --warmup 2 --runs "$runs" --export-json "$tmp/r.json" \
  -n runc "$p --runtime /usr/sbin/runc $opts" -n iza-runtime "$p --runtime $rt $opts"
node -e '
const r = require(process.argv[1]).results;
const [a, b] = r;
for (const x of r) console.log(`${x.command.padEnd(12)} mean ${(x.mean*1e3).toFixed(0)} ms  median ${(x.median*1e3).toFixed(0)} ms`);
const ratio = b.median / a.median;
console.log(`ratio iza-runtime/runc: mean ${(b.mean/a.mean).toFixed(2)}x  median ${ratio.toFixed(2)}x`);
console.log(`target (at most 1.5x podman+runc): ${ratio <= 1.5 ? "met" : "not met"}`);
' "$tmp/r.json"
