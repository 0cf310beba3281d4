# Builds the initramfs once per kernel and init script (sourced by run): busybox-static, the
# guest/init script and the modules that reach the host's root over 9p, in load order.

# What init needs loaded; their dependencies are added from each module's .modinfo.
V2VM_MODULES=(virtio_pci virtio_console 9pnet_virtio 9p overlay)

# Prints the initramfs path for kernel dir $2 and init script $3, building it if needed.
initramfs_for() {
  local cache=$1 kdir=$2 init=$3
  local busybox=/bin/busybox
  [[ "$(ldd "$busybox" 2>&1 || true)" == *'not a dynamic executable'* ]] ||
    die "$busybox is missing or not static: apt-get install busybox-static"

  local key
  key=$( (cat "$init" "$busybox" && printf '%s\n' "${V2VM_MODULES[@]}") | sha256sum | cut -c1-16)
  local out="$kdir/initramfs-$key.cpio"
  if [[ ! -f "$out" ]]; then
    build_initramfs "$kdir" "$init" "$busybox" "$out"
  fi
  printf '%s\n' "$out"
}

build_initramfs() {
  local kdir=$1 init=$2 busybox=$3 out=$4
  rm -rf "$kdir"/.initramfs-*
  local root
  root=$(mktemp -d "$kdir/.initramfs-XXXXXX")

  mkdir -p "$root"/{bin,dev,proc,sys,lib/modules,newroot}
  cp "$busybox" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$init" "$root/init"
  chmod 0755 "$root/init"

  local order=() seen=" " m
  for m in "${V2VM_MODULES[@]}"; do
    module_order "$kdir/modules" "$m"
  done
  for m in "${order[@]}"; do
    cp "$kdir/modules/$m.ko" "$root/lib/modules/"
  done
  printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"

  # Uncompressed: unpacking gzip under TCG would cost more than reading the extra megabytes.
  (cd "$root" && find . | "$busybox" cpio -o -H newc >"$out.tmp" 2>/dev/null) ||
    die "cannot write the initramfs $out"
  mv "$out.tmp" "$out"
  rm -rf "$root"
}

# Appends module $2 to the caller's `order` after its dependencies (depth first, once each).
# Names in `depends=` use '_' or '-' interchangeably with the file names, as modprobe allows.
module_order() {
  local dir=$1 name=${2//-/_}
  [[ "$seen" == *" $name "* ]] && return 0
  seen+="$name "

  local file="$dir/$name.ko"
  [[ -f "$file" ]] || file="$dir/${name//_/-}.ko"
  [[ -f "$file" ]] || die "module $name is not in the kernel package"

  local deps dep
  deps=$(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | sed -n 1p)
  for dep in ${deps//,/ }; do
    module_order "$dir" "$dep"
  done
  order+=("$(basename "$file" .ko)")
}
