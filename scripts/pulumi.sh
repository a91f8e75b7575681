#!/usr/bin/env bash
# npm run up|preview|destroy|refresh -- <stack> [options] [-- other pulumi flags]   (--help for each)
# Checks what a kind-based lab needs before Pulumi starts, then runs Pulumi on the local file backend
# (Pulumi.yaml's backend.url: no `pulumi login`); `up` creates the stack with an empty passphrase if absent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

action="${1:-}"
case "$action" in
  up|preview|destroy|refresh) shift ;;
  *) echo "usage: npm run up|preview|destroy|refresh -- <stack> [options]   (npm run up -- --help)" >&2; exit 2 ;;
esac

stack_names() { ls Pulumi.*.yaml 2>/dev/null | sed 's/^Pulumi\.\(.*\)\.yaml$/\1/' | paste -sd, - | sed 's/,/, /g'; }

# The Pulumi flags the wrapper knows for each action (anything else goes after `--`): "name" takes no value,
# "name=" takes one.
case "$action" in
  up) known="--yes -y --skip-preview -f --diff --refresh -r --target= -t= --replace= --target-dependents --parallel= -p= --message= -m= --json -j --expect-no-changes --suppress-outputs --show-sames --show-replacement-steps --debug -d --color= --non-interactive" ;;
  preview) known="--diff --refresh -r --target= -t= --replace= --target-dependents --parallel= -p= --json -j --expect-no-changes --suppress-outputs --show-sames --show-replacement-steps --debug -d --color= --non-interactive" ;;
  destroy) known="--yes -y --skip-preview -f --refresh -r --target= -t= --target-dependents --parallel= -p= --message= -m= --debug -d --color= --non-interactive" ;;
  refresh) known="--yes -y --skip-preview -f --diff --target= -t= --parallel= -p= --message= -m= --json -j --expect-no-changes --debug -d --color= --non-interactive" ;;
esac

usage_line="usage: npm run $action -- <stack> [-s|--stack <stack>] [pulumi flags] [-- other pulumi flags]"

help() {
  local what needs extra
  case "$action" in
    up) what="Build or update the lab of a stack (creates the stack in ./.pulumi-state on first use, empty passphrase)."
        needs="Node.js 20+, the Pulumi CLI, a running Docker engine with cgroup v2, kind v0.33 (kubectl only for an existing cluster)."
        extra="  npm run up -- dev --yes            build the dev lab without the confirmation prompt
  npm run up -- -s flat --target-dependents --target <urn>" ;;
    preview) what="Show what \`up\` would change, with the diff (--diff is always on). Only for a stack that exists."
        needs="Node.js 20+, the Pulumi CLI, a running Docker engine (the program reads the live nodes), not kind or kubectl."
        extra="  npm run preview -- dev              the diff of an edited Pulumi.dev.yaml against the running lab
  npm run preview -- dev --expect-no-changes" ;;
    destroy) what="Remove the lab of a stack: its kind clusters, then its Docker network."
        needs="Node.js 20+, the Pulumi CLI, a running Docker engine, kind (not kubectl)."
        extra="  npm run destroy -- dev --yes" ;;
    refresh) what="pulumi refresh, but only when the Docker engine answers and no kind cluster of the stack is down: a
refresh while a cluster is down would drop everything in it from the state (the Kubernetes provider's
deleteUnreachable). A cluster that is gone for good (containers deleted) is dropped, and said so."
        needs="Node.js 20+, the Pulumi CLI, a running Docker engine (not kind or kubectl)."
        extra="  npm run refresh -- dev --yes" ;;
  esac
  cat <<EOF
$usage_line

$what
Needs $needs

options:
  -s, --stack <stack>  the stack (or give it as the first argument); these exist: $(stack_names)
  -h, --help           print this help
      pulumi flags passed on to pulumi $action:
$(echo "$known" | sed 's/=/~<value>/g' | fold -s -w 96 | sed -e 's/~/ /g' -e 's/ *$//' -e 's/^/        /')
      -- ...           after a lone --, any other flag goes to pulumi $action unchecked

exit codes:
    0  done (or --help)
    1  a prerequisite is missing or a check failed: Pulumi did not run
    2  bad command line, or no such stack file
  any other: Pulumi's own exit code

