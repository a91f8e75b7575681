/**
 * Reading `kindmesh:topology`: clusters, their roles, networks and nodes. Shape and identity checks only;
 * addresses are planned in addressPlan.ts once every cluster is known.
 */
import {
  Problems,
  childPath,
  didYouMean,
  readArray,
  readDnsLabel,
  readObject,
  readString,
  show,
} from "./problems";
import { checkNodeNames, checkStackName, kindClusterName } from "./kindNames";
import type { ClusterSpec, NodeSpec } from "../types";
import { MAX_HOST_LABEL, UPSTREAMS, cacheName } from "../build/imageCache";

const TOPOLOGY_KEYS = ["meshId", "dockerNetwork", "clusters", "imageCache"] as const;
const NETWORK_KEYS = ["name", "subnet"] as const;
const CLUSTER_KEYS = [
  "name",
  "role",
  "primary",
  "network",
  "eastWestGateway",
  "podSubnet",
  "serviceSubnet",
  "nodes",
  "kubeconfig",
  "context",
  "localities",
  "eastWestGatewayLocality",
] as const;
const NODE_KEYS = ["role", "locality"] as const;

/** A Kubernetes label value, which each locality part becomes. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export interface TopologyInput {
  meshId: string;
  dockerNetwork: { name: string; subnet?: string; subnetPath: string };
  /** Clusters as written, without addresses; `undefined` entries were too broken to read. */
  clusters: ClusterSpec[];
  imageCache: boolean;
}

/** Parses `region/zone[/subzone]` as a node locality: at most three non-empty parts, each a label value. */
export function readLocality(
  p: Problems,
  path: string,
  value: unknown,
): { locality: string; region: string; zone: string; subzone: string } | undefined {
  const text = readString(p, path, value, { hint: 'Write it as "region/zone" or "region/zone/subzone".' });
  if (text === undefined) return undefined;
  const parts = text.split("/");
  const problems: string[] = [];
  if (parts.length > 3) {
    problems.push(`has ${parts.length} parts; Istio reads only region/zone/subzone and silently drops the rest`);
  }
  if (parts.length < 2) problems.push("needs at least a region and a zone");
  if (parts.some((part) => part === "")) problems.push("has an empty part");
  for (const part of parts.filter((x) => x !== "")) {
    if (part.length > 63 || !LABEL_VALUE.test(part)) {
      problems.push(
        `part ${show(part)} is not a valid label value (at most 63 letters, digits, "-", "_", "." starting and ending with a letter or digit)`,
      );
    }
  }
  if (problems.length > 0) {
    p.error(path, `locality ${show(text)} ${problems.join("; ")}. Write it as "region/zone" or "region/zone/subzone", e.g. "east/zone1".`);
    return undefined;
  }
  return { locality: text, region: parts[0], zone: parts[1], subzone: parts[2] ?? "" };
}

export function readLabelValue(p: Problems, path: string, value: unknown, fallback: string, what: string): string | undefined {
  const text = readString(p, path, value, { default: fallback });
  if (text !== undefined && (text.length > 63 || !LABEL_VALUE.test(text))) {
    p.error(path, `${show(text)} is not a valid ${what}: Istio puts it in a label, so use at most 63 letters, digits, "-", "_", "."`);
    return undefined;
  }
  return text;
}

function readNodes(p: Problems, path: string, value: unknown, kindName: string): NodeSpec[] {
  const list = readArray(p, path, value, "nodes") ?? [];
  const nodes: NodeSpec[] = [];
  const seen: Record<string, number> = {};
  list.forEach((raw, i) => {
    const at = childPath(path, i);
    const node = readObject(p, at, raw, NODE_KEYS, "a node");
    if (!node) return;
    const role = readString(p, childPath(at, "role"), node.role, {
      oneOf: ["control-plane", "worker"],
      hint: 'Use "control-plane" or "worker".',
    });
    const locality = readLocality(p, childPath(at, "locality"), node.locality);
    if (!role || !locality) return;
    seen[role] = (seen[role] ?? 0) + 1;
    const suffix = seen[role] === 1 ? "" : String(seen[role]);
    nodes.push({ role: role as NodeSpec["role"], ...locality, nodeName: `${kindName}-${role}${suffix}` });
  });
  if (list.length > 0 && !list.some((raw) => (raw as { role?: unknown })?.role === "control-plane")) {
    p.error(path, `a kind cluster needs a node with role "control-plane"; add one, e.g. { role: control-plane, locality: region1/zone1 }.`);
  }
  return nodes;
}

/** An existing cluster's declared localities: each a valid locality, none twice. */
function readDeclaredLocalities(p: Problems, path: string, value: unknown): string[] {
  const list = readArray(p, path, value, "localities") ?? [];
  const out: string[] = [];
  list.forEach((item, i) => {
    const at = childPath(path, i);
    const read = readLocality(p, at, item);
    if (!read) return;
    if (out.includes(read.locality)) p.error(at, `"${read.locality}" is listed twice; list each locality once.`);
    else out.push(read.locality);
  });
  return out;
}

