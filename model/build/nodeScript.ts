/**
 * Shell scripts that act on the nodes of a kind cluster through `docker exec`: relabel-and-restart after a
 * locality change, reading the live nodes for pod routes, the routes themselves, and waiting for MetalLB's
 * webhook. Pure: strings in, strings out.
 *
 * kubectl runs inside the cluster's control-plane container with the admin kubeconfig kind itself uses there
 * (kind kubeadminit/init.go, waitforready.go): no kubeconfig leaves the cluster, and the host needs no kubectl.
 */
import { LOCALITY_LABELS, localityLabels } from "./kindConfig";
import { shellWord } from "./kindScript";
import type { NodeSpec } from "../types";

/** `kubectl` as cluster admin inside a kind control-plane container; `-i` when it reads stdin. */
export function nodeKubectl(controlPlane: string, args: string, opts: { stdin?: boolean } = {}): string {
  return `docker exec ${opts.stdin ? "-i " : ""}${shellWord(controlPlane)} kubectl --kubeconfig=/etc/kubernetes/admin.conf ${args}`;
}

/** The kubelet flags file kubeadm writes (`KUBELET_KUBEADM_ARGS`, with kind's `--node-labels`). */
export const KUBELET_FLAGS_FILE = "/var/lib/kubelet/kubeadm-flags.env";

/**
 * `update` of a node's locality, run after its labels were patched:
 * 1. rewrite the kubelet's `--node-labels`: on every start the kubelet resets `topology.kubernetes.io/region`
 *    and `/zone` on its Node to its flag values (kubernetes pkg/kubelet/kubelet_node_status.go,
 *    updateDefaultLabels), so without this a node container restart would bring the old locality back;
 * 2. without a subzone, remove the subzone label (the kubelet also owns it from birth, so leaving it out of
 *    the server-side-apply patch would not remove it);
 * 3. delete the pods on the node that a controller recreates: Istio reads a pod's locality only when the pod
 *    starts (istio#51144). Pods without a controller would be gone for good, so they are named, not deleted.
 */
export function relocateScript(node: NodeSpec, controlPlane: string): string {
  const labels = localityLabels(node);
  const flag = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const where = shellWord(node.nodeName);
  const podsJsonpath = `{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.ownerReferences[0].kind}{"\\n"}{end}`;
  return [
    "set -eu",
    `docker exec ${where} sed -i -E ${shellWord(`s#--node-labels=[^ "]*#--node-labels=${flag}#`)} ${KUBELET_FLAGS_FILE}`,
    ...(node.subzone === "" ? [nodeKubectl(controlPlane, `label node ${where} ${LOCALITY_LABELS.subzone}-`) + " >&2"] : []),
    `pods=$(${nodeKubectl(controlPlane, `get pods --all-namespaces --field-selector spec.nodeName=${where},metadata.namespace!=kube-system -o jsonpath=${shellWord(podsJsonpath)}`)})`,
    `printf '%s\\n' "$pods" | while read -r ns pod owner; do`,
    `  [ -n "$pod" ] || continue`,
    `  if [ -z "$owner" ]; then`,
    `    echo "kindmesh: pod $ns/$pod on ${node.nodeName} has no controller to recreate it; delete and recreate it yourself so that Istio sees its new locality ${node.locality}" >&2`,
    "    continue",
    "  fi",
    `  ${nodeKubectl(controlPlane, `delete pod --namespace "$ns" "$pod" --wait=false --ignore-not-found`)} </dev/null >&2`,
    "done",
    `echo "kindmesh: ${node.nodeName} is now in ${node.locality}; its pods were restarted so that Istio sees it (istio#51144)" >&2`,
  ].join("\n");
}

/** One live node of a cluster, as kubectl reports it. */
export interface LiveNode {
  name: string;
  podCIDR: string;
  internalIP: string;
}

const NODES_JSONPATH = `{range .items[*]}{.metadata.name}{" "}{.spec.podCIDR}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}`;

