# Fetches Debian's amd64 kernel once into the cache, without installing it (sourced by run).
#
# Result: $cache/kernel-<version>/{vmlinux,modules/...}. vmlinux is the uncompressed ELF taken
# out of vmlinuz: qemu boots it through the PVH entry point, which V2VM.md measured at 2.2 s to
# userspace against 5.9 s for the bzImage path under TCG.

# The modules the initramfs needs, as named in the package (kernel/<dir>/<name>.ko).
V2VM_MODULE_DIRS=(drivers/virtio drivers/char/virtio_console.ko fs/9p fs/netfs fs/fscache
  fs/overlayfs net/9p)

# Prints the version to use: IZA_V2VM_KERNEL, else the newest one cached, else the one Debian's
# linux-image-amd64 depends on (the cloud flavour lacks 9p, so the generic one is required).
kernel_version() {
  if [[ -n "${IZA_V2VM_KERNEL:-}" ]]; then
    printf '%s\n' "$IZA_V2VM_KERNEL"
    return
  fi

  local cached
  cached=$(find "$1" -maxdepth 2 -path '*/kernel-*/vmlinux' 2>/dev/null | sort -V | tail -n 1)
  if [[ -n "$cached" ]]; then
    basename "$(dirname "$cached")" | sed 's/^kernel-//'
    return
  fi

  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: linux-image-\([0-9.]*-[0-9]*-amd64\)$/\1/p' | sed -n 1p
}

# Downloads and unpacks the kernel package for version $2 into $1/kernel-$2 (atomically).
fetch_kernel() {
  local cache=$1 version=$2
  local dest="$cache/kernel-$version"
  [[ -f "$dest/vmlinux" ]] && return 0

  # The caller holds the cache lock: leftovers of an interrupted run can go.
  rm -rf "$cache"/.kernel-*
  local work
  work=$(mktemp -d "$cache/.kernel-XXXXXX")
  # apt drops privileges to _apt for downloads; a 0755 dir lets it write (else it warns).
  chmod 0755 "$work"
  if ! (cd "$work" && apt-get download -q "linux-image-$version" >download.log 2>&1); then
    rm -rf "$work"
    die "cannot download linux-image-$version with apt-get (run apt-get update, or set IZA_V2VM_KERNEL)"
  fi

  # Only /boot and the few module directories are unpacked: the whole package is 400 MB.
  local members=(./boot)
  local d
  for d in "${V2VM_MODULE_DIRS[@]}"; do
    members+=("./lib/modules/$version/kernel/$d")
  done
  dpkg-deb --fsys-tarfile "$work"/linux-image-*.deb | tar -x -C "$work" "${members[@]}" ||
    die "cannot unpack linux-image-$version"

  extract_vmlinux "$work/boot/vmlinuz-$version" "$work/vmlinux"
  mkdir -p "$work/modules"
  find "$work/lib/modules/$version/kernel" -name '*.ko' -exec mv -t "$work/modules" {} +
  rm -rf "$work/boot" "$work/lib" "$work"/*.deb "$work/download.log"
  mv -T "$work" "$dest" 2>/dev/null || rm -rf "$work"
}

# The x86 bzImage payload is an xz stream (Debian's config): decompress from its magic on.
extract_vmlinux() {
  local offset
  offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | sed -n 1p | cut -d: -f1)
  [[ -n "$offset" ]] || die "no xz payload in $1"

  # xz stops at the end of its stream: a plain pipe would kill tail with SIGPIPE.
  xz -dc --single-stream < <(tail -c "+$((offset + 1))" "$1") >"$2" ||
    die "cannot decompress the payload of $1"
  [[ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" == '177ELF' ]] ||
    die "the payload of $1 is not an ELF vmlinux"
}
