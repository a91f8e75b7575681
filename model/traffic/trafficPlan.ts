/**
 * The predicted split, before deploying: for every policy and every client locality, where requests go
 * (the `trafficPlan` output), where they go when the client's own locality loses its backends, and the
 * compact table printed on every preview. Pure: built from the spec and the plan with the locality model.
 */
import { localityMatch, predictTraffic, type LocalityLbSetting, type TrafficScenario } from "./locality";
import { isPlainObject } from "../config/problems";
import type { MeshPlan } from "../build/plan";
import type { TrafficModelOutput, WorkloadsOutput } from "../build/outputs";
import type { Diagnostic, MeshSpec, PolicySpec, ServiceTrafficPlan, Shares, TrafficPlan } from "../types";

const CLUSTER_LABEL = "topology.istio.io/cluster";
const NETWORK_LABEL = "topology.istio.io/network";

/** `east/zone1` -> `east-zone1`: a locality as part of a DNS-1123 name. */
export function localityName(locality: string): string {
  return locality.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The backend Deployment of a service in a locality. */
export function deploymentName(service: string, locality: string): string {
  return `${service}-${localityName(locality)}`.slice(0, 63).replace(/-+$/, "");
}

/** What predictTraffic needs besides the client, for one policy: from the DR as written and the placements. */
export function scenarioOf(spec: MeshSpec, plan: MeshPlan, policy: PolicySpec): Omit<TrafficScenario, "client"> {
  const lb = policy.trafficPolicy.loadBalancer;
  const setting = isPlainObject(lb) && isPlainObject(lb.localityLbSetting) ? (lb.localityLbSetting as LocalityLbSetting) : undefined;
  const od = policy.trafficPolicy.outlierDetection;
  const outlierDetection =
    od === undefined ? false : isPlainObject(od) && typeof od.minHealthPercent === "number" ? { minHealthPercent: od.minHealthPercent } : true;
  const network = (cluster: string) => spec.clusters.find((c) => c.name === cluster)?.network ?? "";
  const endpoints = plan.backends
    .filter((b) => b.service === policy.service)
    .map((b) => ({ locality: b.locality, count: b.replicas, labels: { [CLUSTER_LABEL]: b.cluster, [NETWORK_LABEL]: network(b.cluster) } }));
  return { endpoints, localityLbSetting: setting, outlierDetection, istioVersion: spec.versions.istio };
}

function clientScenario(spec: MeshSpec, plan: MeshPlan, locality: string): TrafficScenario["client"] {
  const cluster = plan.clients.find((c) => c.locality === locality)?.cluster ?? "";
  const network = spec.clusters.find((c) => c.name === cluster)?.network ?? "";
  return { locality, labels: { [CLUSTER_LABEL]: cluster, [NETWORK_LABEL]: network } };
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

/** One policy's plan: shares per client locality, diagnostics, and the shares when the client's locality fails. */
function servicePlan(spec: MeshSpec, plan: MeshPlan, policy: PolicySpec): ServiceTrafficPlan {
  const base = scenarioOf(spec, plan, policy);
  const result: ServiceTrafficPlan = { diagnostics: {}, ifLocalityFails: {} };
  for (const locality of [...new Set(plan.clients.map((c) => c.locality))].sort()) {
    const client = clientScenario(spec, plan, locality);
    const now = predictTraffic({ ...base, client });
    const failed = predictTraffic({ ...base, client, endpoints: base.endpoints.filter((e) => e.locality !== locality) });
    result[locality] = rounded(now.shares);
    result.diagnostics[locality] = [...now.diagnostics, ...distributeNote(base.localityLbSetting, locality)];
    result.ifLocalityFails[locality] = rounded(failed.shares);
  }
  return result;
}

export function planTraffic(spec: MeshSpec, plan: MeshPlan): TrafficPlan {
  return Object.fromEntries(spec.traffic.policies.map((p) => [p.service, servicePlan(spec, plan, p)]));
}

/** The `trafficModel` output: the drill recomputes predictions for other failures from it. */
export function trafficModel(spec: MeshSpec, plan: MeshPlan): TrafficModelOutput {
  return Object.fromEntries(
    spec.traffic.policies.map((p) => {
      const s = scenarioOf(spec, plan, p);
      const counts = new Map<string, number>();
      for (const e of s.endpoints) counts.set(e.locality, (counts.get(e.locality) ?? 0) + e.count);
      return [
        p.service,
        {
          localityLbSetting: s.localityLbSetting ?? null,
          outlierDetection: s.outlierDetection === undefined || s.outlierDetection === null ? false : s.outlierDetection,
          endpoints: [...counts].map(([locality, count]) => ({ locality, count })),
          istioVersion: spec.versions.istio,
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
  for (const [locality, shares] of Object.entries(plan)) {
    if (locality === "diagnostics" || locality === "ifLocalityFails") continue;
    lines.push(`  from ${locality}:`, ...shareLines(shares as Shares, "    "));
    lines.push(`  if ${locality} loses its backends:`, ...shareLines(plan.ifLocalityFails[locality] ?? {}, "    "));
    for (const d of (plan.diagnostics[locality] ?? []) as Diagnostic[]) lines.push(`  note (${d.code}): ${d.message}`);
  }
  return lines.join("\n");
}
