#!/usr/bin/env bash
# Installs what building and testing iza needs on a Debian 12 host, as root:
#   bash tools/install-deps.sh            build + test dependencies
#   bash tools/install-deps.sh --bench    also the peers the benchmarks compare with
# Idempotent: packages already present are not downloaded again.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

# Build: a C++ toolchain and libseccomp for the addon. Tests: a real registry, image tools and a rootfs source,
# qemu for the cgroup v2 suite's throw-away VM (tools/v2vm), and podman and containerd, which
# the OCI runtime suite drives iza-runtime with.
packages=(
  build-essential python3 clang-format libseccomp-dev
  docker-registry skopeo umoci busybox-static debootstrap apache2-utils openssl
  attr libcap2-bin tmux util-linux iproute2 procps tini zstd
  qemu-system-x86 cpio xz-utils
  podman conmon containerd runc
)
if [[ " $* " == *" --bench "* ]]; then
  packages+=(crun hyperfine)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi

pnpm install --frozen-lockfile
