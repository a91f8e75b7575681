// Findings about one client's traffic, each a sentence a platform engineer can act on.
import type { EnvoyPriorityLoad } from "./envoy";
import { describePattern, localityMatch, parseLocality } from "./parse";
import type { DistributeTrace, LbGroup } from "./rewrite";
import { nonEmpty, trafficDistributionPriority } from "./settings";
import type { Diagnostic, LocalityLbSetting } from "./types";

/** Everything the diagnostics look at, gathered by predictTraffic. */
export interface DiagnosisInput {
  client: string;
  istioVersion: string;
  destinationRule: LocalityLbSetting | null;
  serviceTrafficDistribution: string | null;
  setting: LocalityLbSetting | null;
  enableFailover: boolean;
  /** Groups as EDS builds them, before the rewrite. */
  eds: LbGroup[];
  /** Groups after the rewrite. */
  groups: LbGroup[];
  distribute?: DistributeTrace;
  notReadyDropped: { locality: string; count: number }[];
  inputEndpoints: number;
  shares: Record<string, number>;
  priorityLoad: EnvoyPriorityLoad;
  panicThreshold: number;
}

/** All findings, in pipeline order: settings, distribute, endpoints, Envoy. */
export function diagnose(d: DiagnosisInput): Diagnostic[] {
  return [
    ...trafficDistribution(d),
    ...ignoredFailover(d),
    ...failoverFromNotMatching(d),
    ...distributeFindings(d),
    ...notReady(d),
    ...noEndpoints(d),
    ...panicking(d),
    ...failing(d),
  ];
}

function trafficDistribution(d: DiagnosisInput): Diagnostic[] {
  const td = d.serviceTrafficDistribution ?? "";
  if (td === "") return [];
  const forced = trafficDistributionPriority(td, d.istioVersion);
  if (!forced) {
    return [diag("traffic-distribution-ignored",
      `The Service's trafficDistribution "${td}" has no effect in Istio ${d.istioVersion}: it is not a value that release recognises (PreferClose from 1.25; PreferSameZone and PreferSameNode from 1.27), so no failover order is forced.`)];
  }
  if (!d.destinationRule) return [];
  return [diag("traffic-distribution-overridden",
    `The Service's trafficDistribution "${td}" is overridden by the DestinationRule's localityLbSetting, which istiod uses as a whole: the forced failoverPriority [${forced.join(", ")}] does not apply.`)];
}

