import { diagnose } from "./diagnostics";
import { type EndpointInput, augmentLabels, buildEdsGroups } from "./eds";
import type { EnvoyPriorityLoad } from "./envoy";
import { type DroppedGatewayCopy, type NetworkGateway, dedupeHosts, endpointsByNetworkFilter } from "./network";
import { DEFAULT_ISTIO_VERSION, istioMinor, parseLocality } from "./parse";
import { type LbGroup, rewriteLoadAssignment } from "./rewrite";
import {
  type OutlierDetectionInput,
  VERSION_RULES,
  clusterLocalityConfig,
  effectiveLocalityLbSetting,
  sendsNotReadyEndpoints,
} from "./settings";
import { networkDiagnostics } from "./networkDiagnostics";
import { envoyEntryShares } from "./traffic";
import type { AssignmentEntry, Diagnostic, Labels, LocalityLbSetting } from "./types";

export { augmentLabels };

/** One client's view of one service: where the client is, where the endpoints are, and the policy. */
export interface TrafficScenario {
  /** `network`/`cluster`: where the client's sidecar is (multi-network scenarios). */
  client: { locality: string; labels?: Labels; network?: string; cluster?: string };
  /** Pods per locality; `healthy` (default `count`) are ready; `weight` (default 1) is each endpoint's weight. */
  endpoints: EndpointInput[];
  /** East-west gateways; none (the default) = every endpoint is reached directly, as in a single network. */
  networkGateways?: NetworkGateway[];
  localityLbSetting?: LocalityLbSetting | null;
  /** Where `localityLbSetting` lives; with "mesh" it IS the mesh setting. @default "destinationRule" */
  localityLbSettingScope?: "destinationRule" | "mesh";
  /** Omitted: Istio's built-in `{ enabled: true }`; null: no mesh setting at all. */
  meshLocalityLbSetting?: LocalityLbSetting | null;
  /** The Service's `spec.trafficDistribution` (or the traffic-distribution annotation). */
  serviceTrafficDistribution?: string | null;
  outlierDetection?: OutlierDetectionInput;
  /** @default DEFAULT_ISTIO_VERSION */
  istioVersion?: string;
}

/** One host (or set of identical hosts) the client's sidecar sends to, and its share of requests. */
export interface HostShare {
  /** The locality group the host is in at the client's sidecar. */
  locality: string;
  priority: number;
  /** Each host's `load_balancing_weight`, and how many such hosts (pods of one input entry, or 1 gateway). */
  weight: number;
  count: number;
  share: number;
  /** Set when the host is an east-west gateway standing for endpoints on another network. */
  gateway?: { address: string; network: string; cluster: string; locality: string; standsFor: number };
}

/** What Envoy is programmed with for this client, and what it then does. */
export interface TrafficPrediction {
  /** The rewritten load assignment, in istiod's order; `healthy` counts the healthy hosts of each entry. */
  assignment: (AssignmentEntry & { healthy: number })[];
  localityWeightedLb: boolean;
  /** Percent; 50 when Istio leaves it unset. */
  panicThreshold: number;
  /** Endpoint locality -> fraction of requests after both hops; the shortfall from 1 fails; {} = all fail. */
  shares: Record<string, number>;
  /** The split as the client's sidecar makes it: gateway-bound shares under the gateway host's locality group. */
  firstHop: Record<string, number>;
  /** The sidecar's hosts with their shares (gateway hosts Envoy dropped as duplicates are absent). */
  hosts: HostShare[];
  /** Gateway hosts Envoy ignored because the same address came earlier in the assignment (istio#56355). */
  droppedGatewayCopies: DroppedGatewayCopy[];
  /** Per gateway address: the second hop's own prediction (a client at the gateway, on its network). */
  secondHops: Record<string, TrafficPrediction>;
  diagnostics: Diagnostic[];
  /** The effective setting istiod used (null: none) and whether failover was on. */
  effectiveSetting: LocalityLbSetting | null;
  enableFailover: boolean;
  /** Envoy's priority health, load and panic for this assignment. */
  priorityLoad: EnvoyPriorityLoad;
}

