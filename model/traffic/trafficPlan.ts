/**
 * The predicted split, before deploying: for every policy and every client locality, where requests go
 * (the `trafficPlan` output), where they go when the client's own locality loses its backends, and the
 * compact table printed on every preview. Pure: built from the spec and the plan with the locality model.
 */
import { localityMatch, type LocalityLbSetting, type NetworkGateway, type TrafficScenario } from "./locality";
import { assignPlanKeys, type PlannedClient } from "./planKeys";
import { CLUSTER_LABEL, NETWORK_LABEL, localityPolicy, predictRouted, type RouteDecision, type ServiceRouting } from "./routing";
import { isClusterLocal } from "./routing/match";
import type { MeshPlan } from "../build/plan";
import type { TrafficModelOutput, WorkloadsOutput } from "../build/outputs";
import type { Diagnostic, MeshSpec, PlanDecision, PolicySpec, ServiceTrafficPlan, Shares, TrafficPlan } from "../types";

/** `east/zone1` -> `east-zone1`: a locality as part of a DNS-1123 name. */
export function localityName(locality: string): string {
  return locality.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The backend Deployment of a service in a locality. */
export function deploymentName(service: string, locality: string): string {
  return `${service}-${localityName(locality)}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * The east-west gateways istiod knows: every gateway the chart installs with `networkGateway` (its Service
 * carries the network label), at the locality its pod is pinned to ("" when kindmesh cannot pin it).
 */
export function networkGateways(plan: MeshPlan): NetworkGateway[] {
  return plan.clusters
    .filter((c) => c.eastWestGateway !== undefined)
    .map((c) => ({ network: c.network, cluster: c.name, locality: c.eastWestGatewayLocality ?? "" }));
}

/**
 * The line a preview prints about where each east-west gateway pod runs (it decides the second hop of
 * cross-network requests); undefined without gateways.
 */
export function formatGatewayPlacement(plan: MeshPlan): string | undefined {
  const gws = networkGateways(plan);
  if (gws.length === 0) return undefined;
  const where = gws.map((g) => `${g.cluster} (${g.network}) in ${g.locality || "a locality kindmesh does not pin"}`);
  return `East-west gateway pods, where cross-network requests are split a second time: ${where.join("; ")}.`;
}

/**
 * What predictTraffic needs besides the client, for one policy: from the DR as written and the placements. Each
 * endpoint carries its cluster and network (as labels, for subsets and cluster-local, and as the multi-network
 * fields), and the gateways come from the topology.
 */
export function scenarioOf(spec: MeshSpec, plan: MeshPlan, policy: PolicySpec): Omit<TrafficScenario, "client"> {
  const { localityLbSetting: setting, outlierDetection } = localityPolicy(policy.trafficPolicy);
  const network = (cluster: string) => spec.clusters.find((c) => c.name === cluster)?.network ?? "";
  const endpoints = plan.backends
    .filter((b) => b.service === policy.service)
    .map((b) => ({
      locality: b.locality,
      count: b.replicas,
      cluster: b.cluster,
      network: network(b.cluster),
      labels: { [CLUSTER_LABEL]: b.cluster, [NETWORK_LABEL]: network(b.cluster) },
    }));
  return { endpoints, networkGateways: networkGateways(plan), localityLbSetting: setting, outlierDetection, istioVersion: spec.versions.istio };
}

/** What routing needs of a policy's service: its DestinationRule, VirtualService and cluster-local setting. */
export function routingOf(spec: MeshSpec, policy: PolicySpec): ServiceRouting {
  const service = spec.traffic.services.find((s) => s.name === policy.service);
  const namespace = service?.namespace ?? "default";
  const http = spec.traffic.routes.find((r) => r.service === policy.service)?.http;
  return {
    service: policy.service,
    namespace,
    port: service?.port ?? 0,
    trafficPolicy: policy.trafficPolicy,
    subsets: policy.subsets ?? [],
    ...(http ? { http } : {}),
    clusterLocal: isClusterLocal(`${policy.service}.${namespace}.svc.cluster.local`, spec.traffic.meshConfig),
  };
}

function routedClient(spec: MeshSpec, c: PlannedClient) {
  const network = spec.clusters.find((k) => k.name === c.cluster)?.network ?? "";
  return { locality: c.locality, cluster: c.cluster, network, namespace: c.namespace, podLabels: { app: c.name } };
}

const MICRO = 1e6;

/**
 * Shares rounded to millionths so that they still add up to what the model predicted: an even three-way
 * split stays 1 in total (largest remainder), instead of 0.999999 that reads as a failing millionth.
 */
function rounded(shares: Shares): Shares {
  const entries = Object.entries(shares);
  const total = Math.round(entries.reduce((sum, [, v]) => sum + v, 0) * MICRO);
  const floors = entries.map(([k, v]) => ({ k, micros: Math.floor(v * MICRO + 1e-9), rest: v * MICRO - Math.floor(v * MICRO + 1e-9) }));
  let missing = total - floors.reduce((sum, f) => sum + f.micros, 0);
  for (const f of [...floors].sort((a, b) => b.rest - a.rest)) {
    if (missing <= 0) break;
    f.micros += 1;
    missing -= 1;
  }
  return Object.fromEntries(floors.map((f) => [f.k, f.micros / MICRO]));
}

/** `distribute` never fails over; the plan says so where a rule applies to the client. */
function distributeNote(setting: LocalityLbSetting | null | undefined, client: string): Diagnostic[] {
  const rule = setting?.distribute?.find((r) => localityMatch(client, r.from));
  if (!rule) return [];
  const targets = Object.keys(rule.to).join(", ");
  return [
    {
      code: "distribute-no-failover",
      message: `distribute from "${rule.from}" never fails over: when a locality loses its backends, its share goes only to the other "to" localities (${targets}), never to localities outside them.`,
    },
  ];
}

/** Whether a service's plan depends on more than locality: then it says what decided each client's requests. */
const routed = (r: ServiceRouting) => r.http !== undefined || r.clusterLocal || r.subsets.length > 0;

/**
 * One policy's plan: per client (keyed as model/traffic/planKeys.ts says), the shares after routing, the diagnostics,
 * the shares when the client's own locality loses its backends, and what decided (routed services only).
 */
function servicePlan(spec: MeshSpec, plan: MeshPlan, policy: PolicySpec): ServiceTrafficPlan {
  const base = scenarioOf(spec, plan, policy);
  const routing = routingOf(spec, policy);
  const rows = plan.clients.map((c) => {
    const client = routedClient(spec, c);
    const now = predictRouted(base, routing, client);
    const failed = predictRouted({ ...base, endpoints: base.endpoints.filter((e) => e.locality !== c.locality) }, routing, client);
    const diagnostics = [...now.diagnostics, ...distributeNote(base.localityLbSetting, c.locality)];
    return { c, shares: rounded(now.shares), diagnostics, failed: rounded(failed.shares), decision: summary(now.decision), firstHop: now.firstHop && rounded(now.firstHop) };
  });
  const keys = assignPlanKeys(rows.map((r) => r.c), (c) => JSON.stringify(rows.find((r) => r.c === c), (k, v) => (k === "c" ? undefined : v)));
  const result: ServiceTrafficPlan = { diagnostics: {}, ifLocalityFails: {}, ...(routed(routing) ? { decidedBy: {} } : {}) };
  const keyOf = (r: (typeof rows)[number]) => keys.get(r.c) ?? r.c.locality;
  for (const r of [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))) {
    const key = keyOf(r);
    result[key] = r.shares;
    result.diagnostics[key] = r.diagnostics;
    result.ifLocalityFails[key] = r.failed;
    if (result.decidedBy) result.decidedBy[key] = r.decision;
    if (r.firstHop) (result.firstHop ??= {})[key] = r.firstHop;
  }
  return result;
}

/** The decision without per-destination shares (the plan's own shares already combine them). */
function summary(d: RouteDecision): PlanDecision {
  return { kind: d.kind, ...(d.route ? { route: d.route } : {}), clusterLocal: d.clusterLocal, destinations: d.destinations.map((x) => ({ ...(x.subset !== undefined ? { subset: x.subset } : {}), weight: Math.round(x.weight * 1e6) / 1e6 })) };
}

export function planTraffic(spec: MeshSpec, plan: MeshPlan): TrafficPlan {
  return Object.fromEntries(spec.traffic.policies.map((p) => [p.service, servicePlan(spec, plan, p)]));
}

/** The `trafficModel` output: the drill recomputes predictions for other failures from it. */
export function trafficModel(spec: MeshSpec, plan: MeshPlan): TrafficModelOutput {
  return Object.fromEntries(
    spec.traffic.policies.map((p) => {
      const s = scenarioOf(spec, plan, p);
      const routing = routingOf(spec, p);
      return [
        p.service,
        {
          localityLbSetting: s.localityLbSetting ?? null,
          outlierDetection: s.outlierDetection === undefined || s.outlierDetection === null ? false : s.outlierDetection,
          endpoints: s.endpoints.map(({ locality, count, cluster, network }) => ({ locality, count, cluster, network })),
          networkGateways: s.networkGateways ?? [],
          networks: Object.fromEntries(spec.clusters.map((c) => [c.name, c.network])),
          istioVersion: spec.versions.istio,
          // Routed services: the drill needs each endpoint's cluster and the routes to predict per client.
          ...(routed(routing) ? { routing, placedEndpoints: s.endpoints.map((e) => ({ ...e, labels: e.labels ?? {} })) } : {}),
        },
      ];
    }),
  );
}

/** The `workloads` output: where backends and clients run. */
export function workloads(spec: MeshSpec, plan: MeshPlan): WorkloadsOutput {
  return {
    services: spec.traffic.services.map((s) => ({
      name: s.name,
      namespace: s.namespace,
      port: s.port,
      replicas: s.replicas,
      placements: plan.backends
        .filter((b) => b.service === s.name && b.namespace === s.namespace)
        .map((b) => ({ locality: b.locality, cluster: b.cluster, deployment: deploymentName(s.name, b.locality) })),
    })),
    clients: plan.clients.map((c) => ({ ...c })),
  };
}

const BAR_WIDTH = 20;

function bar(fraction: number): string {
  const n = Math.round(fraction * BAR_WIDTH);
  return "█".repeat(n) + "·".repeat(BAR_WIDTH - n);
}

function shareLines(shares: Shares, indent: string): string[] {
  const entries = Object.entries(shares).filter(([, v]) => v > 0).sort(([a], [b]) => a.localeCompare(b));
  // In whole millionths (the plan's resolution): failures show only when the model left requests unserved.
  const failingMicros = MICRO - entries.reduce((sum, [, v]) => sum + Math.round(v * MICRO), 0);
  const failing = failingMicros / MICRO;
  const lines = entries.map(([loc, v]) => `${indent}${loc.padEnd(24)} ${bar(v)} ${(v * 100).toFixed(1).padStart(5)}%`);
  if (failingMicros > 0) lines.push(`${indent}${"(requests fail)".padEnd(24)} ${bar(failing)} ${(failing * 100).toFixed(1).padStart(5)}%`);
  return lines;
}

/** The compact table logged on every preview and up, one block per policy. */
export function formatServicePlan(service: string, plan: ServiceTrafficPlan): string {
  const lines = [`Predicted split for ${service}:`];
  for (const [key, shares] of Object.entries(plan)) {
    if (!key.includes("/")) continue;
    const locality = key.split("@")[0];
    lines.push(`  from ${key}:`, ...shareLines(shares as Shares, "    "));
    const first = plan.firstHop?.[key];
    if (first) lines.push(`  of which the client's sidecar sends (first hop, gateway shares under their locality):`, ...shareLines(first, "    "));
    lines.push(`  if ${locality} loses its backends:`, ...shareLines(plan.ifLocalityFails[key] ?? {}, "    "));
    for (const d of (plan.diagnostics[key] ?? []) as Diagnostic[]) lines.push(`  note (${d.code}): ${d.message}`);
  }
  return lines.join("\n");
}
