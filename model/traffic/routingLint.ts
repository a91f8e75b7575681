/**
 * Lint of the routing additions against Istio's schemas and the real topology: `meshConfig`, DestinationRule
 * `subsets` and the VirtualService `http` routes of `traffic.routes` — the mistakes that make a per-cluster route
 * silently fall back to the plain service, or send requests to a subset that does not exist.
 */
import { Problems, childPath, didYouMean, isPlainObject, show } from "../config/problems";
import type { TrafficInput } from "../config/trafficSpec";
import { clientCluster } from "../build/plan";
import { httpRouteSchema, meshConfigSchema, subsetSchema, validateAgainstSchema } from "./openapi";
import { validateLocalityLbSetting, type LocalityLbSetting } from "./locality";
import { CLUSTER_LABEL, NETWORK_LABEL, mergeSubsetPolicy, proxyLabels } from "./routing";
import { explainIstioError } from "./trafficLint";
import { chooseRoute, probeRequest, reachableRoutes } from "./routing/match";
import type { ClusterSpec, ServiceSpec } from "../types";

const fqdn = (s: ServiceSpec) => `${s.name}.${s.namespace}.svc.cluster.local`;

/** A topology label value must name a real cluster or network (`what`), with a did-you-mean. */
function checkTopologyLabels(p: Problems, path: string, labels: unknown, clusters: ClusterSpec[]): void {
  if (!isPlainObject(labels)) return;
  const known: Record<string, string[]> = {
    [CLUSTER_LABEL]: clusters.map((c) => c.name),
    [NETWORK_LABEL]: [...new Set(clusters.map((c) => c.network))],
  };
  for (const [key, names] of Object.entries(known)) {
    const value = labels[key];
    if (typeof value !== "string" || names.includes(value)) continue;
    const what = key === CLUSTER_LABEL ? "cluster" : "network";
    p.error(childPath(path, key), `"${value}" names no ${what} of this topology, so this selects nothing.${didYouMean(value, names)} The ${what}s are: ${names.join(", ")}.`);
  }
}

function lintSubsets(p: Problems, traffic: TrafficInput, clusters: ClusterSpec[] | undefined): void {
  traffic.policies.forEach((policy, i) => {
    const path = childPath(traffic.policyPaths[i], "subsets");
    const seen = new Map<string, number>();
    (policy.subsets ?? []).forEach((subset, j) => {
      const at = childPath(path, j);
      const errors = validateAgainstSchema(subset, subsetSchema, at);
      errors.forEach((e) => p.error(e.path, e.message));
      if (errors.length > 0) return;
      const name = subset.name as string;
      const first = seen.get(name);
      // Istio's validation rejects a DestinationRule with two subsets of one name.
      if (first !== undefined) p.error(childPath(at, "name"), `subset "${name}" is already defined at ${childPath(path, first)}; subset names must be unique.`);
      else seen.set(name, j);
      if (clusters) checkTopologyLabels(p, childPath(at, "labels"), subset.labels, clusters);
      lintSubsetLocality(p, childPath(at, "trafficPolicy"), policy.trafficPolicy, subset.trafficPolicy);
    });
  });
}

/** Istio's own localityLbSetting validation applies to a subset's policy too (with the rule's outlierDetection merged in). */
function lintSubsetLocality(p: Problems, path: string, top: Record<string, unknown>, own: unknown): void {
  const lb = isPlainObject(own) && isPlainObject(own.loadBalancer) ? own.loadBalancer.localityLbSetting : undefined;
  if (!isPlainObject(lb)) return;
  const setting = lb as LocalityLbSetting;
  const at = childPath(childPath(path, "loadBalancer"), "localityLbSetting");
  const verdict = validateLocalityLbSetting(setting, mergeSubsetPolicy(top, own).outlierDetection !== undefined);
  for (const message of verdict.errors) {
    const e = explainIstioError(message, setting, at);
    p.error(e.path, `${message} (Istio rejects this DestinationRule). ${e.fix}`);
  }
}

function lintDestination(p: Problems, at: string, dest: Record<string, unknown>, service: ServiceSpec, subsets: string[] | undefined): void {
  const host = dest.host as string;
  // ResolveShortnameToFQDN (pilot/pkg/model/config.go): a name without a dot is taken in the VirtualService's namespace.
  if (host !== fqdn(service) && host !== service.name) {
    p.error(childPath(at, "host"), `"${host}" is not the service this route is for: use "${fqdn(service)}". A VirtualService of kindmesh routes its own service only; to reach another service, give it its own routes entry.`);
  }
  const subset = dest.subset;
  if (typeof subset !== "string" || subset === "") return;
  if (subsets === undefined) {
    p.error(childPath(at, "subset"), `subset "${subset}" is not defined: no entry of traffic.policies for "${service.name}" has subsets. Add one with subsets: [{ name: ${subset}, labels: {...} }].`);
  } else if (!subsets.includes(subset)) {
    p.error(childPath(at, "subset"), `subset "${subset}" is not defined by the policy for "${service.name}" (Envoy answers 503 for it).${didYouMean(subset, subsets)} Its subsets: ${subsets.join(", ") || "none"}.`);
  }
}

