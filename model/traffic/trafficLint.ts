/**
 * DestinationRule lint against the real topology: Istio's published schema, Istio's own
 * validation of `localityLbSetting`, and every `from`/`to`/failover name matched against the localities
 * the stack's nodes really have — the mistakes that make a weighted split or a failover silently vanish.
 */
import { localityMatch, parseLocality, validateLocalityLbSetting, type LocalityLbSetting } from "./locality";
import { trafficPolicySchema, validateAgainstSchema } from "./openapi";
import { Problems, childPath, closest, isPlainObject } from "../config/problems";
import { lintNetworkHazards } from "./networkHazards";
import type { ClientSpec, ClusterSpec, ServiceSpec } from "../types";
import { nodeLocalities, type TrafficInput } from "../config/trafficSpec";

/** Patterns a user most likely meant, for did-you-mean: each real locality, its zone and its region. */
function patternCandidates(localities: string[]): string[] {
  return [
    ...new Set(
      localities.flatMap((l) => {
        const { region, zone } = parseLocality(l);
        return [l, `${region}/${zone}/*`, `${region}/${zone}`, `${region}/*`, region];
      }),
    ),
  ];
}

function suggestion(pattern: string, localities: string[]): string {
  const hit = closest(pattern, patternCandidates(localities));
  return hit ? ` Did you mean "${hit}"?` : "";
}

/** A `from`/`to` pattern must match a real locality, and keep to three segments (Istio drops the rest). */
function checkPattern(p: Problems, path: string, pattern: string, localities: string[]): boolean {
  const segments = pattern.split("/");
  if (segments.length > 3) {
    const { region, zone, subzone } = parseLocality(pattern);
    p.error(
      path,
      `"${pattern}" has ${segments.length} segments; Istio reads it as region "${region}", zone "${zone}", subzone "${subzone}" and drops the rest. Write at most three: region/zone/subzone, or a prefix of one ending in "*" ("region/*", "region/zone/*"); this topology has: ${localities.join(", ")}.${suggestion(pattern, localities)}`,
    );
    return false;
  }
  if (localities.length > 0 && !localities.some((l) => localityMatch(l, pattern))) {
    p.error(
      path,
      `"${pattern}" matches no locality of this topology (${localities.join(", ")}), so its share is silently lost.${suggestion(pattern, localities)}`,
    );
    return false;
  }
  return true;
}

function lintDistribute(p: Problems, path: string, setting: LocalityLbSetting, service: ServiceSpec | undefined, clients: ClientSpec[], all: string[]): void {
  const distribute = setting.distribute ?? [];
  distribute.forEach((rule, i) => {
    const at = childPath(childPath(path, "distribute"), i);
    if (typeof rule.from === "string") checkPattern(p, childPath(at, "from"), rule.from, all);
    if (isPlainObject(rule.to)) {
      for (const key of Object.keys(rule.to)) checkPattern(p, childPath(childPath(at, "to"), key), key, all);
    }
  });
  if (distribute.length === 0) return;
  for (const client of clients) {
    const rule = distribute.find((r) => typeof r.from === "string" && localityMatch(client.locality, r.from));
    if (!rule) {
      p.warn(childPath(path, "distribute"), `no "from" covers the client in "${client.locality}": its requests are spread by endpoint count over every locality, with no locality preference and no failover.`);
      continue;
    }
    for (const destination of service?.localities ?? []) {
      if (!Object.keys(rule.to ?? {}).some((key) => localityMatch(destination, key))) {
        p.warn(childPath(path, `distribute`), `from "${rule.from}", no "to" key covers "${destination}": it gets 0% of the traffic from "${client.locality}" and is never a failover target.`);
      }
    }
  }
}

function lintFailover(p: Problems, path: string, setting: LocalityLbSetting, all: string[]): void {
  const regions = [...new Set(all.map((l) => parseLocality(l).region))];
  (setting.failover ?? []).forEach((rule, i) => {
    for (const side of ["from", "to"] as const) {
      const region = rule[side];
      if (typeof region === "string" && !region.includes("/") && !region.includes("*") && !regions.includes(region)) {
        const hit = closest(region, regions);
        p.error(childPath(childPath(childPath(path, "failover"), i), side), `"${region}" is not a region of this topology (${regions.join(", ")}); failover names regions only.${hit ? ` Did you mean "${hit}"?` : ""}`);
      }
    }
  });
}

const WEIGHTS = "Each `to` map of a distribute rule gives whole percentages from 1 to 100 that add up to exactly 100";

