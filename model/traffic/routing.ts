/**
 * The routing stage in front of the locality model (contract §3: the plan is "after routes, subsets, cluster-local
 * settings and both hops"). Per client, as istiod 1.31 builds it: the first VirtualService http route the client's
 * request takes, its weights across destinations, each destination's subset (endpoint labels include the topology
 * labels Istio adds), `clusterLocal` (only the client's own cluster's endpoints), then predictTraffic per destination
 * with the subset's merged trafficPolicy; the shares are combined by weight. Pure.
 */
import { isPlainObject } from "../config/problems";
import { augmentLabels, predictTraffic, type Diagnostic, type LocalityLbSetting, type TrafficPrediction, type TrafficScenario } from "./locality";
import { chooseRoute, probeRequest, type RouteChoice } from "./routing/match";

export const CLUSTER_LABEL = "topology.istio.io/cluster";
export const NETWORK_LABEL = "topology.istio.io/network";

/** What routing needs of one service besides the locality scenario; plain data (the trafficModel output carries it). */
export interface ServiceRouting {
  service: string;
  namespace: string;
  port: number;
  /** The DestinationRule's top-level trafficPolicy and its subsets, as written. */
  trafficPolicy: Record<string, unknown>;
  subsets: Record<string, unknown>[];
  /** The VirtualService's http routes; absent when the stack routes nothing for this service. */
  http?: Record<string, unknown>[];
  /** meshConfig.serviceSettings make the host cluster-local. */
  clusterLocal: boolean;
}

/** A client as routing sees it: its pod labels (e.g. `app`), where it runs, and its namespace. */
export interface RoutedClient {
  locality: string;
  cluster: string;
  network: string;
  namespace: string;
  podLabels: Record<string, string>;
}

/** One destination of the deciding route, with its weight (fraction), its own split and load assignment. */
export interface RoutedDestination {
  subset?: string;
  weight: number;
  shares: Record<string, number>;
  assignment: TrafficPrediction["assignment"];
}

/** What decided a client's requests: the route (or none) and its destinations. */
export interface RouteDecision {
  /** "default": no VirtualService route applies to this client, so the plain service is used. */
  kind: "default" | "route" | "no-match" | "no-upstream";
  /** `http[index]` of the service's VirtualService, and its name when it has one. */
  route?: { index: number; name?: string };
  clusterLocal: boolean;
  destinations: RoutedDestination[];
}

/** The demo backends' pod labels: `app` and `version` (`<region>.<zone>[.<subzone>]`; label values cannot hold "/"). */
export function versionLabel(locality: string): string {
  return locality.split("/").filter((p) => p !== "").join(".");
}

export function backendLabels(service: string, locality: string): Record<string, string> {
  return { app: service, version: versionLabel(locality) };
}

/** A trafficPolicy's locality setting and outlier detection, as predictTraffic takes them. */
export function localityPolicy(policy: Record<string, unknown>): Pick<TrafficScenario, "localityLbSetting" | "outlierDetection"> {
  const lb = policy.loadBalancer;
  const setting = isPlainObject(lb) && isPlainObject(lb.localityLbSetting) ? (lb.localityLbSetting as LocalityLbSetting) : undefined;
  const od = policy.outlierDetection;
  const outlierDetection = od === undefined ? false : isPlainObject(od) && typeof od.minHealthPercent === "number" ? { minHealthPercent: od.minHealthPercent } : true;
  return { localityLbSetting: setting, outlierDetection };
}

/** MergeTrafficPolicy (pilot/pkg/model/destination_rule.go): a field the subset sets replaces the rule's, whole. */
export function mergeSubsetPolicy(top: Record<string, unknown>, subset: unknown): Record<string, unknown> {
  if (!isPlainObject(subset)) return top;
  const merged = { ...top };
  for (const key of ["connectionPool", "outlierDetection", "loadBalancer", "tls", "tunnel", "proxyProtocol", "retryBudget"]) {
    if (subset[key] !== undefined) merged[key] = subset[key];
  }
  return merged;
}

/** The proxy's labels as istiod sees them (xds/ads.go: pod labels + region/zone/subzone, cluster, network). */
export function proxyLabels(client: RoutedClient): Record<string, string> {
  return { ...augmentLabels(client.podLabels, client.locality), [CLUSTER_LABEL]: client.cluster, [NETWORK_LABEL]: client.network };
}

function routeDestinations(routing: ServiceRouting, choice: RouteChoice): { subset?: string; weight: number }[] {
  if (choice.kind === "no-route-for-proxy") return [{ weight: 1 }];
  if (choice.kind === "no-match") return [];
  const route = routing.http?.[choice.index];
  const list = Array.isArray(route?.route) ? route.route.filter(isPlainObject) : [];
  const dest = (d: Record<string, unknown>) => (isPlainObject(d.destination) && typeof d.destination.subset === "string" && d.destination.subset !== "" ? d.destination.subset : undefined);
  if (list.length === 1) return [{ subset: dest(list[0]), weight: 1 }];
  // route.go: with several destinations, weight-0 ones are left out and Envoy splits by the remaining weights.
  const weighted = list.map((d) => ({ subset: dest(d), w: typeof d.weight === "number" ? d.weight : 0 })).filter((d) => d.w > 0);
  const total = weighted.reduce((s, d) => s + d.w, 0);
  return weighted.map((d) => ({ subset: d.subset, weight: d.w / total }));
}

