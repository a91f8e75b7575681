/**
 * The kind cluster configuration (kind.x-k8s.io/v1alpha4) of one planned cluster, and the facts about it whose
 * change needs a new cluster. Pure: no Pulumi, no I/O.
 */
import { stringify } from "yaml";
import type { ClusterSpec, DockerNetworkSpec, NodeRole, NodeSpec } from "../types";

/** The node labels Istio reads a pod's locality from (istio-on-kind.md §8). */
export const LOCALITY_LABELS = {
  region: "topology.kubernetes.io/region",
  zone: "topology.kubernetes.io/zone",
  subzone: "topology.istio.io/subzone",
} as const;

/** The API server's port inside the Docker network (kind's `common.APIServerInternalPort`). */
export const API_SERVER_INTERNAL_PORT = 6443;

export interface KindNode {
  role: NodeRole;
  image: string;
  labels: Record<string, string>;
}

export interface KindConfig {
  kind: "Cluster";
  apiVersion: "kind.x-k8s.io/v1alpha4";
  /** TOML merged into every node's /etc/containerd/config.toml (the image cache's registry directory). */
  containerdConfigPatches?: string[];
  networking: { apiServerAddress: string; apiServerPort: number; podSubnet: string; serviceSubnet: string };
  nodes: KindNode[];
}

/** A planned kind cluster: the fields kind needs, present. */
type KindClusterSpec = ClusterSpec & { podSubnet: string; serviceSubnet: string; apiServerPort: number };

function requireKind(cluster: ClusterSpec): KindClusterSpec {
  const missing = (["podSubnet", "serviceSubnet", "apiServerPort"] as const).filter((k) => cluster[k] === undefined);
  if (cluster.kind !== "kind" || missing.length > 0 || cluster.nodes.length === 0) {
    // planAddresses fills these for every kind cluster; reaching here is a bug in the caller, not in the config.
    throw new Error(
      `cluster "${cluster.name}" is not a planned kind cluster (kind: ${cluster.kind}, nodes: ${cluster.nodes.length}, missing: ${missing.join(", ") || "none"})`,
    );
  }
  return cluster as KindClusterSpec;
}

/**
 * The locality labels of a node: region and zone always, subzone only when it has one (an empty label value
 * would give Istio the locality `region/zone/` — a different string from `region/zone`).
 */
export function localityLabels(node: Pick<NodeSpec, "region" | "zone" | "subzone">): Record<string, string> {
  return {
    [LOCALITY_LABELS.region]: node.region,
    [LOCALITY_LABELS.zone]: node.zone,
    ...(node.subzone !== "" ? { [LOCALITY_LABELS.subzone]: node.subzone } : {}),
  };
}

/**
 * The kind configuration: fixed subnets and API server port from the plan, every node with the pinned image
 * and its locality labels, so each node has its locality from birth (istiod reads a pod's locality once, at
 * pod start: istio#51144). Only locality labels: any `node-role.kubernetes.io/*` label makes the kubelet
 * refuse to start (kind#3536, kind#3657).
 */
export function kindConfig(cluster: ClusterSpec, nodeImage: string, containerdConfigPatches: string[] = []): KindConfig {
  const c = requireKind(cluster);
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    ...(containerdConfigPatches.length > 0 ? { containerdConfigPatches } : {}),
    networking: {
      // kind's default; written out because the host-side kubeconfig and the fixed port depend on it.
      apiServerAddress: "127.0.0.1",
      apiServerPort: c.apiServerPort,
      podSubnet: c.podSubnet,
      serviceSubnet: c.serviceSubnet,
    },
    nodes: c.nodes.map((n) => ({ role: n.role, image: nodeImage, labels: localityLabels(n) })),
  };
}

/** The kind configuration as the YAML `kind create cluster --config -` reads on stdin. */
export function kindConfigYaml(cluster: ClusterSpec, nodeImage: string, containerdConfigPatches: string[] = []): string {
  return stringify(kindConfig(cluster, nodeImage, containerdConfigPatches), { lineWidth: 0 });
}

/**
 * What cannot change without a new cluster, as readable `key=value` strings (a Command's `triggers` replace it
 * when they change). Node localities are deliberately absent: NodeLocality relabels nodes in place.
 */
export function kindTriggers(cluster: ClusterSpec, nodeImage: string, network: DockerNetworkSpec, imageCache = false): string[] {
  const c = requireKind(cluster);
  return [
    `nodeImage=${nodeImage}`,
    `podSubnet=${c.podSubnet}`,
    `serviceSubnet=${c.serviceSubnet}`,
    `apiServerPort=${c.apiServerPort}`,
    `nodes=${c.nodes.map((n) => n.role).join(",")}`,
    `dockerNetwork=${network.name} ${network.subnet}`,
    // containerd reads its registry directory setting when a node starts: turning the cache on or off needs
    // new nodes. Absent when off, so stacks without the cache keep the triggers they had.
    ...(imageCache ? ["imageCache=on"] : []),
  ];
}

/** The name kind and Docker know the cluster by (`<stack>-<cluster>`); Istio keeps `cluster.name`. */
export function kindNameOf(cluster: ClusterSpec): string {
  if (cluster.kind !== "kind" || cluster.kindName === undefined) throw new Error(`cluster "${cluster.name}" is not a kind cluster with a kind name`);
  return cluster.kindName;
}

/**
 * A node's Pulumi resource name: `<cluster>-<role><n>` from the stack file's cluster name, without the stack
 * prefix of its container name (the stack is already part of every URN).
 */
export function nodeResourceName(cluster: ClusterSpec, node: NodeSpec): string {
  return `${cluster.name}-${node.nodeName.slice(kindNameOf(cluster).length + 1)}`;
}

/** The first control-plane node: kind's kubeconfig and the API server live there. */
export function controlPlaneNode(cluster: ClusterSpec): string {
  const node = cluster.nodes.find((n) => n.role === "control-plane");
  if (!node) throw new Error(`cluster "${cluster.name}" has no control-plane node`);
  return node.nodeName;
}
