#!/bin/sh
# Builds a benchmark layer in DIR: layer.tar (~1 GB: 4 x 200 MB half-compressible files and
# 20,000 small files), layer.tar.gz (gzip -6) and layer.tar.zst (zstd -3), and prints the DiffID.
set -eu
dir=$1
mkdir -p "$dir/root/small"
for i in 1 2 3 4; do
  head -c 150000000 /dev/urandom | base64 -w 0 | head -c 200000000 >"$dir/root/big$i"
done
i=0
while [ $i -lt 20000 ]; do
  printf 'small file %d\n' $i >"$dir/root/small/f$i"
  i=$((i + 1))
done
tar -C "$dir/root" -cf "$dir/layer.tar" .
gzip -6 -c "$dir/layer.tar" >"$dir/layer.tar.gz"
zstd -q -3 -c "$dir/layer.tar" >"$dir/layer.tar.zst"
echo "sha256:$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