/** Weights of one route's destinations: Envoy splits by them; the lint wants them to say percentages. */
function lintWeights(p: Problems, at: string, route: Record<string, unknown>[]): void {
  const weights = route.map((d) => (typeof d.weight === "number" ? d.weight : undefined));
  if (route.length === 1 && (weights[0] === undefined || weights[0] === 100)) return;
  const total = weights.reduce((s: number, w) => s + (w ?? 0), 0);
  if (total === 100) return;
  const why = route.length === 1 ? "a single destination takes every request whatever its weight" : "Envoy splits by the weights' proportions";
  p.error(at, `the weights add up to ${total}, not 100 (${weights.map((w) => w ?? "unset").join(" + ")}); ${why}, so write them as percentages that add up to exactly 100.`);
}

function lintRoute(p: Problems, traffic: TrafficInput, i: number, clusters: ClusterSpec[] | undefined): void {
  const route = traffic.routes[i];
  const path = traffic.routePaths[i];
  const service = traffic.services.find((s) => s.name === route.service);
  const policy = traffic.policies.find((x) => x.service === route.service);
  const subsets = policy?.subsets?.map((s) => s.name).filter((n): n is string => typeof n === "string");
  let valid = true;
  route.http.forEach((http, k) => {
    const at = childPath(childPath(path, "http"), k);
    const errors = validateAgainstSchema(http, httpRouteSchema, at);
    errors.forEach((e) => p.error(e.path, e.message));
    if (errors.length > 0) {
      valid = false;
      return;
    }
    const dests = Array.isArray(http.route) ? (http.route as Record<string, unknown>[]) : [];
    if (dests.length > 0) lintWeights(p, childPath(at, "route"), dests);
    dests.forEach((d, j) => {
      if (service) lintDestination(p, childPath(childPath(childPath(at, "route"), j), "destination"), d.destination as Record<string, unknown>, service, subsets);
    });
    if (clusters && Array.isArray(http.match)) {
      (http.match as Record<string, unknown>[]).forEach((m, j) => checkTopologyLabels(p, childPath(childPath(childPath(at, "match"), j), "sourceLabels"), m.sourceLabels, clusters));
    }
  });
  if (valid && service && clusters) lintReachable(p, traffic, i, service, clusters);
}

/**
 * A route no configured client can ever take is dead config (an error): shadowed by a route that takes all of
 * their requests, or matching none of them (sourceLabels, sourceNamespace, gateways, port). A route clients can
 * take, but not with verify's request (GET /hello), is a warning: verify never measures it.
 */
function lintReachable(p: Problems, traffic: TrafficInput, i: number, service: ServiceSpec, clusters: ClusterSpec[]): void {
  const { http } = traffic.routes[i];
  const reachable = new Set<number>();
  const probed = new Set<number>();
  const placed = traffic.clients.flatMap((c) => {
    const cluster = clientCluster(clusters, c);
    return cluster ? [{ c, cluster }] : [];
  });
  for (const { c, cluster } of placed) {
    const proxy = { labels: proxyLabels({ locality: c.locality, cluster: cluster.name, network: cluster.network, namespace: c.namespace, podLabels: { app: c.name } }), namespace: c.namespace };
    for (const k of reachableRoutes(http, proxy, service.port)) reachable.add(k);
    const choice = chooseRoute(http, proxy, service.port, probeRequest(service.name, service.namespace, service.port));
    if (choice.kind === "route") probed.add(choice.index);
  }
  if (placed.length === 0) return;
  const who = placed.map(({ c, cluster }) => `${c.namespace}/${c.name} in ${cluster.name}`).join(", ");
  http.forEach((_, k) => {
    const at = childPath(childPath(traffic.routePaths[i], "http"), k);
    if (!reachable.has(k)) {
      p.error(at, `no client can ever take this route: for every client (${who}) an earlier route takes all its requests, or none of its matches applies (sourceLabels, sourceNamespace, gateways, port). Istio adds topology.istio.io/cluster and topology.istio.io/network to every proxy's labels; fix the match or remove the route.`);
    } else if (!probed.has(k)) {
      p.warn(at, `verify's requests (GET /hello from each client) never take this route, so the plan and verify do not cover it.`);
    }
  });
}

/** `clusters` is undefined while the topology has errors: schemas still run, the checks against it wait. */
export function lintRouting(p: Problems, traffic: TrafficInput, clusters: ClusterSpec[] | undefined): void {
  validateAgainstSchema(traffic.meshConfig, meshConfigSchema, "traffic.meshConfig").forEach((e) => p.error(e.path, e.message));
  lintSubsets(p, traffic, clusters);
  traffic.routes.forEach((_, i) => lintRoute(p, traffic, i, clusters));
  const hosts = traffic.services.map(fqdn);
  const settings = Array.isArray(traffic.meshConfig.serviceSettings) ? traffic.meshConfig.serviceSettings : [];
  settings.forEach((s, i) => {
    const list = isPlainObject(s) && Array.isArray(s.hosts) ? s.hosts : [];
    list.forEach((h, j) => {
      if (typeof h !== "string" || hosts.length === 0) return;
      const matches = hosts.some((x) => (h.startsWith("*") ? x.endsWith(h.slice(1)) : x === h));
      if (!matches) p.warn(`traffic.meshConfig.serviceSettings[${i}].hosts[${j}]`, `${show(h)} matches no service of traffic.services (${hosts.join(", ")}); hosts are full names like "${hosts[0]}" or "*.<namespace>.svc.cluster.local".${didYouMean(h, hosts)}`);
    });
  });
}