/**
 * Prints `<node> <podCIDR> <InternalIP>` per node, once all `expected` nodes have both (the node IPAM
 * controller assigns pod CIDRs shortly after a node registers); gives up after 60 s with what it saw.
 */
export function readNodesScript(cluster: string, controlPlane: string, expected: number): string {
  const complete = "^[^ ][^ ]* [^ ][^ ]* [^ ][^ ]*$";
  return [
    "n=0",
    "while :; do",
    `  nodes=$(${nodeKubectl(controlPlane, `get nodes -o jsonpath=${shellWord(NODES_JSONPATH)}`)}) || nodes=""`,
    `  if [ "$(printf '%s\\n' "$nodes" | grep -c '${complete}')" -eq ${expected} ]; then printf '%s\\n' "$nodes"; exit 0; fi`,
    "  n=$((n+1))",
    `  if [ "$n" -ge 30 ]; then echo "kindmesh: after 60 s the ${expected} nodes of ${cluster} do not all have a pod CIDR and an InternalIP; kubectl printed:" >&2; printf '%s\\n' "$nodes" >&2; exit 1; fi`,
    "  sleep 2",
    "done",
  ].join("\n");
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV4_CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** Parses what `readNodesScript` printed; throws with the offending line when it is not what it prints. */
export function parseNodes(stdout: string, cluster: string): LiveNode[] {
  const nodes = stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [name, podCIDR, internalIP, ...rest] = line.split(/\s+/);
      if (rest.length > 0 || !IPV4_CIDR.test(podCIDR ?? "") || !IPV4.test(internalIP ?? "")) {
        throw new Error(`kindmesh: cannot read a node of ${cluster} from ${JSON.stringify(line)} (expected "<node> <IPv4 pod CIDR> <IPv4 InternalIP>")`);
      }
      return { name, podCIDR, internalIP };
    });
  if (nodes.length === 0) throw new Error(`kindmesh: kubectl listed no nodes for ${cluster}`);
  return nodes.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * On every node of one cluster, a route to every pod CIDR of the other cluster through the node that owns it
 * (kind PR#1337's recipe; kindnet routes only inside its own cluster). `replace` makes it idempotent, and
 * corrects a route whose gateway changed after a container restart.
 */
export function routeCommands(fromNodes: string[], to: LiveNode[]): string[] {
  return fromNodes.flatMap((from) => to.map((t) => `docker exec ${shellWord(from)} ip route replace ${t.podCIDR} via ${t.internalIP}`));
}

export function routesScript(fromNodes: string[], to: LiveNode[]): string {
  return ["set -eu", ...routeCommands(fromNodes, to)].join("\n");
}

/**
 * Removes those routes when the pair goes away (e.g. the clusters now sit on different Istio networks, where
 * pods must not reach each other directly); a node or route already gone is not an error.
 */
export function routesDeleteScript(fromNodes: string[], to: LiveNode[]): string {
  return fromNodes
    .flatMap((from) => to.map((t) => `docker exec ${shellWord(from)} ip route del ${t.podCIDR} via ${t.internalIP} 2>/dev/null || true`))
    .join("\n");
}

/**
 * Waits until MetalLB's validating webhook accepts the pool (a server-side dry run goes through it): the
 * controller reports ready before its webhook serves (its /readyz is a plain ping: metallb internal/k8s/k8s.go),
 * and a pool applied too early fails with `failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io"`
 * (metallb#1540, #1597).
 */
export function webhookWaitScript(cluster: string, controlPlane: string, manifest: object): string {
  return [
    "n=0",
    `while ! out=$(printf '%s\\n' ${shellWord(JSON.stringify(manifest))} | ${nodeKubectl(controlPlane, "apply --dry-run=server -f -", { stdin: true })} 2>&1); do`,
    "  n=$((n+1))",
    `  if [ "$n" -ge 60 ]; then echo "kindmesh: after 120 s MetalLB's webhook in ${cluster} still rejects the address pool: $out" >&2; exit 1; fi`,
    "  sleep 2",
    "done",
    `echo "kindmesh: MetalLB's webhook in ${cluster} accepts the pool" >&2`,
  ].join("\n");
}
