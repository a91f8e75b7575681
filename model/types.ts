/**
 * The validated, defaulted and allocated description of one stack (`MeshSpec`), as `parseConfig` returns it.
 * Pure data: every later step (plans, components, the traffic model) reads only this.
 */

/** One problem found in the stack configuration, with its config path. */
export interface Problem {
  /** From the config key down, e.g. `topology.clusters[1].nodes[0].locality`. */
  path: string;
  message: string;
}

export type ClusterRole = "primary" | "remote";
export type NodeRole = "control-plane" | "worker";
export type GatewayExposure = "LoadBalancer" | "NodePort";

/** A node of a kind cluster. */
export interface NodeSpec {
  role: NodeRole;
  /** `region/zone[/subzone]` as written. */
  locality: string;
  region: string;
  zone: string;
  /** Empty when the locality has two parts. */
  subzone: string;
  /**
   * The container / Kubernetes node name kind gives it, from the cluster's kind name:
   * `<stack>-<cluster>-control-plane`, `<stack>-<cluster>-worker2`, ...
   */
  nodeName: string;
}

/** An inclusive IPv4 address range (a MetalLB pool). */
export interface AddressRange {
  first: string;
  last: string;
  /** Number of addresses in the range. */
  size: number;
}

export interface ClusterSpec {
  /** As written in the stack file: Istio's cluster ID (clusterName, remote secrets, topology labels). */
  name: string;
  /**
   * Kind clusters: the name kind and Docker see, `<stack>-<name>`, so that two stacks with a cluster of the
   * same name (a copied stack file) never share a kind cluster or node containers.
   */
  kindName?: string;
  /** Position in `topology.clusters`, for config paths in messages. */
  index: number;
  role: ClusterRole;
  /** Remote only: the primary whose istiod controls it. */
  primary?: string;
  network: string;
  eastWestGateway: GatewayExposure;
  /** "kind": built by kindmesh from `nodes`; "existing": reached through `kubeconfig`/`context`. */
  kind: "kind" | "existing";
  nodes: NodeSpec[];
  /**
   * Where demo backends and clients may run: a kind cluster's node localities, or the `localities` an existing
   * cluster declares (checked against its live node labels before anything is installed there).
   */
  localities: string[];
  kubeconfig?: string;
  context?: string;
  /** Kind clusters: as configured or allocated. Existing clusters: as configured, else undefined. */
  podSubnet?: string;
  serviceSubnet?: string;
  /** Kind clusters: the fixed host port of the API server, so a recreated cluster keeps its kubeconfig server. */
  apiServerPort?: number;
  /** Whether this cluster runs an east-west gateway (multi-network mesh, or a primary exposing istiod). */
  needsEastWestGateway: boolean;
  /**
   * Kind clusters: the locality the east-west gateway pod is pinned to (it decides the second hop of
   * cross-network requests). @default the control-plane node's locality
   */
  eastWestGatewayLocality?: string;
  /** Kind clusters whose east-west gateway is a LoadBalancer: the MetalLB pool. */
  metallbPool?: AddressRange;
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  port: number;
  replicas: number;
  localities: string[];
}

export interface ClientSpec {
  name: string;
  namespace: string;
  locality: string;
  /** The cluster the client runs in, when the stack names one (several clusters may have a node in its locality). */
  cluster?: string;
}

export interface PolicySpec {
  service: string;
  /** Istio's DestinationRule `trafficPolicy`, exactly as written (shape-checked). */
  trafficPolicy: Record<string, unknown>;
  /** Istio's DestinationRule `subsets`, exactly as written (schema-checked). */
  subsets?: Record<string, unknown>[];
}

/** One VirtualService (`traffic.routes[]`): its `http` routes, exactly as written (schema-checked). */
export interface RouteSpec {
  service: string;
  http: Record<string, unknown>[];
}

export interface Versions {
  istio: string;
  metallb: string;
  kindNodeImage: string;
}

export interface DockerNetworkSpec {
  name: string;
  subnet: string;
  gateway: string;
  /** Where Docker may give node containers addresses: the lower half, never the MetalLB pools' top quarter. */
  ipRange: string;
}

export interface MeshSpec {
  stack: string;
  meshId: string;
  dockerNetwork: DockerNetworkSpec;
  clusters: ClusterSpec[];
  traffic: {
    services: ServiceSpec[];
    clients: ClientSpec[];
    policies: PolicySpec[];
    /** One VirtualService each, where the DestinationRules go. */
    routes: RouteSpec[];
    /** Istio MeshConfig fields for every primary's istiod (schema-checked); {} when the stack sets none. */
    meshConfig: Record<string, unknown>;
  };
  versions: Versions;
  /**
   * `topology.imageCache` (default true): kind clusters pull through one registry cache per upstream registry
   * on the stack's network. Existing clusters never use it.
   */
  imageCache: boolean;
  /** A root CA the user brought (`kindmesh:rootCaCert` / `kindmesh:rootCaKey`); absent: kindmesh generates one. */
  rootCa?: { certPem: string; keyPem: string };
  /** Soft problems: the stack deploys, but something will not do what it seems to say. */
  warnings: Problem[];
}

/** One diagnostic of the traffic model: a stable code and a sentence for people. */
export interface Diagnostic {
  code: string;
  message: string;
}

/** Destination locality -> predicted fraction of requests (0..1); less than 1 in total when some fail. */
export type Shares = Record<string, number>;

/** What decided a client's requests (routed services only): the VirtualService route, subsets and weights. */
export interface PlanDecision {
  /** "default": no route applies, the plain service; "no-match": 404; "no-upstream": redirect/directResponse. */
  kind: "default" | "route" | "no-match" | "no-upstream";
  /** `http[index]` of `traffic.routes` for this service, and its `name` when it has one. */
  route?: { index: number; name?: string };
  /** The host is cluster-local (meshConfig.serviceSettings): only the client's own cluster's endpoints. */
  clusterLocal: boolean;
  destinations: { subset?: string; weight: number }[];
}

/**
 * The `trafficPlan` stack output (contract §3): per policy service, per client, per destination locality, the
 * predicted share after routes, subsets, cluster-local settings and locality load balancing. A client is keyed
 * by its locality when every client there gets the same plan, else `<locality>@<cluster>` (and
 * `<locality>@<cluster>/<namespace>/<name>` where the cluster does not tell them apart): see
 * model/traffic/planKeys.ts. Client keys always contain a "/"; the other keys do not: `diagnostics` per client,
 * `ifLocalityFails`, the shares when the client's own locality has lost every backend (the failover drill), and,
 * for services with routes, subsets or cluster-local settings, `decidedBy`.
 */
export type ServiceTrafficPlan = {
  [client: string]: Shares | Record<string, Diagnostic[]> | Record<string, Shares> | Record<string, PlanDecision>;
} & {
  diagnostics: Record<string, Diagnostic[]>;
  ifLocalityFails: Record<string, Shares>;
  decidedBy?: Record<string, PlanDecision>;
  /**
   * Client localities whose requests cross a network: the split at the client's sidecar, before the east-west
   * gateway splits its part again (gateway-bound shares under the gateway host's locality group).
   */
  firstHop?: Record<string, Shares>;
};
export type TrafficPlan = Record<string, ServiceTrafficPlan>;
