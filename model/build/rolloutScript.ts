/**
 * The data-plane step of a canary upgrade (istio.io "Canary upgrades", data plane: relabel, then restart): a
 * shell script run by a Command once the new revision's istiod serves a cluster and its namespaces carry the
 * new `istio.io/rev`. It restarts the Deployments whose pods still run another revision's proxy, then waits
 * until every proxy runs and reports the new version. Idempotent: on a fresh install nothing is restarted and
 * the waits pass at once. Pure: strings in, a script out.
 */
import { shellWord } from "./kindScript";
import { istiodReleaseName } from "./revision";

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

/**
 * kubectl's jsonpath for one line per pod: `<ns>/<name>`, its revision label, its revision annotation, the
 * istio-proxy image (a container, or an init container when it is a native sidecar) and its `app` label, tab-separated.
 * Injected sidecars carry the revision only as an ANNOTATION (istio release-1.31 injection-template.yaml;
 * the label was removed in istio#33447, the annotation added in #44161); gateway pods carry it as a label (gateway
 * chart `gateway.sidecarInjectionLabels`). On Kubernetes >= 1.33 (`ENABLE_NATIVE_SIDECARS=auto`,
 * pkg/kube/inject/webhook.go DetectNativeSidecar) istio-proxy is an init container.
 */
export const PODS_JSONPATH =
  '{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.metadata.labels.istio\\.io/rev}{"\\t"}{.metadata.annotations.istio\\.io/rev}' +
  '{"\\t"}{.spec.containers[?(@.name=="istio-proxy")].image}{.spec.initContainers[?(@.name=="istio-proxy")].image}{"\\t"}{.metadata.labels.app}{"\\n"}{end}';

/** The script of the rollout Command of one cluster. */
export function rolloutScript(input: RolloutInput): string {
  const { cluster, version, revision } = input;
  const timeout = input.timeoutSeconds ?? 600;
  const rev = shellWord(revision);
  // An image tag is the version, optionally with a variant (-distroless) and a digest.
  const imageOk = shellWord(`:${version.replace(/\./g, "\\.")}(-[a-z]+)?(@sha256:[0-9a-f]+)?$`);
  const istiod = `deployment/${istiodReleaseName(revision)}`;
  const syncz = (target: string) => `k exec -n istio-system ${target} -c discovery -- pilot-discovery request GET /debug/syncz`;
  const lines = [
    "set -eu",
    ...kubectlFunction(input.access),
    // `<ns>/<name> <revision> <image>` per injected pod, istiod's own pods left out; fails when kubectl does.
    "proxies() {",
    `  p=$(k get pods "$@" -o jsonpath=${shellWord(PODS_JSONPATH)}) || return 1`,
    `  printf '%s\\n' "$p" | awk -F '\\t' '$5 != "istiod" { r = ($2 != "" ? $2 : $3); if (r != "") print $1, r, $4 }'`,
    "}",
    `for ns in ${input.namespaces.map(shellWord).join(" ")}; do`,
    `  p=$(proxies -n "$ns") || { echo "kindmesh: ${cluster}: cannot list the pods of $ns" >&2; exit 1; }`,
    `  if printf '%s\\n' "$p" | awk -v rev=${rev} 'NF >= 2 && $2 != rev { found = 1 } END { exit !found }'; then`,
    `    echo "kindmesh: ${cluster}: restarting the Deployments of $ns onto Istio revision ${revision}" >&2`,
    '    k rollout restart deployment -n "$ns" >&2',
    "  fi",
    "done",
    // Prints what is not there yet, one line each; a failed read counts as not there (never as done).
    "left() {",
    '  p=$(proxies --all-namespaces) || { echo "cannot list the pods"; return 0; }',
    `  printf '%s\\n' "$p" | awk -v rev=${rev} 'NF >= 2 && $2 != rev { print $1 " runs revision " $2 }'`,
    `  printf '%s\\n' "$p" | awk -v rev=${rev} 'NF >= 2 && $2 == rev { print $1, $3 }' | grep -Ev ${imageOk} || true`,
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