/**
 * The whole pipeline for one client (locality-model.md §9): EDS grouping and not-ready filtering, the network
 * filter (gateway hosts for other networks), the effective setting, istiod's rewrite, Envoy's duplicate-address
 * drop, the cluster flags, Envoy's priority and locality choice; then, for what reaches a gateway, the same again
 * at the gateway over its own network's endpoints.
 */
export function predictTraffic(scenario: TrafficScenario): TrafficPrediction {
  const hop = predictFirstHop(scenario, false);
  const shares: Record<string, number> = {};
  const add = (locality: string, x: number) => {
    if (x > 0) shares[locality] = (shares[locality] ?? 0) + x;
  };
  const secondHops: Record<string, TrafficPrediction> = {};
  for (const h of hop.hosts) {
    if (!h.gateway) {
      add(h.locality, h.share);
      continue;
    }
    const gw = h.gateway;
    const second = (secondHops[gw.address] ??= predictSecondHop(scenario, gw));
    for (const [locality, x] of Object.entries(second.shares)) add(locality, h.share * x);
  }
  // What the DestinationRule is read to promise: every gateway copy kept, each split again by its gateway.
  const intended = () => {
    const first = predictFirstHop(scenario, true);
    const final: Record<string, number> = {};
    for (const h of first.hosts) {
      const split = h.gateway ? (secondHops[h.gateway.address] ?? predictSecondHop(scenario, h.gateway)).shares : { [h.locality]: 1 };
      for (const [locality, x] of Object.entries(split)) if (h.share * x > 0) final[locality] = (final[locality] ?? 0) + h.share * x;
    }
    return { hosts: first.hosts, shares: final };
  };
  const diagnostics = [...hop.diagnostics, ...networkDiagnostics({ scenario, hop, shares, secondHops, intended })];
  return { ...hop, shares, secondHops, diagnostics };
}

// ISTIO_META_REQUESTED_NETWORK_VIEW=<network> (gateway chart, networkGateway): the gateway sees only its own
// network's endpoints, and re-applies the same DestinationRule from its own locality (cluster.go
// buildOutboundSniDnatClusters).
function predictSecondHop(scenario: TrafficScenario, gw: NonNullable<HostShare["gateway"]>): TrafficPrediction {
  return predictTraffic({
    ...scenario,
    client: { locality: gw.locality, network: gw.network, cluster: gw.cluster },
    endpoints: scenario.endpoints.filter((e) => !e.network || e.network === gw.network),
  });
}

type FirstHop = Omit<TrafficPrediction, "shares" | "secondHops"> & { groups: LbGroup[]; sendNotReady: boolean };

