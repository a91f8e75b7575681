/**
 * The data-plane step of a canary upgrade (istio.io "Canary upgrades", data plane: relabel, then restart): a
 * shell script run by a Command once the new revision's istiod serves a cluster and its namespaces carry the
 * new `istio.io/rev`. It restarts the Deployments whose pods still run another revision's proxy, then waits
 * until every proxy runs and reports the new version. Idempotent: on a fresh install nothing is restarted and
 * the waits pass at once. Pure: strings in, a script out.
 */
import { shellWord } from "./kindScript";
import { REVISION_LABEL, istiodReleaseName } from "./revision";

/** How the script reaches the cluster's API server. */
export type KubectlAccess =
  /** kind: kubectl inside the control-plane container with kind's admin kubeconfig (as nodeScript.ts). */
  | { kind: "kind"; controlPlane: string }
  /** An existing cluster: its kubeconfig arrives on stdin (a secret: never on the command line). */
  | { kind: "kubeconfig" };

export interface RolloutInput {
  cluster: string;
  /** The Istio version the proxies must run, e.g. 1.31.1. */
  version: string;
  revision: string;
  /** Namespaces whose Deployments are restarted onto the revision (the workload namespaces). */
  namespaces: string[];
  access: KubectlAccess;
  /** A primary also asks istiod: the new one must report only `version`, the others no proxy at all. */
  primary: boolean;
  /** @default 600 */
  timeoutSeconds?: number;
}

/** Seconds between two looks. */
export const ROLLOUT_POLL_SECONDS = 5;

function kubectlFunction(access: KubectlAccess): string[] {
  if (access.kind === "kind") return [`k() { docker exec ${shellWord(access.controlPlane)} kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }`];
  return ['kc=$(mktemp)', `trap 'rm -f "$kc"' EXIT`, 'cat > "$kc"', 'k() { kubectl --kubeconfig="$kc" "$@"; }'];
}

/** Label selector of injected pods (sidecars and gateways carry `istio.io/rev`) on another revision; istiod excluded. */
export function staleSelector(revision: string): string {
  return `${REVISION_LABEL},${REVISION_LABEL}!=${revision},app!=istiod`;
}

/** The script of the rollout Command of one cluster. */
export function rolloutScript(input: RolloutInput): string {
  const { cluster, version, revision } = input;
  const timeout = input.timeoutSeconds ?? 600;
  const stale = shellWord(staleSelector(revision));
  const podsJsonpath = shellWord(`{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.containers[?(@.name=="istio-proxy")].image}{"\\n"}{end}`);
  // An image tag is the version, optionally with a variant (-distroless) and a digest.
  const imageOk = shellWord(`:${version.replace(/\./g, "\\.")}(-[a-z]+)?(@sha256:[0-9a-f]+)?$`);
  const istiod = `deployment/${istiodReleaseName(revision)}`;
  const syncz = (target: string) => `k exec -n istio-system ${target} -c discovery -- pilot-discovery request GET /debug/syncz`;
  const lines = [
    "set -eu",
    ...kubectlFunction(input.access),
    `for ns in ${input.namespaces.map(shellWord).join(" ")}; do`,
    `  if [ -n "$(k get pods -n "$ns" -l ${stale} -o name)" ]; then`,
    `    echo "kindmesh: ${cluster}: restarting the Deployments of $ns onto Istio revision ${revision}" >&2`,
    '    k rollout restart deployment -n "$ns" >&2',
    "  fi",
    "done",
    // Prints what is not there yet, one line each; a failed read counts as not there (never as done).
    "left() {",
    `  k get pods --all-namespaces -l ${stale} -o name || echo "cannot list the pods"`,
    `  pods=$(k get pods --all-namespaces -l ${REVISION_LABEL}=${revision} -o jsonpath=${podsJsonpath}) || { echo "cannot list the pods"; return 0; }`,
    `  printf '%s\\n' "$pods" | awk 'NF == 2' | grep -Ev ${imageOk} || true`,
    ...(input.primary
      ? [
          // What the proxies report to istiod (ISTIO_VERSION in their node metadata: pilot/pkg/xds/debug.go SyncStatus).
          `  s=$(${syncz(istiod)}) || { echo "cannot read /debug/syncz of ${istiodReleaseName(revision)}"; return 0; }`,
          `  printf '%s' "$s" | tr -d ' \\n\\t' | grep -o '"istio_version":"[^"]*"' | grep -v '"istio_version":"${version}"' || true`,
          `  for d in $(k get deployment -n istio-system -l app=istiod -o name); do`,
          `    [ "$d" = deployment.apps/${istiodReleaseName(revision)} ] && continue`,
          `    s=$(${syncz('"$d"')}) || { echo "cannot read /debug/syncz of $d"; continue; }`,
          `    printf '%s' "$s" | tr -d ' \\n\\t' | grep -o '"proxy":"[^"]*"' | sed "s|^|still connected to $d: |" || true`,
          "  done",
        ]
      : []),
    "}",
    `deadline=$(( $(date +%s) + ${timeout} ))`,
    "while :; do",
    '  out=$(left)',
    '  [ -z "$out" ] && break',
    '  if [ "$(date +%s)" -ge "$deadline" ]; then',
    `    echo "kindmesh: ${cluster}: after ${timeout} s these proxies are not on Istio ${version} (revision ${revision}); the old revision is kept. Look at them with kubectl describe, then run up again:" >&2`,
    '    printf "%s\\n" "$out" >&2',
    "    exit 1",
    "  fi",
    `  sleep ${ROLLOUT_POLL_SECONDS}`,
    "done",
    `echo "kindmesh: ${cluster}: every proxy runs Istio ${version} (revision ${revision})" >&2`,
  ];
  return lines.join("\n");
}
