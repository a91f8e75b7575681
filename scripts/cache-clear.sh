#!/usr/bin/env bash
# npm run cache:clear -- <stack>
# Removes a stack's image-cache volumes, which `pulumi destroy` keeps on purpose (so the next `up` starts warm).
# They are found by the labels kindmesh puts on them (model/build/imageCache.ts), never by name patterns.
set -euo pipefail

usage="usage: npm run cache:clear -- <stack> [-s|--stack <stack>]"
help="$usage

Remove the image-cache volumes of a stack, which npm run destroy keeps so that the next up starts warm.
Run it after npm run destroy -- <stack>; it refuses while the stack's cache containers exist.

options:
  -s, --stack <stack>  the stack (or give it as the first argument)
  -h, --help           print this help

exit codes:
    0  the volumes are removed, or there were none (or --help)
    1  docker is missing, or the stack's image caches still exist
    2  bad command line

examples:
  npm run cache:clear -- dev
  npm run cache:clear -- -s mine"

# Same command line as the other commands: the stack as the first argument or -s/--stack; anything else is refused
# before Docker is asked, so a typo never clears (or reports on) the wrong stack.
bad() { echo "error: $1" >&2; echo "$usage" >&2; echo "(npm run cache:clear -- --help for more)" >&2; exit 2; }
stack=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) echo "$help"; exit 0 ;;
    -s|--stack) [ $# -ge 2 ] && [ -n "$2" ] || bad "$1 needs a stack name"; arg="$2"; shift ;;
    --stack=*) arg="${1#--stack=}" ;;
    -*) bad "unknown option $1" ;;
    *) arg="$1" ;;
  esac
  [ -z "$stack" ] || bad "one stack at a time (got $stack and $arg)"
  stack="$arg"
  shift
done
[ -n "$stack" ] || bad "which stack? give its name"
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
