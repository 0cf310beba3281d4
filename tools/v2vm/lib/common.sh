# Shared by the v2vm scripts (sourced, not run): one-line failures and the cache location.

# Prints "v2vm: MESSAGE" on stderr and exits with 125, the status docker and podman use for a
# failure of the tool itself, so it is not mistaken for the command's own status.
die() {
  printf 'v2vm: %s\n' "$*" >&2
  exit 125
}

# Where the kernel and initramfs are kept between runs (IZA_V2VM_CACHE overrides it).
v2vm_cache_dir() {
  printf '%s\n' "${IZA_V2VM_CACHE:-/var/cache/iza-v2vm}"
}
