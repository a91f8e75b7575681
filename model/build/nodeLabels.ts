/**
 * Checking an existing cluster's declared `localities` against its live nodes, before anything is installed
 * there: the command that lists each node's locality labels, and the comparison. Pure: strings in and out.
 */
import { LOCALITY_LABELS } from "./kindConfig";
import { shellWord } from "./kindScript";

const jsonpathKey = (label: string) => label.replace(/\./g, "\\.");
const NODE_LABELS_JSONPATH =
  `{range .items[*]}{.metadata.name}{"\\t"}` +
  [LOCALITY_LABELS.region, LOCALITY_LABELS.zone, LOCALITY_LABELS.subzone].map((l) => `{.metadata.labels.${jsonpathKey(l)}}`).join(`{"\\t"}`) +
  `{"\\n"}{end}`;

/**
 * Prints `<node>\t<region>\t<zone>\t<subzone>` per node of the cluster, with the stack's kubeconfig and context
 * (kubectl is needed on `up` only for an existing cluster that declares localities). Failures say which cluster.
 */
export function nodeLabelsCommand(cluster: string, kubeconfig: string, context: string): string {
  const kubectl = `kubectl --kubeconfig ${shellWord(kubeconfig)} --context ${shellWord(context)} get nodes -o jsonpath=${shellWord(NODE_LABELS_JSONPATH)}`;
  return [
    "if ! command -v kubectl >/dev/null 2>&1; then",
    `  echo "kindmesh: cluster ${cluster} declares localities, and checking them against its nodes needs kubectl on PATH." >&2`,
    "  exit 1",
    "fi",
    `if ! out=$(${kubectl} 2>&1); then`,
    `  echo "kindmesh: cannot list the nodes of cluster ${cluster} (context ${context} in ${kubeconfig}) to check its localities: $out" >&2`,
    "  exit 1",
    "fi",
    `printf '%s\\n' "$out"`,
  ].join("\n");
}

/** A node as listed: its name and its locality as Istio reads it (`region/zone[/subzone]`, or what is missing). */
export interface NodeLocalityRead {
  name: string;
  /** `region/zone[/subzone]`; undefined when the node lacks the region or zone label. */
  locality?: string;
}

export function parseNodeLabels(stdout: string): NodeLocalityRead[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [name, region = "", zone = "", subzone = ""] = line.split("\t").map((x) => x.trim());
      return { name, ...(region && zone ? { locality: [region, zone, subzone].filter((p) => p !== "").join("/") } : {}) };
    });
}

/**
 * The declared localities no node has, as one message (undefined when every one is there). A locality matches a
 * node's exactly, as the demo Deployments' node affinity does: `r/z` is not a node in `r/z/rack1`.
 */
export function localityProblem(cluster: { name: string; index: number; localities: string[] }, nodes: NodeLocalityRead[]): string | undefined {
  const have = new Set(nodes.map((n) => n.locality).filter((l): l is string => l !== undefined));
  const missing = cluster.localities.filter((l) => !have.has(l));
  if (missing.length === 0) return undefined;
  const listed = nodes.map((n) => `${n.name} ${n.locality ?? "(no region/zone labels)"}`).join(", ") || "(no nodes)";
  return (
    `cluster "${cluster.name}" (topology.clusters[${cluster.index}].localities): no node is in ${missing.join(", ")}; the nodes have: ${listed}. ` +
    `List the localities the nodes have, or label nodes with ${LOCALITY_LABELS.region}, ${LOCALITY_LABELS.zone} (and ${LOCALITY_LABELS.subzone}).`
  );
}