function readCluster(p: Problems, path: string, raw: unknown, index: number, stack: string): ClusterSpec | undefined {
  const c = readObject(p, path, raw, CLUSTER_KEYS, "a cluster");
  if (!c) return undefined;
  const name = readDnsLabel(p, childPath(path, "name"), c.name, "cluster name") ?? `cluster-${index}`;
  const role = readString(p, childPath(path, "role"), c.role, { default: "primary", oneOf: ["primary", "remote"] });
  const network = readLabelValue(p, childPath(path, "network"), c.network, "network1", "network name");
  const eastWestGateway = readString(p, childPath(path, "eastWestGateway"), c.eastWestGateway, {
    default: "LoadBalancer",
    oneOf: ["LoadBalancer", "NodePort"],
  });
  const primary = c.primary === undefined ? undefined : readString(p, childPath(path, "primary"), c.primary);
  const kubeconfig = c.kubeconfig === undefined ? undefined : readString(p, childPath(path, "kubeconfig"), c.kubeconfig);
  const context = c.context === undefined ? undefined : readString(p, childPath(path, "context"), c.context);
  const isKind = c.nodes !== undefined;
  if (isKind && (c.kubeconfig !== undefined || c.context !== undefined)) {
    p.error(
      path,
      `has both "nodes" and "${c.kubeconfig !== undefined ? "kubeconfig" : "context"}". Use "nodes" for a kind cluster that kindmesh creates, or "kubeconfig"/"context" for an existing cluster, not both.`,
    );
  }
  if (!isKind && c.kubeconfig === undefined && c.context === undefined) {
    p.error(path, `says neither how to build it nor how to reach it: add "nodes" (a kind cluster) or "kubeconfig"/"context" (an existing cluster).`);
  }
  if (isKind && c.localities !== undefined) {
    p.error(childPath(path, "localities"), `is for existing clusters only: a kind cluster's localities are its nodes' (nodes[].locality). Remove it.`);
  }
  const declared = !isKind && c.localities !== undefined ? readDeclaredLocalities(p, childPath(path, "localities"), c.localities) : [];
  const kindName = kindClusterName(stack, name);
  const nodes = isKind ? readNodes(p, childPath(path, "nodes"), c.nodes, kindName) : [];
  if (isKind) checkNodeNames(p, path, stack, name, nodes);
  if (isKind && Array.isArray(c.nodes) && c.nodes.length === 0) {
    p.error(childPath(path, "nodes"), "is empty; a kind cluster needs at least one node with role \"control-plane\".");
  }
  const eastWestGatewayLocality = readGatewayLocality(p, childPath(path, "eastWestGatewayLocality"), c.eastWestGatewayLocality, isKind, nodes);
  return {
    ...(eastWestGatewayLocality ? { eastWestGatewayLocality } : {}),
    name,
    ...(isKind ? { kindName } : {}),
    role: (role ?? "primary") as ClusterSpec["role"],
    primary,
    network: network ?? "network1",
    eastWestGateway: (eastWestGateway ?? "LoadBalancer") as ClusterSpec["eastWestGateway"],
    kind: isKind ? "kind" : "existing",
    nodes,
    localities: isKind ? [...new Set(nodes.map((n) => n.locality))] : declared,
    kubeconfig,
    context,
    podSubnet: typeof c.podSubnet === "string" ? c.podSubnet : undefined,
    serviceSubnet: typeof c.serviceSubnet === "string" ? c.serviceSubnet : undefined,
    needsEastWestGateway: false,
    index,
  };
}

/**
 * Where the east-west gateway pod runs: it decides the second hop of a cross-network request (the gateway splits
 * again as a client in its own locality). Default: the control-plane node's locality. Kind clusters only.
 */
function readGatewayLocality(p: Problems, path: string, value: unknown, isKind: boolean, nodes: NodeSpec[]): string | undefined {
  const fallback = nodes.find((n) => n.role === "control-plane")?.locality;
  if (value === undefined) return fallback;
  if (!isKind) {
    p.error(path, `applies to kind clusters only: kindmesh cannot pin a pod to a locality of an existing cluster. Remove it.`);
    return undefined;
  }
  const locality = readLocality(p, path, value)?.locality;
  if (locality === undefined || nodes.length === 0) return fallback;
  const own = [...new Set(nodes.map((n) => n.locality))];
  if (!own.includes(locality)) {
    p.error(path, `${show(locality)} is not a locality of this cluster's nodes (${own.join(", ")}), so the gateway pod could not be scheduled.${didYouMean(locality, own)}`);
    return fallback;
  }
  return locality;
}