function ignoredFailover(d: DiagnosisInput): Diagnostic[] {
  const s = d.setting;
  if (!s || s.enabled === false) return [];
  const fields = [nonEmpty(s.failover) ? "failover" : "", nonEmpty(s.failoverPriority) ? "failoverPriority" : ""].filter(Boolean);
  if (fields.length === 0) return [];
  const what = `${list(fields.map((f) => `\`${f}\``))} ${fields.length > 1 ? "are" : "is"}`;
  if (nonEmpty(s.distribute)) {
    return [diag("distribute-overrides-failover",
      `localityLbSetting sets both \`distribute\` and ${list(fields.map((f) => `\`${f}\``))}; istiod applies only distribute, so ${what} ignored and no failover priorities are programmed.`)];
  }
  if (d.enableFailover) return [];
  return [diag("failover-without-outlier-detection",
    `${capitalise(what)} ignored because the traffic policy has no outlierDetection: every locality stays at priority 0 without locality weights, so clients in ${d.client} spread requests by endpoint count (${summary(d.shares)}) with no locality preference and no failover. Add outlierDetection (an empty {} is enough) to the same traffic policy.`)];
}

// applyLocalityFailover uses only a rule whose `from` is the client's region; otherwise foreign regions tie.
function failoverFromNotMatching(d: DiagnosisInput): Diagnostic[] {
  const s = d.setting;
  if (!s || s.enabled === false || nonEmpty(s.distribute) || !nonEmpty(s.failover) || !d.enableFailover) return [];
  const region = parseLocality(d.client).region;
  if (s.failover.some((r) => r.from === region)) return [];
  const foreign = [...new Set(d.eds.map((g) => parseLocality(g.locality).region).filter((r) => r !== region))];
  if (foreign.length < 2) return [];
  return [diag("failover-from-not-matching-client",
    `No failover rule has from "${region}", the region of clients in ${d.client}, so the rules do not apply to them: the other regions (${list(foreign)}) share one priority and get their traffic together.`)];
}

function distributeFindings(d: DiagnosisInput): Diagnostic[] {
  const rules = d.setting?.enabled === false ? [] : d.setting?.distribute ?? [];
  const trace = d.distribute;
  if (rules.length === 0 || !trace) return [];
  const rule = rules[trace.ruleIndex];
  if (!rule) {
    const froms = rules.map((r) => `"${r.from}" (read as ${describePattern(r.from)})`);
    return [diag("from-not-matching-client",
      `No distribute rule applies to clients in ${d.client}: ${list(froms)} ${froms.length > 1 ? "do" : "does"} not match it. Their requests are spread by endpoint count over all localities (${summary(d.shares)}), and no failover is applied either, even with outlierDetection.`)];
  }
  return [...unmatchedKeys(d, rule, trace), ...overlappingKeys(d, rule, trace), ...removed(d, rule, trace), ...rounding(d, trace)];
}

function unmatchedKeys(d: DiagnosisInput, rule: { from: string }, trace: DistributeTrace): Diagnostic[] {
  const localities = d.eds.map((g) => g.locality);
  const unmatched = trace.claims.filter((c) => !localities.some((l) => localityMatch(l, c.key)));
  const rest = unmatched.length === trace.claims.length ? "no other key matches either" : "Envoy renormalises the other weights";
  return unmatched.map((c) => diag("unmatched-to-key",
    `The distribute \`to\` key "${c.key}" (${c.percent}%) for clients matching "${rule.from}" matches no endpoint locality: istiod reads it as ${describePattern(c.key)}${c.key.split("/").length > 3 ? " (everything after the third segment is dropped)" : ""}, while the endpoints are in ${list(localities) || "no locality"}. Its ${c.percent}% is lost and ${rest}.`));
}

// One finding per set of keys that compete for the same localities.
function overlappingKeys(d: DiagnosisInput, rule: { from: string }, trace: DistributeTrace): Diagnostic[] {
  const contested = new Map<string, { keys: string[]; localities: string[]; winners: Set<string> }>();
  d.eds.forEach((g, i) => {
    const keys = trace.claims.filter((c) => localityMatch(g.locality, c.key)).map((c) => c.key);
    if (keys.length < 2) return;
    const entry = contested.get(keys.join("\n")) ?? { keys, localities: [], winners: new Set<string>() };
    entry.localities.push(g.locality);
    entry.winners.add(trace.claims.find((c) => c.groups.includes(i))?.key ?? "");
    contested.set(keys.join("\n"), entry);
  });
  return [...contested.values()].map(({ keys, localities, winners }) => {
    const these = localities.length > 1 ? `Localities ${list(localities)} match` : `Locality ${localities[0] ?? ""} matches`;
    return diag("overlapping-to-keys",
      `${these} several \`to\` keys of the distribute rule for "${rule.from}": ${list(keys.map((k) => `"${k}"`))}. istiod lets the keys claim localities in Go map order, which changes between pushes and proxies, so the weight of ${list(localities)} is not stable; this prediction assumes ${list([...winners].map((k) => `"${k}"`))}, written first, claims ${localities.length > 1 ? "them" : "it"}. Make the keys disjoint.`);
  });
}

function removed(d: DiagnosisInput, rule: { from: string }, trace: DistributeTrace): Diagnostic[] {
  return trace.removed.flatMap((i) => {
    const g = d.eds[i];
    if (!g || hostCount(g) === 0) return [];
    return [diag("removed-locality",
      `${g.locality} gets no traffic from clients in ${d.client}: no \`to\` key of the distribute rule for "${rule.from}" matches it, so istiod removes its ${plural(hostCount(g), "endpoint")} for these clients, and it is not a failover target either.`)];
  });
}

