/**
 * `planMesh`: the shape of the resource graph as plain data, decided before any resource exists — which
 * clusters route pods to which, who holds whose remote secret, where gateways, DestinationRules, backends
 * and clients go, and the install order each cluster follows.
 */
import type { ClusterSpec, MeshSpec } from "../types";

export interface RoutePair {
  /** The cluster whose nodes get the routes. */
  from: string;
  /** The cluster whose nodes' pod CIDRs they lead to. */
  to: string;
}

export interface RemoteSecretPlan {
  /** The cluster the secret gives access to (its reader token and API server). */
  source: string;
  /** The cluster whose istiod holds the secret. */
  destination: string;
}

export interface Placement {
  service: string;
  namespace: string;
  locality: string;
  cluster: string;
  replicas: number;
}

export interface ClientPlacement {
  name: string;
  namespace: string;
  locality: string;
  cluster: string;
}

export interface ClusterPlan {
  name: string;
  kind: ClusterSpec["kind"];
  role: ClusterSpec["role"];
  network: string;
  /** The cluster whose istiod this cluster's sidecars talk to. */
  controlPlane: string;
  eastWestGateway?: ClusterSpec["eastWestGateway"];
  /**
   * Who gives the east-west gateway its address: MetalLB (a kind cluster's LoadBalancer, from the stack's Docker
   * subnet), the existing cluster's own cloud load balancer (kindmesh installs no MetalLB there), or a node
   * address (NodePort + externalIPs). Absent without a gateway.
   */
  gatewayAddressFrom?: "metallb" | "cloud-load-balancer" | "node-address";
  /** Where the east-west gateway pod is pinned (kind clusters with a gateway). */
  eastWestGatewayLocality?: string;
  metallb: boolean;
  crossNetworkGateway: boolean;
  exposesIstiod: boolean;
  /** Whether DestinationRules are applied here (an istiod reads configuration from this cluster). */
  readsConfig: boolean;
  /** Ordered install steps, each waiting for the one before (istio-on-kind.md §5). */
  installOrder: string[];
}

export interface MeshPlan {
  clusters: ClusterPlan[];
  routes: RoutePair[];
  remoteSecrets: RemoteSecretPlan[];
  backends: Placement[];
  clients: ClientPlacement[];
  /** Namespaces per cluster that the traffic section needs (every service's namespace exists everywhere). */
  namespaces: string[];
}

function installOrder(c: ClusterSpec, plan: Omit<ClusterPlan, "installOrder">): string[] {
  const steps = c.kind === "kind" ? ["docker-network", "kind-cluster", "node-localities"] : ["provider"];
  if (plan.metallb) steps.push("metallb", "metallb-pool");
  steps.push("istio-system-namespace", "cacerts", "istio-base", "istiod");
  // A remote's gateway is injected by the primary's istiod, so it waits for the primary to hold its secret.
  if (c.role === "remote") steps.push("remote-secret-in-primary");
  if (plan.eastWestGateway) steps.push("eastwest-gateway", "eastwest-gateway-address");
  if (plan.crossNetworkGateway) steps.push("cross-network-gateway");
  if (plan.exposesIstiod) steps.push("istiod-exposure");
  if (c.role === "primary") steps.push("remote-secrets");
  if (plan.readsConfig) steps.push("destination-rules");
  steps.push("workloads");
  return steps;
}

function clusterPlan(c: ClusterSpec, all: ClusterSpec[]): ClusterPlan {
  const multiNetwork = new Set(all.map((x) => x.network)).size > 1;
  const hasRemotes = all.some((r) => r.role === "remote" && r.primary === c.name);
  const base = {
    name: c.name,
    kind: c.kind,
    role: c.role,
    network: c.network,
    controlPlane: c.role === "remote" && c.primary ? c.primary : c.name,
    eastWestGateway: c.needsEastWestGateway ? c.eastWestGateway : undefined,
    gatewayAddressFrom: !c.needsEastWestGateway
      ? undefined
      : c.eastWestGateway === "NodePort"
        ? ("node-address" as const)
        : c.kind === "kind"
          ? ("metallb" as const)
          : ("cloud-load-balancer" as const),
    ...(c.needsEastWestGateway && c.eastWestGatewayLocality ? { eastWestGatewayLocality: c.eastWestGatewayLocality } : {}),
    metallb: c.metallbPool !== undefined,
    crossNetworkGateway: multiNetwork && c.role === "primary",
    exposesIstiod: c.role === "primary" && hasRemotes,
    readsConfig: c.role === "primary",
  };
  return { ...base, installOrder: installOrder(c, base) };
}

/** Every ordered pair of kind clusters on one Istio network (kindnet routes only inside its own cluster). */
export function planRoutes(clusters: ClusterSpec[]): RoutePair[] {
  const kinds = clusters.filter((c) => c.kind === "kind");
  return kinds.flatMap((a) => kinds.filter((b) => b !== a && b.network === a.network).map((b) => ({ from: a.name, to: b.name })));
}

/** Every primary holds a secret for every other cluster; remotes hold none (istioctl create-remote-secret). */
export function planRemoteSecrets(clusters: ClusterSpec[]): RemoteSecretPlan[] {
  return clusters
    .filter((d) => d.role === "primary")
    .flatMap((d) => clusters.filter((s) => s !== d).map((s) => ({ source: s.name, destination: d.name })));
}

/** A backend Deployment per service, locality and cluster that has nodes there. */
export function planBackends(spec: MeshSpec): Placement[] {
  return spec.traffic.services.flatMap((s) =>
    s.localities.flatMap((locality) =>
      spec.clusters
        .filter((c) => c.localities.includes(locality))
        .map((c) => ({ service: s.name, namespace: s.namespace, locality, cluster: c.name, replicas: s.replicas })),
    ),
  );
}

/** The cluster a client runs in: the one it names, else the first (in config order) with a node in its locality. */
export function clientCluster(clusters: ClusterSpec[], client: { locality: string; cluster?: string }): ClusterSpec | undefined {
  const hosts = clusters.filter((c) => c.localities.includes(client.locality));
  return client.cluster === undefined ? hosts[0] : hosts.find((c) => c.name === client.cluster);
}

export function planClients(spec: MeshSpec): ClientPlacement[] {
  return spec.traffic.clients.flatMap((client) => {
    const cluster = clientCluster(spec.clusters, client);
    return cluster ? [{ name: client.name, namespace: client.namespace, locality: client.locality, cluster: cluster.name }] : [];
  });
}

export function planMesh(spec: MeshSpec): MeshPlan {
  const namespaces = [...new Set([...spec.traffic.services.map((s) => s.namespace), ...spec.traffic.clients.map((c) => c.namespace)])];
  return {
    clusters: spec.clusters.map((c) => clusterPlan(c, spec.clusters)),
    routes: planRoutes(spec.clusters),
    remoteSecrets: planRemoteSecrets(spec.clusters),
    backends: planBackends(spec),
    clients: planClients(spec),
    namespaces: namespaces.sort(),
  };
}