/** Names, roles and the primary/remote relation, once every cluster has been read. */
function checkRoles(p: Problems, clusters: { spec: ClusterSpec; index: number }[]): void {
  const byName = new Map<string, number>();
  for (const { spec, index } of clusters) {
    const first = byName.get(spec.name);
    if (first !== undefined) {
      p.error(`topology.clusters[${index}].name`, `"${spec.name}" is already the name of topology.clusters[${first}]; cluster names must be unique (Istio uses them as cluster IDs).`);
    } else byName.set(spec.name, index);
  }
  const primaries = clusters.filter((c) => c.spec.role === "primary").map((c) => c.spec.name);
  if (clusters.length > 0 && primaries.length === 0) {
    p.error("topology.clusters", `has no primary: at least one cluster must run istiod. Set role: primary on one of them.`);
  }
  for (const { spec, index } of clusters) {
    const at = `topology.clusters[${index}].primary`;
    if (spec.role === "primary" && spec.primary !== undefined) {
      p.error(at, `only a remote cluster names a primary; remove "primary" here or set role: remote.`);
    }
    if (spec.role !== "remote") continue;
    if (spec.primary === undefined) {
      p.error(at, `is required for a remote cluster: name the primary whose istiod controls it (one of: ${primaries.join(", ") || "none yet"}).`);
      continue;
    }
    const target = clusters.find((c) => c.spec.name === spec.primary)?.spec;
    if (!target) {
      p.error(at, `"${spec.primary}" is not a cluster of this topology.${didYouMean(spec.primary, primaries)} Name one of the primaries: ${primaries.join(", ") || "none"}.`);
    } else if (target.role !== "primary") {
      p.error(at, `"${spec.primary}" is itself a remote; a remote must name a primary (one of: ${primaries.join(", ") || "none"}).`);
    } else if (target.name === spec.name) {
      p.error(at, `a cluster cannot be its own primary.`);
    }
  }
}

export function readTopology(p: Problems, raw: unknown, stack: string): TopologyInput {
  const fallback: TopologyInput = { meshId: "mesh1", dockerNetwork: { name: `kindmesh-${stack}`, subnetPath: "topology.dockerNetwork.subnet" }, clusters: [], imageCache: true };
  if (raw === undefined) {
    p.error("topology", `is required: set kindmesh:topology in Pulumi.${stack}.yaml with at least one cluster (see Pulumi.dev.yaml).`);
    return fallback;
  }
  const t = readObject(p, "topology", raw, TOPOLOGY_KEYS, "the topology");
  if (!t) return fallback;
  const meshId = readLabelValue(p, "topology.meshId", t.meshId, "mesh1", "mesh ID") ?? "mesh1";
  const net = t.dockerNetwork === undefined ? {} : readObject(p, "topology.dockerNetwork", t.dockerNetwork, NETWORK_KEYS, "the Docker network") ?? {};
  const netName = readString(p, "topology.dockerNetwork.name", net.name, { default: `kindmesh-${stack}` });
  if (netName !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(netName)) {
    p.error("topology.dockerNetwork.name", `${show(netName)} is not a valid Docker network name (letters, digits, "_", ".", "-").`);
  }
  const subnet = net.subnet === undefined ? undefined : readString(p, "topology.dockerNetwork.subnet", net.subnet);
  const list = t.clusters === undefined ? undefined : readArray(p, "topology.clusters", t.clusters, "clusters");
  if (list !== undefined && list.length === 0) p.error("topology.clusters", "is empty: add at least one cluster.");
  if (t.clusters === undefined) p.error("topology.clusters", "is required: add at least one cluster.");
  const read = (list ?? []).map((c, i) => ({ spec: readCluster(p, `topology.clusters[${i}]`, c, i, stack), index: i }));
  const clusters = read.filter((c): c is { spec: ClusterSpec; index: number } => c.spec !== undefined);
  checkStackName(p, stack, clusters.filter((c) => c.spec.kind === "kind").map((c) => c.spec.name));
  checkRoles(p, clusters);
  return {
    meshId,
    dockerNetwork: { name: netName ?? `kindmesh-${stack}`, subnet, subnetPath: "topology.dockerNetwork.subnet" },
    clusters: clusters.map((c) => c.spec),
    imageCache: readImageCache(p, t.imageCache, stack, clusters.some((c) => c.spec.kind === "kind")),
  };
}

/** `topology.imageCache`: a boolean, default true; its cache host names must be DNS labels. */
function readImageCache(p: Problems, value: unknown, stack: string, hasKind: boolean): boolean {
  const path = "topology.imageCache";
  if (value !== undefined && typeof value !== "boolean") {
    p.error(path, `${show(value)} is not true or false. Write imageCache: true (a registry cache for the kind nodes, the default) or imageCache: false (every node pulls directly).`);
    return true;
  }
  const on = value ?? true;
  if (value === true && !hasKind) {
    p.warn(path, "is true but the stack has no kind cluster: existing clusters pull their images as they always have; nothing is cached.");
  }
  const longest = Object.keys(UPSTREAMS).map((r) => cacheName(stack, r)).sort((a, b) => b.length - a.length)[0];
  if (on && hasKind && longest.length > MAX_HOST_LABEL) {
    p.error(path, `the cache host name "${longest}" is ${longest.length} characters, more than a DNS label's ${MAX_HOST_LABEL} (the kind nodes resolve it); use a stack name of at most ${stack.length - (longest.length - MAX_HOST_LABEL)} characters, or set imageCache: false.`);
  }
  return on;
}
