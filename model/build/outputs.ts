/**
 * The shapes of the stack outputs beyond contract §3's `clusters` and `trafficPlan`, which the verify,
 * drill and diagram commands read back with `pulumi stack output --json --show-secrets`.
 */
import type { LocalityLbSetting, NetworkGateway } from "../traffic/locality";
import type { ServiceRouting } from "../traffic/routing";
import type { ClusterRole, TrafficPlan } from "../types";

/** `clusters` (contract §3). `kubeconfig` is a secret in the stack; it appears only with --show-secrets. */
export interface ClusterOutput {
  network: string;
  role: ClusterRole;
  kubeconfig: string;
  apiServer: string;
  eastWestGatewayAddress?: string;
}

/** `workloads`: where the demo backends and the clients run. */
export interface WorkloadsOutput {
  services: {
    name: string;
    namespace: string;
    port: number;
    replicas: number;
    /** One Deployment `<name>-<locality as a DNS label>` per entry. */
    placements: { locality: string; cluster: string; deployment: string }[];
  }[];
  clients: { name: string; namespace: string; locality: string; cluster: string }[];
}

/** `trafficModel`: per policy service, what predictTraffic needs besides the client, for the drill. */
export type TrafficModelOutput = Record<
  string,
  {
    localityLbSetting: LocalityLbSetting | null;
    outlierDetection: boolean | { minHealthPercent?: number };
    /** Backends per placement, with the cluster and Istio network they run in. */
    endpoints: { locality: string; count: number; cluster?: string; network?: string }[];
    /** The east-west gateways istiod knows, where their pods run (older outputs: absent = none). */
    networkGateways?: NetworkGateway[];
    /** Cluster -> Istio network, to place a client. */
    networks?: Record<string, string>;
    istioVersion: string;
    /** Services with routes, subsets or cluster-local settings: what routing needs, per client. */
    routing?: ServiceRouting;
    /** With `routing`: the backends per locality and cluster, with the labels istiod gives them. */
    placedEndpoints?: { locality: string; count: number; labels: Record<string, string> }[];
  }
>;

/** Everything the commands read, as `pulumi stack output --json --show-secrets` prints it. */
export interface StackOutputs {
  clusters: Record<string, ClusterOutput>;
  trafficPlan: TrafficPlan;
  workloads: WorkloadsOutput;
  trafficModel: TrafficModelOutput;
  /** Per cluster: what kind and Docker call it (kind clusters), its node (container) names and pod subnet. Older stacks lack it. */
  addressPlan?: Record<string, { kindCluster?: string; nodes?: string[]; podSubnet?: string }>;
}
