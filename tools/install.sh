#!/usr/bin/env bash
# Installs the built CLI system-wide, as the original `make install` did:
#   bash tools/install.sh [PREFIX]              -> PREFIX/lib/iza, PREFIX/bin/iza, and
#                                                  PREFIX/lib/iza-runtime, PREFIX/bin/iza-runtime
#   bash tools/install.sh --uninstall [PREFIX]
# The install is a self-contained copy (pnpm deploy): it keeps working if this checkout moves.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--uninstall" ]]; then
  prefix=${2:-/usr/local}
  rm -rf "$prefix/lib/iza" "$prefix/bin/iza" "$prefix/lib/iza-runtime" "$prefix/bin/iza-runtime"
  echo "removed $prefix/bin/iza, $prefix/bin/iza-runtime and their $prefix/lib directories"
  exit 0
fi

prefix=${1:-/usr/local}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pnpm --filter @iza/cli --prod --config.inject-workspace-packages=true deploy "$tmp/iza" >/dev/null
rm -rf "$prefix/lib/iza"
mkdir -p "$prefix/lib" "$prefix/bin"
mv "$tmp/iza" "$prefix/lib/iza"
# The V8 startup snapshots are built for this machine's node and CPU, so they are not in the
# packages: copy them.
if [[ -d packages/cli/dist/snapshot ]]; then
  cp -r packages/cli/dist/snapshot "$prefix/lib/iza/dist/snapshot"
fi
ln -sfn "$prefix/lib/iza/bin/iza" "$prefix/bin/iza"
chmod +x "$prefix/lib/iza/bin/iza"
echo "installed $prefix/bin/iza ($("$prefix/bin/iza" --version))"

# The OCI runtime, for podman, containerd and CRI-O (README "iza-runtime").
pnpm --filter @iza/oci-runtime --prod --config.inject-workspace-packages=true deploy "$tmp/rt" >/dev/null
rm -rf "$prefix/lib/iza-runtime"
mv "$tmp/rt" "$prefix/lib/iza-runtime"
if [[ -d packages/oci-runtime/dist/snapshot ]]; then
  cp -r packages/oci-runtime/dist/snapshot "$prefix/lib/iza-runtime/dist/snapshot"
fi
ln -sfn "$prefix/lib/iza-runtime/bin/iza-runtime" "$prefix/bin/iza-runtime"
echo "installed $prefix/bin/iza-runtime ($("$prefix/bin/iza-runtime" --version | head -n 1))"