examples:
$extra
EOF
}

bad_usage() { echo "error: $1" >&2; echo "$usage_line" >&2; echo "(npm run $action -- --help for the options)" >&2; exit 2; }

stack=""
set_stack() {
  if [ -n "$stack" ] && [ "$stack" != "$1" ]; then bad_usage "two stacks given: $stack and $1"; fi
  stack="$1"
}
pass=()
while [ $# -gt 0 ]; do
  arg="$1"
  case "$arg" in
    -h|--help) help; exit 0 ;;
    --) shift; pass+=("$@"); break ;;
    -s|--stack) [ $# -ge 2 ] && [[ "$2" != -* ]] || bad_usage "$arg needs a stack name"; set_stack "$2"; shift 2; continue ;;
    --stack=*) set_stack "${arg#--stack=}"; shift; continue ;;
    -*)
      name="${arg%%=*}"
      if [[ " $known " == *" $name "* ]]; then pass+=("$arg")
      elif [[ " $known " == *" $name= "* ]]; then
        if [[ "$arg" == *=* ]]; then pass+=("$arg")
        else [ $# -ge 2 ] || bad_usage "$arg needs a value"; pass+=("$arg" "$2"); shift; fi
      else bad_usage "unknown option $arg (a Pulumi flag the wrapper does not know goes after a lone --: npm run $action -- <stack> -- $arg)"
      fi ;;
    *) set_stack "$arg" ;;
  esac
  shift
done
[ -n "$stack" ] || bad_usage "which stack? these exist: $(stack_names)"
if [ ! -f "Pulumi.$stack.yaml" ]; then
  echo "error: no such stack file Pulumi.$stack.yaml; these exist: $(stack_names)" >&2
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

docker_up=""
# Every action needs the engine: the program reads the live nodes (pod routes) even in a preview.
if need docker "install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/)"; then
  # The docker provider reads DOCKER_HOST, not the CLI's current context (Docker Desktop, colima, a remote
  # engine): export the context's endpoint so the provider, kind and the scripts all talk to one engine.
  if [ -z "${DOCKER_HOST:-}" ] && ctx=$(docker context inspect --format '{{.Name}} {{.Endpoints.docker.Host}}' 2>/dev/null); then
    ctx_name="${ctx%% *}"; ctx_host="${ctx#* }"
    if [ -n "$ctx_host" ] && [ "$ctx_host" != "$ctx" ]; then
      export DOCKER_HOST="$ctx_host"
      [ "$ctx_name" = "default" ] || echo "kindmesh: using Docker context $ctx_name (DOCKER_HOST=$ctx_host)" >&2
    fi
  fi
  if docker info >/dev/null 2>&1; then docker_up=1
  else missing+=("docker is installed but the Docker engine is not reachable: start Docker (or check that your user may use it)"); fi
fi
if [ "$action" = "up" ] || [ "$action" = "destroy" ]; then
  need kind "install kind $KIND_WANT.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" &&
    { v=$(kind version 2>/dev/null | awk '{print $2}'); [[ "$v" == "$KIND_WANT"* ]] || warnings+=("kind is $v; kindmesh pins node images for kind $KIND_WANT.x"); }
fi
if [ "$action" = "up" ] && [ -n "$docker_up" ]; then
  # Kubernetes 1.35's kubelet refuses cgroup v1 (failCgroupV1 defaults to true: KEP-5573, kubernetes#134298).
  cgroup=$(docker info --format '{{.CgroupVersion}}' 2>/dev/null || true)
  if [ "$cgroup" = "1" ]; then
    missing+=("the Docker engine runs containers on cgroup v1, and the kubelet of Kubernetes 1.35 (kind's node image) refuses to start on cgroup v1. Use a host (or Docker Desktop / WSL 2 VM) that boots with cgroup v2: e.g. add systemd.unified_cgroup_hierarchy=1 to the kernel command line and reboot")
  fi
fi
if [ "$action" = "up" ] && [ -r /proc/sys/fs/inotify/max_user_watches ]; then
  watches=$(cat /proc/sys/fs/inotify/max_user_watches)
  instances=$(cat /proc/sys/fs/inotify/max_user_instances)
  if [ "$watches" -lt 524288 ] || [ "$instances" -lt 512 ]; then
    warnings+=("inotify limits are low (max_user_watches=$watches, max_user_instances=$instances): pods in several kind clusters fail with 'too many open files'. Raise them: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512")
  fi
