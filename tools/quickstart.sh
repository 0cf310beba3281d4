#!/usr/bin/env bash
# The README's first command ends here: iza is built; show the host report, then run a container.
# Docker Hub first, as the original README did; where it cannot be reached (machines without
# internet), the no-image mode, which needs no registry: it says which one it ran.
set -uo pipefail
cd "$(dirname "$0")/.."

./iza info || exit $?
echo

if timeout 60 ./iza pull alpine:latest; then
  echo
  echo '$ ./iza run --rm alpine:latest /bin/sh -c "ls / && hostname"'
  exec ./iza run --rm alpine:latest /bin/sh -c "ls / && hostname"
fi

echo
echo "Docker Hub cannot be reached from here, so this runs a container in the no-image mode:"
echo "a minimal root built from this host's own binaries, with the same isolation."
echo '$ ./iza run /bin/sh -c "ls / && hostname && ps"'
exec ./iza run /bin/sh -c "ls / && hostname && ps"