function describeRoute(routing: ServiceRouting, choice: RouteChoice, clusterLocal: boolean, client: RoutedClient): Diagnostic[] {
  const out: Diagnostic[] = [];
  const vs = `VirtualService ${routing.service}`;
  if (choice.kind === "route") {
    const route = routing.http?.[choice.index];
    const name = typeof route?.name === "string" ? ` "${route.name}"` : "";
    const via = choice.match === undefined ? "it has no match, so it takes every request" : `its match[${choice.match}] holds for this client`;
    out.push({ code: "route", message: `${vs} http[${choice.index}]${name} decides: ${via}.` });
  } else if (choice.kind === "no-match") {
    out.push({ code: "route-no-match", message: `${vs} has routes for this client, but none matches verify's request (GET /hello): Envoy answers 404 and no request reaches a backend.` });
  } else if (routing.http) {
    out.push({ code: "route-default", message: `no route of ${vs} applies to this client (sourceLabels, sourceNamespace, gateways or port), so istiod leaves it out and the plain service (every endpoint, no subset) is used.` });
  }
  if (clusterLocal) out.push({ code: "cluster-local", message: `${routing.service}.${routing.namespace}.svc.cluster.local is cluster-local (meshConfig.serviceSettings): this client sees only the endpoints in its own cluster ${client.cluster}.` });
  return out;
}

/**
 * One client's split after routing: shares per endpoint locality (summing to less than 1 where requests fail),
 * the diagnostics (the deciding route and subset first), and the decision itself.
 */
export function predictRouted(
  base: Omit<TrafficScenario, "client">,
  routing: ServiceRouting,
  client: RoutedClient,
): { shares: Record<string, number>; diagnostics: Diagnostic[]; decision: RouteDecision; firstHop?: Record<string, number> } {
  const labels = proxyLabels(client);
  const choice: RouteChoice = routing.http
    ? chooseRoute(routing.http, { labels, namespace: client.namespace }, routing.port, probeRequest(routing.service, routing.namespace, routing.port))
    : { kind: "no-route-for-proxy" };
  const diagnostics = describeRoute(routing, choice, routing.clusterLocal, client);
  const dests = routeDestinations(routing, choice);
  if (choice.kind === "route" && dests.length === 0) {
    diagnostics.push({ code: "route-no-upstream", message: `that route sends no request to a backend (redirect, directResponse or delegate): the plan counts its requests as failing.` });
  }
  const shares: Record<string, number> = {};
  // The split at the client's sidecar, kept where some requests cross a network (the gateway splits them again).
  const firstHop: Record<string, number> = {};
  let crosses = false;
  const destinations: RoutedDestination[] = [];
  for (const d of dests) {
    const subset = d.subset === undefined ? undefined : routing.subsets.find((s) => s.name === d.subset);
    if (d.subset !== undefined && !subset) {
      diagnostics.push({ code: "unknown-subset", message: `subset "${d.subset}" is not in the DestinationRule: Envoy has no such cluster and answers 503 for ${pct(d.weight)} of the requests.` });
      destinations.push({ subset: d.subset, weight: d.weight, shares: {}, assignment: [] });
      continue;
    }
    const want = subset && isPlainObject(subset.labels) ? subset.labels : {};
    const endpoints = base.endpoints.filter((e) => {
      const epLabels = augmentLabels({ ...backendLabels(routing.service, e.locality), ...e.labels }, e.locality);
      if (!Object.entries(want).every(([k, v]) => epLabels[k] === v)) return false;
      return !routing.clusterLocal || e.labels?.[CLUSTER_LABEL] === client.cluster;
    });
    const policy = mergeSubsetPolicy(routing.trafficPolicy, subset?.trafficPolicy);
    // cluster/network ride along for the multi-network model (contract §2 additions); without gateways they change nothing.
    const where: Record<string, string> = { cluster: client.cluster, network: client.network };
    const prediction = predictTraffic({ ...base, ...localityPolicy(policy), endpoints, client: { locality: client.locality, labels, ...where } });
    if (d.subset !== undefined) {
      const shown = Object.entries(want).map(([k, v]) => `${k}=${String(v)}`).join(", ") || "no labels";
      diagnostics.push({ code: "subset", message: `${pct(d.weight)} go to subset "${d.subset}" (${shown}): ${endpoints.reduce((n, e) => n + e.count, 0)} endpoint(s) in ${[...new Set(endpoints.map((e) => e.locality))].join(", ") || "no locality"}.` });
    }
    const tag = d.subset === undefined ? "" : ` [subset ${d.subset}]`;
    diagnostics.push(...prediction.diagnostics.map((x) => ({ code: x.code, message: `${x.message}${tag}` })));
    for (const [loc, v] of Object.entries(prediction.shares)) shares[loc] = (shares[loc] ?? 0) + d.weight * v;
    for (const [loc, v] of Object.entries(prediction.firstHop)) firstHop[loc] = (firstHop[loc] ?? 0) + d.weight * v;
    crosses ||= prediction.hosts.some((h) => h.gateway !== undefined && h.share > 0);
    destinations.push({ ...(d.subset !== undefined ? { subset: d.subset } : {}), weight: d.weight, shares: prediction.shares, assignment: prediction.assignment });
  }
  const route = choice.kind === "route" ? { index: choice.index, ...(typeof routing.http?.[choice.index]?.name === "string" ? { name: routing.http[choice.index].name as string } : {}) } : undefined;
  const kind = choice.kind === "no-route-for-proxy" ? "default" : choice.kind === "route" && dests.length === 0 ? "no-upstream" : choice.kind;
  return { shares, diagnostics, decision: { kind, ...(route ? { route } : {}), clusterLocal: routing.clusterLocal, destinations }, ...(crosses ? { firstHop } : {}) };
}

const pct = (f: number) => `${Math.round(f * 1000) / 10}%`;
