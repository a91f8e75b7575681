#!/usr/bin/env bash
# npm run up|preview|destroy -- <stack> [pulumi flags...]
# Checks what a kind-based lab needs before Pulumi starts, then runs Pulumi on the local file backend
# (Pulumi.yaml's backend.url: no `pulumi login`), creating the stack with an empty passphrase if absent.
set -euo pipefail

action="${1:-}"
stack="${2:-}"
case "$action" in
  up|preview|destroy) ;;
  *) echo "usage: npm run up|preview|destroy -- <stack> [pulumi flags]" >&2; exit 2 ;;
esac
if [ -z "$stack" ] || [[ "$stack" == -* ]]; then
  echo "usage: npm run $action -- <stack> [pulumi flags]   (stacks: $(ls Pulumi.*.yaml 2>/dev/null | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' '))" >&2
  exit 2
fi
shift 2
if [ ! -f "Pulumi.$stack.yaml" ]; then
  echo "error: no stack file Pulumi.$stack.yaml; the stacks are: $(ls Pulumi.*.yaml | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' ')" >&2
  exit 2
fi

KIND_WANT="v0.33"
missing=()
warnings=()

need() { # need <command> <how to get it>
  if ! command -v "$1" >/dev/null 2>&1; then missing+=("$1 is not installed: $2"); return 1; fi
}

need node "install Node.js 20 or newer (https://nodejs.org)" &&
  { major=$(node -p 'process.versions.node.split(".")[0]'); [ "$major" -ge 20 ] || missing+=("Node.js $major is too old: kindmesh needs 20 or newer"); }
need pulumi "install the Pulumi CLI (https://www.pulumi.com/docs/install/)" || true
if [ "$action" != "preview" ]; then
  need docker "install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/)" &&
    { docker info >/dev/null 2>&1 || missing+=("docker is installed but the Docker engine is not reachable: start Docker (or check that your user may use it)"); }
  need kind "install kind $KIND_WANT.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" &&
    { v=$(kind version 2>/dev/null | awk '{print $2}'); [[ "$v" == "$KIND_WANT"* ]] || warnings+=("kind is $v; kindmesh pins node images for kind $KIND_WANT.x"); }
  need kubectl "install kubectl (https://kubernetes.io/docs/tasks/tools/)" || true
fi
if [ "$action" = "up" ] && [ -r /proc/sys/fs/inotify/max_user_watches ]; then
  watches=$(cat /proc/sys/fs/inotify/max_user_watches)
  instances=$(cat /proc/sys/fs/inotify/max_user_instances)
  if [ "$watches" -lt 524288 ] || [ "$instances" -lt 512 ]; then
    warnings+=("inotify limits are low (max_user_watches=$watches, max_user_instances=$instances): pods in several kind clusters fail with 'too many open files'. Raise them: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512")
  fi
fi

for w in "${warnings[@]+"${warnings[@]}"}"; do echo "warning: $w" >&2; done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "kindmesh cannot $action yet:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi

# An empty passphrase is a valid one: the lab's secrets stay encrypted in the local state, no prompt.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
mkdir -p .pulumi-state
pulumi stack select --create "$stack" --secrets-provider passphrase >/dev/null
exec pulumi "$action" --stack "$stack" "$@"
