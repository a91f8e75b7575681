#!/usr/bin/env bash
# npm run cache:clear -- <stack>
# Removes a stack's image-cache volumes, which `pulumi destroy` keeps on purpose (so the next `up` starts warm).
# They are found by the labels kindmesh puts on them (model/build/imageCache.ts), never by name patterns.
set -euo pipefail

usage="usage: npm run cache:clear -- <stack>   removes the image-cache volumes of that stack (after npm run destroy -- <stack>)"
stack="${1:-}"
case "$stack" in
  -h|--help) echo "$usage"; exit 0 ;;
  ""|-*) echo "$usage" >&2; exit 2 ;;
esac
if ! command -v docker >/dev/null 2>&1; then
  echo "error: docker is not installed; the image caches live in Docker volumes" >&2
  exit 1
fi

filters=(--filter "label=kindmesh.role=image-cache" --filter "label=kindmesh.stack=$stack")
running="$(docker ps -aq "${filters[@]}")"
if [ -n "$running" ]; then
  echo "error: the image caches of stack $stack still exist (their containers use the volumes). Run npm run destroy -- $stack first, or set topology.imageCache: false and npm run up -- $stack; then clear." >&2
  exit 1
fi
volumes="$(docker volume ls -q "${filters[@]}")"
if [ -z "$volumes" ]; then
  echo "stack $stack has no image-cache volumes: nothing to clear"
  exit 0
fi
# shellcheck disable=SC2086 # one volume name per word
docker volume rm $volumes >/dev/null
echo "removed the image-cache volumes of stack $stack: $(echo $volumes)"