function predictFirstHop(scenario: TrafficScenario, keepDuplicates: boolean): FirstHop {
  const istioVersion = scenario.istioVersion ?? DEFAULT_ISTIO_VERSION;
  const serviceTrafficDistribution = scenario.serviceTrafficDistribution ?? null;
  const { destinationRule, mesh } = settingsOf(scenario);
  const effective = effectiveLocalityLbSetting({ destinationRule, mesh, serviceTrafficDistribution, istioVersion });
  const cluster = clusterLocalityConfig({
    setting: effective.setting,
    forceFailover: effective.forceFailover,
    outlierDetection: scenario.outlierDetection,
    serviceTrafficDistribution,
    istioVersion,
  });
  const sendNotReady = sendsNotReadyEndpoints({ outlierDetection: scenario.outlierDetection, serviceTrafficDistribution, istioVersion });
  const eds = buildEdsGroups(scenario.endpoints, sendNotReady);
  const { client } = scenario;
  const filtered = endpointsByNetworkFilter(eds.groups, client, scenario.networkGateways ?? [], {
    forceGatewayWithoutNetwork: istioMinor(istioVersion) >= VERSION_RULES.gatewayForProxyWithoutNetwork,
  });
  const rewritten = rewriteLoadAssignment({
    client: parseLocality(client.locality),
    clientLabels: augmentLabels(client.labels, client.locality, client),
    groups: filtered,
    setting: effective.setting,
    enableFailover: cluster.enableFailover,
    networkPreferred: istioMinor(istioVersion) >= VERSION_RULES.sendUnhealthyByDefault,
  });
  const deduped = keepDuplicates ? { groups: rewritten.groups, dropped: [] } : dedupeHosts(rewritten.groups);
  const groups = deduped.groups;
  const assignment = groups.map(toAssignmentEntry);
  const entries = groups.map((g) => ({ ...toAssignmentEntry(g), hosts: count(g), ...hostWeights(g) }));
  const envoy = envoyEntryShares(entries, { localityWeightedLb: cluster.localityWeightedLb, panicThreshold: cluster.panicThreshold });
  const hosts = hostShares(groups, envoy.perEntry, envoy.panic);
  const firstHop: Record<string, number> = {};
  for (const h of hosts) if (h.share > 0) firstHop[h.locality] = (firstHop[h.locality] ?? 0) + h.share;
  const diagnostics = diagnose({
    client: client.locality,
    istioVersion,
    destinationRule,
    serviceTrafficDistribution,
    setting: effective.setting,
    enableFailover: cluster.enableFailover,
    eds: filtered,
    groups,
    distribute: rewritten.distribute,
    notReadyDropped: eds.notReadyDropped,
    inputEndpoints: scenario.endpoints.reduce((n, e) => n + Math.max(0, e.count), 0),
    shares: firstHop,
    priorityLoad: envoy.priorityLoad,
    panicThreshold: cluster.panicThreshold,
  });
  return {
    assignment,
    localityWeightedLb: cluster.localityWeightedLb,
    panicThreshold: cluster.panicThreshold,
    firstHop,
    hosts,
    droppedGatewayCopies: deduped.dropped,
    diagnostics,
    effectiveSetting: effective.setting,
    enableFailover: cluster.enableFailover,
    priorityLoad: envoy.priorityLoad,
    groups,
    sendNotReady,
  };
}

// Inside an entry Envoy picks a host by weight among the healthy hosts, or among all of them in panic.
function hostShares(groups: LbGroup[], perEntry: number[], panic: boolean[]): HostShare[] {
  return groups.flatMap((g, i) => {
    const weights = g.endpoints.map((s) => s.weight * (panic[i] ? s.count : s.healthy));
    const total = weights.reduce((a, b) => a + b, 0);
    return g.endpoints.map((s, k) => ({
      locality: g.locality,
      priority: g.priority,
      weight: s.weight,
      count: s.count,
      share: total > 0 ? ((perEntry[i] ?? 0) * (weights[k] ?? 0)) / total : 0,
      ...(s.gateway ? { gateway: s.gateway } : {}),
    }));
  });
}

// Scope "mesh": the setting is the mesh's. Otherwise it is the DR's, next to the mesh default { enabled: true }.
function settingsOf(s: TrafficScenario): { destinationRule: LocalityLbSetting | null; mesh: LocalityLbSetting | null } {
  const builtIn: LocalityLbSetting = { enabled: true };
  if (s.localityLbSettingScope === "mesh") {
    return { destinationRule: null, mesh: s.localityLbSetting === undefined ? builtIn : s.localityLbSetting };
  }
  return {
    destinationRule: s.localityLbSetting ?? null,
    mesh: s.meshLocalityLbSetting === undefined ? builtIn : s.meshLocalityLbSetting,
  };
}

function count(g: LbGroup): number {
  return g.endpoints.reduce((n, s) => n + s.count, 0);
}

function hostWeights(g: LbGroup): { hostWeight: number; healthyHostWeight: number } {
  return {
    hostWeight: g.endpoints.reduce((w, s) => w + s.weight * s.count, 0),
    healthyHostWeight: g.endpoints.reduce((w, s) => w + s.weight * s.healthy, 0),
  };
}

function toAssignmentEntry(g: LbGroup): AssignmentEntry & { healthy: number } {
  const healthy = g.endpoints.reduce((n, s) => n + s.healthy, 0);
  return { locality: g.locality, priority: g.priority, weight: g.weight, endpoints: count(g), healthy };
}