function rounding(d: DiagnosisInput, trace: DistributeTrace): Diagnostic[] {
  const programmed = d.groups.filter((g) => hostCount(g) > 0).reduce((s, g) => s + (g.weight ?? 0), 0);
  return trace.claims.flatMap((c) => {
    const originals = c.groups.map((i) => d.eds[i]?.weight ?? 1);
    const total = originals.reduce((a, b) => a + b, 0);
    if (originals.every((w) => Number.isInteger((w * c.percent) / total))) return [];
    const parts = c.groups.map((i, n) => `${d.eds[i]?.locality ?? ""} = ${c.weights[n] ?? 0}`);
    return [diag("ceil-rounding",
      `The ${c.percent}% for "${c.key}" is split in proportion to endpoint weight and rounded up: ${list(parts)}. The programmed locality weights add up to ${programmed}, so the real shares differ slightly from the written percentages.`)];
  });
}

function notReady(d: DiagnosisInput): Diagnostic[] {
  if (d.notReadyDropped.length === 0) return [];
  const parts = d.notReadyDropped.map((n) => `${plural(n.count, "endpoint")} in ${n.locality}`);
  return [diag("not-ready-dropped",
    `Istio ${d.istioVersion} leaves not-ready endpoints out of EDS (${list(parts)}): they count neither in the locality weights nor in Envoy's health.`)];
}

function noEndpoints(d: DiagnosisInput): Diagnostic[] {
  if (d.groups.some((g) => hostCount(g) > 0)) return [];
  const outcome = `every request from ${d.client} fails with 503 "no healthy upstream"`;
  let why = "the service has no endpoints";
  if (d.inputEndpoints > 0 && d.eds.length === 0) why = `none of its endpoints are ready and Istio ${d.istioVersion} does not send not-ready endpoints`;
  else if (d.eds.length > 0) {
    const from = d.setting?.distribute?.[d.distribute?.ruleIndex ?? -1]?.from ?? "";
    why = `the distribute rule for "${from}" removed every locality (${list(d.eds.map((g) => g.locality))}) for this client`;
  }
  return [diag("no-endpoints", `No endpoints are left for clients in ${d.client}: ${why}, so ${outcome}.`)];
}

function panicking(d: DiagnosisInput): Diagnostic[] {
  const pl = d.priorityLoad;
  return pl.panic.flatMap((panic, p) => {
    const load = pl.healthyLoad[p] ?? 0;
    const inP = d.groups.filter((g) => g.priority === p);
    const hosts = inP.reduce((n, g) => n + hostCount(g), 0);
    if (!panic || load === 0 || hosts === 0) return [];
    const healthy = inP.reduce((n, g) => n + g.endpoints.reduce((h, s) => h + s.healthy, 0), 0);
    return [diag("panic-mode",
      `Priority ${p} (${list(inP.map((g) => g.locality))}) is in panic: ${round1((100 * healthy) / hosts)}% of its ${hosts} endpoints are healthy, below the ${d.panicThreshold}% panic threshold, so Envoy sends its ${load}% of requests to all of them, unhealthy ones included, and ignores locality weights.`)];
  });
}

function failing(d: DiagnosisInput): Diagnostic[] {
  const served = Object.values(d.shares).reduce((a, b) => a + b, 0);
  if (served > 1 - 1e-9 || !d.groups.some((g) => hostCount(g) > 0)) return [];
  return [diag("no-healthy-endpoints",
    `${round1(100 * (1 - served))}% of requests from ${d.client} fail with 503 "no healthy upstream": the priority they are sent to has no healthy endpoint Envoy may use${d.panicThreshold === 0 ? ", and with a panic threshold of 0 Envoy never falls back to unhealthy ones" : ""}.`)];
}

function hostCount(g: LbGroup): number {
  return g.endpoints.reduce((n, s) => n + s.count, 0);
}

function diag(code: string, message: string): Diagnostic {
  return { code, message };
}

function summary(shares: Record<string, number>): string {
  const parts = Object.entries(shares).map(([l, s]) => `${l} ${round1(100 * s)}%`);
  return parts.length > 0 ? parts.join(", ") : "every request fails";
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function round1(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
