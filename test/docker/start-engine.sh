#!/usr/bin/env bash
# Makes a Docker engine answer for the tests in test/docker/ (used by .ci/run): installs Debian's docker.io and
# busybox-static when missing, starts dockerd in the background when no engine answers, and builds the local
# test image. An engine that already answers is used as it is. On failure the last line on stderr says why;
# the Docker tests are then skipped with that reason (KINDMESH_DOCKER_UNAVAILABLE), never passed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log="${TMPDIR:-/tmp}/kindmesh-dockerd.log"

fail() { echo "$*" >&2; exit 1; }
answers() { timeout 10 docker info >/dev/null 2>&1; }

need_packages=()
command -v docker >/dev/null 2>&1 || need_packages+=(docker.io)
if ! answers && ! command -v dockerd >/dev/null 2>&1; then need_packages+=(docker.io); fi
bb="$(command -v busybox || true)"
if [ -z "$bb" ] || [[ "$(ldd "$bb" 2>&1 || true)" != *"not a dynamic executable"* ]]; then need_packages+=(busybox-static); fi
if [ "${#need_packages[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "cannot install ${need_packages[*]}: not root"
  command -v apt-get >/dev/null 2>&1 || fail "cannot install ${need_packages[*]}: no apt-get"
  echo "installing ${need_packages[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >&2 || fail "apt-get update failed"
  # shellcheck disable=SC2046 # one word per package
  timeout 300 apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_packages[@]}" | sort -u) >&2 ||
    fail "apt-get install ${need_packages[*]} failed"
fi

if ! answers; then
  [ "$(id -u)" = 0 ] || fail "no Docker engine answers and dockerd needs root"
  # Sandboxes and CI containers differ: the defaults first; then without overlayfs (not allowed inside some
  # containers); then also without iptables (no netfilter). The tests need only bridge networks and exec.
  for flags in "" "--storage-driver=vfs" "--storage-driver=vfs --iptables=false --ip6tables=false"; do
    echo "starting dockerd ${flags:-(defaults)}; log: $log" >&2
    # shellcheck disable=SC2086 # flags are words
    nohup dockerd $flags >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 30); do
      answers && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    answers && break
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    tail -3 "$log" >&2
  done
  answers || fail "dockerd did not start (tried defaults, vfs, vfs without iptables); see $log"
  echo "dockerd is running (pid $pid)" >&2
fi

bash "$here/build-image.sh" || fail "could not build the test image (see above)"
