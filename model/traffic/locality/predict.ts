import { diagnose } from "./diagnostics";
import type { EnvoyPriorityLoad } from "./envoy";
import { DEFAULT_ISTIO_VERSION, TOPOLOGY_LABELS, istioMinor, parseLocality } from "./parse";
import { type EndpointSet, type LbGroup, rewriteLoadAssignment } from "./rewrite";
import {
  type OutlierDetectionInput,
  VERSION_RULES,
  clusterLocalityConfig,
  effectiveLocalityLbSetting,
  sendsNotReadyEndpoints,
} from "./settings";
import { envoyTrafficShares } from "./traffic";
import type { AssignmentEntry, Diagnostic, Labels, LocalityLbSetting } from "./types";

const MAX_UINT32 = 2 ** 32 - 1;

/** One client's view of one service: where the client is, where the endpoints are, and the policy. */
export interface TrafficScenario {
  client: { locality: string; labels?: Labels };
  /** Pods per locality; `healthy` (default `count`) are ready; `weight` (default 1) is each endpoint's weight. */
  endpoints: { locality: string; count: number; healthy?: number; weight?: number; labels?: Labels }[];
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

/** What Envoy is programmed with for this client, and what it then does. */
export interface TrafficPrediction {
  /** The rewritten load assignment, in istiod's order; `healthy` counts the healthy hosts of each entry. */
  assignment: (AssignmentEntry & { healthy: number })[];
  localityWeightedLb: boolean;
  /** Percent; 50 when Istio leaves it unset. */
  panicThreshold: number;
  /** Endpoint locality -> fraction of requests; the shortfall from 1 is the failing fraction; {} = all fail. */
  shares: Record<string, number>;
  diagnostics: Diagnostic[];
  /** The effective setting istiod used (null: none) and whether failover was on. */
  effectiveSetting: LocalityLbSetting | null;
  enableFailover: boolean;
  /** Envoy's priority health, load and panic for this assignment. */
  priorityLoad: EnvoyPriorityLoad;
}

/**
 * The whole pipeline for one client (locality-model.md §9): EDS grouping and not-ready filtering, the effective
 * setting, istiod's rewrite, the cluster flags, then Envoy's priority and locality choice.
 */
export function predictTraffic(scenario: TrafficScenario): TrafficPrediction {
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
  const rewritten = rewriteLoadAssignment({
    client: parseLocality(scenario.client.locality),
    clientLabels: augmentLabels(scenario.client.labels, scenario.client.locality),
    groups: eds.groups,
    setting: effective.setting,
    enableFailover: cluster.enableFailover,
    networkPreferred: istioMinor(istioVersion) >= VERSION_RULES.sendUnhealthyByDefault,
  });
  const assignment = rewritten.groups.map(toAssignmentEntry);
  const { shares, priorityLoad } = envoyTrafficShares(
    rewritten.groups.map((g) => ({ ...toAssignmentEntry(g), hosts: count(g), ...hostWeights(g) })),
    { localityWeightedLb: cluster.localityWeightedLb, panicThreshold: cluster.panicThreshold },
  );
  const diagnostics = diagnose({
    client: scenario.client.locality,
    istioVersion,
    destinationRule,
    serviceTrafficDistribution,
    setting: effective.setting,
    enableFailover: cluster.enableFailover,
    eds: eds.groups,
    groups: rewritten.groups,
    distribute: rewritten.distribute,
    notReadyDropped: eds.notReadyDropped,
    inputEndpoints: scenario.endpoints.reduce((n, e) => n + Math.max(0, e.count), 0),
    shares,
    priorityLoad,
    panicThreshold: cluster.panicThreshold,
  });
  return {
    assignment,
    localityWeightedLb: cluster.localityWeightedLb,
    panicThreshold: cluster.panicThreshold,
    shares,
    diagnostics,
    effectiveSetting: effective.setting,
    enableFailover: cluster.enableFailover,
    priorityLoad,
  };
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

/**
 * istiod's `AugmentLabels` for a workload: its labels plus the topology labels region/zone/subzone taken from
 * its locality (when non-empty). Cluster, network and hostname come from the labels themselves here.
 */
export function augmentLabels(labels: Labels | undefined, locality: string): Labels {
  const out: Labels = { ...(labels ?? {}) };
  const l = parseLocality(locality);
  if (l.region !== "") out[TOPOLOGY_LABELS.region] = l.region;
  if (l.zone !== "") out[TOPOLOGY_LABELS.zone] = l.zone;
  if (l.subzone !== "") out[TOPOLOGY_LABELS.subzone] = l.subzone;
  return out;
}

// EDS (`generate`, endpoint_builder.go): filter not-ready endpoints, group by exact locality string, sort,
// weight each group by the sum of its endpoint weights (capped at 2^32-1), all at priority 0.
function buildEdsGroups(
  endpoints: TrafficScenario["endpoints"],
  sendNotReady: boolean,
): { groups: LbGroup[]; notReadyDropped: { locality: string; count: number }[] } {
  const byLocality = new Map<string, EndpointSet[]>();
  const notReadyDropped: { locality: string; count: number }[] = [];
  for (const e of endpoints) {
    const total = Math.max(0, e.count);
    const healthy = Math.min(total, Math.max(0, e.healthy ?? total));
    if (!sendNotReady && healthy < total) notReadyDropped.push({ locality: e.locality, count: total - healthy });
    const kept = sendNotReady ? total : healthy;
    if (kept === 0) continue;
    const sets = byLocality.get(e.locality) ?? [];
    const index = sets.reduce((n, s) => n + s.count, 0);
    const weight = e.weight !== undefined && e.weight > 0 ? e.weight : 1;
    sets.push({ index, labels: augmentLabels(e.labels, e.locality), weight, count: kept, healthy });
    byLocality.set(e.locality, sets);
  }
  const groups = [...byLocality.keys()].sort().map((locality, source) => {
    const sets = byLocality.get(locality) ?? [];
    const weight = Math.min(MAX_UINT32, sets.reduce((w, s) => w + s.weight * s.count, 0));
    return { source, locality, priority: 0, weight, endpoints: sets };
  });
  return { groups, notReadyDropped };
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