fi

preflight() { # preflight up|refresh: one problem per line from scripts/preflight.ts (its notes go to stderr)
  local out state errs
  # The stack's state (if any) says which networks are already its own: a renamed network is replaced, not a clash.
  state="$(mktemp)"
  if [ "$1" = up ] && command -v pulumi >/dev/null 2>&1 && [ -d .pulumi-state ]; then
    PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}" pulumi stack export --stack "$stack" >"$state" 2>/dev/null || : >"$state"
  fi
  errs="$(mktemp)"
  if out=$("$here/../node_modules/.bin/tsx" "$here/preflight.ts" "$1" "$stack" "$PWD" "$state" 2>"$errs"); then
    while IFS= read -r line; do if [ -n "$line" ]; then missing+=("$line"); fi; done <<<"$out"
    cat "$errs" >&2
  else
    warnings+=("could not run the $1 preflight of scripts/preflight.ts: $(cat "$errs")")
  fi
  rm -f "$state" "$errs"
}
if [ "$action" = "up" ] && [ -n "$docker_up" ] && command -v node >/dev/null 2>&1; then preflight up; fi

report() {
  for w in "${warnings[@]+"${warnings[@]}"}"; do echo "warning: $w" >&2; done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "kindmesh cannot $action yet:" >&2
    for m in "${missing[@]}"; do echo "  - $m" >&2; done
    exit 1
  fi
}
report

# An empty passphrase is a valid one: the lab's secrets stay encrypted in the local state, no prompt.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
mkdir -p .pulumi-state

if [ "$action" = "up" ]; then
  pulumi stack select --create "$stack" --secrets-provider passphrase >/dev/null
else
  # Only `up` creates a stack: previewing, destroying or refreshing one that never existed would create it.
  if ! listed=$(pulumi stack ls --json 2>&1); then
    echo "kindmesh: cannot list the stacks in .pulumi-state (pulumi stack ls failed): $listed" >&2
    exit 1
  fi
  if ! printf '%s' "$listed" | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const names = JSON.parse(s || "[]").map((x) => String(x.name));
        process.exit(names.some((n) => n === process.argv[1] || n.endsWith(`/${process.argv[1]}`)) ? 0 : 1);
      });' "$stack"; then
    case "$action" in
      preview) echo "kindmesh: the stack $stack was never created here (no state in .pulumi-state), so there is nothing to preview against. npm run check -- $stack shows the predicted split without creating anything; npm run up -- $stack previews and asks before it creates." >&2; exit 1 ;;
      destroy) echo "kindmesh: the stack $stack was never created here (no state in .pulumi-state): nothing to destroy. If its state was lost while a lab ran, remove it by hand: kind delete cluster --name $stack-<cluster> for each of its clusters (kind get clusters lists them), then docker network rm kindmesh-$stack (or the dockerNetwork.name its file sets); every step is in the README, under Cleaning up after lost state." >&2; exit 0 ;;
      refresh) echo "kindmesh: the stack $stack was never created here (no state in .pulumi-state): nothing to refresh." >&2; exit 1 ;;
    esac
  fi
  if [ "$action" = "refresh" ]; then
    preflight refresh
    if [ "${#missing[@]}" -gt 0 ]; then
      missing+=("pulumi refresh now would drop every object in such a cluster from the state (its Kubernetes provider deletes what it cannot reach). Bring the cluster back, then npm run refresh -- $stack again; do not run a bare pulumi refresh meanwhile.")
    fi
    report
  fi
  pulumi stack select "$stack" >/dev/null
fi
extra=()
# The diff puts the changed shares next to the changed DestinationRule; --json carries the diff itself.
if [ "$action" = "preview" ] && ! [[ " ${pass[*]+"${pass[*]}"} " =~ \ (--diff|--json|-j)\  ]]; then extra=(--diff); fi
exec pulumi "$action" --stack "$stack" "${extra[@]+"${extra[@]}"}" "${pass[@]+"${pass[@]}"}"
