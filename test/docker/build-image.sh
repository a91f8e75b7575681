#!/usr/bin/env bash
# Builds the one image the Docker tests run, without pulling anything: a root filesystem holding only a static
# busybox (Debian's busybox-static), imported with `docker import`. Idempotent: an existing image is kept.
# usage: build-image.sh [image]   (default kindmesh-test-busybox:local)
set -euo pipefail
image="${1:-kindmesh-test-busybox:local}"
docker image inspect "$image" >/dev/null 2>&1 && exit 0

bb="$(command -v busybox || true)"
if [ -z "$bb" ]; then echo "no busybox on PATH: install busybox-static (apt-get install busybox-static)" >&2; exit 1; fi
# A dynamic busybox would not start in a root filesystem without its libraries.
if [[ "$(ldd "$bb" 2>&1 || true)" != *"not a dynamic executable"* ]]; then
  echo "$bb is dynamically linked: install busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp "$bb" "$root/bin/busybox"
for applet in sh ip sleep cat ping; do ln -s busybox "$root/bin/$applet"; done
tar -C "$root" -c . | docker import --change 'CMD ["/bin/sleep","86400"]' - "$image" >/dev/null