/** Where Istio's validation message points in the setting, and how to fix it. */
export function explainIstioError(message: string, setting: LocalityLbSetting, path: string): { path: string; fix: string } {
  const distribute = setting.distribute ?? [];
  const toOf = (i: number) => childPath(childPath(childPath(path, "distribute"), i), "to");
  const total = /^total locality weight (\d+) != 100$/.exec(message);
  if (total) {
    const i = distribute.findIndex((r) => Object.values(r.to ?? {}).reduce((a, b) => a + b, 0) === Number(total[1]));
    return { path: i >= 0 ? toOf(i) : path, fix: `${WEIGHTS}: change the weights so they do.` };
  }
  if (message.startsWith("locality weight must be in range")) {
    for (const [i, rule] of distribute.entries()) {
      const bad = Object.entries(rule.to ?? {}).find(([, w]) => !(w > 0 && w <= 100));
      if (bad) return { path: childPath(toOf(i), bad[0]), fix: `${WEIGHTS}; to send a locality nothing, leave its key out.` };
    }
    return { path, fix: `${WEIGHTS}.` };
  }
  if (message.startsWith("can not simultaneously specify 'distribute' and 'failover'")) {
    return { path, fix: "Use distribute for a fixed split, or failover (with outlierDetection) for an order of preference, not both." };
  }
  if (message.includes("wildcard '*' number")) return { path, fix: 'Use "*" only once, as a whole last segment: "region/*" or "region/zone/*".' };
  if (message.includes("overlap with previous")) return { path, fix: "Two patterns cover the same localities (e.g. \"r1/*\" and \"r1/z1/*\"): keep one." };
  if (message.includes("empty region/zone/subzone")) return { path, fix: 'Remove the empty segment ("a//b" -> "a/b").' };
  if (message.includes("failover")) return { path: childPath(path, "failover"), fix: 'Each failover rule names two different regions, e.g. { from: "east", to: "west" }: no "/", no "*".' };
  return { path, fix: "See Istio's LocalityLoadBalancerSetting reference." };
}

/**
 * Lints every policy. `clusters` is undefined while the topology has errors: the schema and Istio's own
 * validation still run, the checks against real localities wait.
 */
export function lintPolicies(p: Problems, traffic: TrafficInput, clusters: ClusterSpec[] | undefined, istioVersion?: string): void {
  const { policies, policyPaths, services, clients } = traffic;
  policies.forEach((policy, i) => {
    const path = childPath(policyPaths[i], "trafficPolicy");
    const schemaErrors = validateAgainstSchema(policy.trafficPolicy, trafficPolicySchema, path);
    schemaErrors.forEach((e) => p.error(e.path, e.message));
    const service = services.find((s) => s.name === policy.service);
    if (clients.length === 0) {
      p.warn(path, `no client is configured, so there is no traffic plan to predict and nothing for verify to measure; add one under traffic.clients.`);
    }
    const lb = policy.trafficPolicy.loadBalancer;
    const raw = isPlainObject(lb) ? lb.localityLbSetting : undefined;
    const admitted = schemaErrors.length === 0 && (!isPlainObject(raw) || validateLocalityLbSetting(raw as LocalityLbSetting, true).errors.length === 0);
    if (service && clusters && admitted) lintNetworkHazards(p, path, policy, service, clusters, clients, istioVersion);
    if (!isPlainObject(raw) || schemaErrors.length > 0) return;
    const setting = raw as LocalityLbSetting;
    const settingPath = childPath(childPath(path, "loadBalancer"), "localityLbSetting");
    const hasOutlierDetection = policy.trafficPolicy.outlierDetection !== undefined;
    const verdict = validateLocalityLbSetting(setting, hasOutlierDetection);
    verdict.errors.forEach((message) => {
      const e = explainIstioError(message, setting, settingPath);
      p.error(e.path, `${message} (Istio rejects this DestinationRule). ${e.fix}`);
    });
    const failing = (setting.failover?.length ?? 0) > 0 || (setting.failoverPriority?.length ?? 0) > 0;
    if (failing && !hasOutlierDetection) {
      const field = (setting.failover?.length ?? 0) > 0 ? "failover" : "failoverPriority";
      p.error(
        childPath(settingPath, field),
        `${field} without outlierDetection does nothing: Istio admits the rule with only a warning, but programs no priorities, so traffic never fails over. Add trafficPolicy.outlierDetection, e.g. { consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m }.`,
      );
    }
    if (verdict.errors.length > 0 || !clusters) return;
    const all = nodeLocalities(clusters);
    lintDistribute(p, settingPath, setting, service, clients, all);
    lintFailover(p, settingPath, setting, all);
  });
}
