/**
 * Which VirtualService http route a client's request takes, and whether a host is cluster-local, as istiod 1.31
 * decides them (istio/istio release-1.31). Pure; values are the stack's Istio YAML as written (schema-checked).
 */
import { isPlainObject } from "../../config/problems";

/** The request verify and drill send: curl, `GET http://<service>.<namespace>:<port>/hello`, no query, no extra headers. */
export interface ProbeRequest {
  method: string;
  scheme: string;
  path: string;
  authority: string;
  /** Lower-case header names the request is known to carry. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

export function probeRequest(service: string, namespace: string, port: number): ProbeRequest {
  return { method: "GET", scheme: "http", path: "/hello", authority: `${service}.${namespace}:${port}`, headers: { accept: "*/*" }, query: {} };
}

/** The proxy as route building sees it: its labels (pod labels plus Istio's topology labels) and namespace. */
export interface RouteProxy {
  labels: Record<string, string>;
  namespace: string;
}

/** Where a request went: the http route (and match) that took it, or why none did. */
export type RouteChoice =
  | { kind: "route"; index: number; match?: number }
  /** No route survives for this proxy: istiod drops the VirtualService for it and the default route applies. */
  | { kind: "no-route-for-proxy" }
  /** Routes exist for this proxy, but none matches the request: Envoy answers 404 (no route). */
  | { kind: "no-match" };

/** An Istio StringMatch (exact | prefix | regex) against a value; Envoy's regex (RE2) must match the whole value. */
export function stringMatches(m: unknown, value: string | undefined, ignoreCase = false): boolean {
  if (!isPlainObject(m)) return true;
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  const want = (s: unknown) => (typeof s === "string" ? (ignoreCase ? s.toLowerCase() : s) : undefined);
  if (m.exact !== undefined) return v === want(m.exact);
  if (m.prefix !== undefined) return v.startsWith(want(m.prefix) ?? "");
  if (typeof m.regex === "string") {
    try {
      return new RegExp(`^(?:${m.regex})$`, ignoreCase ? "i" : "").test(value);
    } catch {
      return false;
    }
  }
  return true; // an empty StringMatch matches anything present
}

/**
 * sourceMatchHTTP (pilot/pkg/networking/core/route/route.go, release-1.31): with `gateways` set, only the gateway
 * names count ("mesh" for a sidecar) and sourceLabels are NOT looked at; otherwise sourceLabels must be a subset of
 * the proxy's labels and sourceNamespace equal its namespace. A `port` other than the service port drops the match.
 */
export function sourceMatches(match: Record<string, unknown>, proxy: RouteProxy, port: number): boolean {
  if (typeof match.port === "number" && match.port !== 0 && match.port !== port) return false;
  if (Array.isArray(match.gateways) && match.gateways.length > 0) return match.gateways.includes("mesh");
  const labels = isPlainObject(match.sourceLabels) ? match.sourceLabels : {};
  if (!Object.entries(labels).every(([k, v]) => proxy.labels[k] === v)) return false;
  return match.sourceNamespace === undefined || match.sourceNamespace === "" || match.sourceNamespace === proxy.namespace;
}

const REQUEST_FIELDS = ["uri", "method", "scheme", "authority", "headers", "queryParams", "withoutHeaders"];

/** Whether a match has request-level conditions (Envoy checks them per request); without any it takes every request. */
export function hasRequestConditions(match: Record<string, unknown>): boolean {
  return REQUEST_FIELDS.some((k) => match[k] !== undefined && !(isPlainObject(match[k]) && Object.keys(match[k] as object).length === 0));
}

/**
 * The routes some request of this proxy can take: those with a match that applies to the proxy, up to the first
 * one that takes every request (no match, or a match without request conditions).
 */
export function reachableRoutes(http: Record<string, unknown>[], proxy: RouteProxy, port: number): number[] {
  const out: number[] = [];
  for (const [index, route] of http.entries()) {
    const matches = Array.isArray(route.match) ? route.match.filter(isPlainObject) : [];
    if (matches.length === 0) return [...out, index];
    const applying = matches.filter((m) => sourceMatches(m, proxy, port));
    if (applying.length > 0) out.push(index);
    if (applying.some((m) => !hasRequestConditions(m))) return out;
  }
  return out;
}

/** The request-level part of a match, as Envoy evaluates it on the probe request. */
export function requestMatches(match: Record<string, unknown>, req: ProbeRequest): boolean {
  const ignoreCase = match.ignoreUriCase === true;
  if (!stringMatches(match.uri, req.path, ignoreCase)) return false;
  if (!stringMatches(match.method, req.method) || !stringMatches(match.scheme, req.scheme) || !stringMatches(match.authority, req.authority)) return false;
  const each = (m: unknown, f: (name: string, sm: unknown) => boolean) => !isPlainObject(m) || Object.entries(m).every(([k, v]) => f(k, v));
  if (!each(match.headers, (name, sm) => stringMatches(sm, req.headers[name.toLowerCase()]))) return false;
  if (!each(match.withoutHeaders, (name, sm) => !stringMatches(sm, req.headers[name.toLowerCase()]))) return false;
  return each(match.queryParams, (name, sm) => stringMatches(sm, req.query[name]));
}

/**
 * BuildHTTPRoutesForVirtualService: routes whose matches do not apply to this proxy are dropped when istiod builds
 * its config; Envoy then takes the first remaining route whose request match holds. A route without `match`
 * matches everything and ends the list.
 */
export function chooseRoute(http: Record<string, unknown>[], proxy: RouteProxy, port: number, req: ProbeRequest): RouteChoice {
  let kept = 0;
  for (const [index, route] of http.entries()) {
    const matches = Array.isArray(route.match) ? route.match.filter(isPlainObject) : [];
    if (matches.length === 0) return { kind: "route", index };
    for (const [m, match] of matches.entries()) {
      if (!sourceMatches(match, proxy, port)) continue;
      kept++;
      if (requestMatches(match, req)) return { kind: "route", index, match: m };
    }
  }
  return kept === 0 ? { kind: "no-route-for-proxy" } : { kind: "no-match" };
}

/** A DestinationRule-style host pattern (`*`, `*.ns.svc.cluster.local`) matches a host. */
function hostPatternMatches(pattern: string, host: string): boolean {
  return pattern.startsWith("*") ? host.endsWith(pattern.slice(1)) : pattern === host;
}

/** Istio's default cluster-local hosts (pilot/pkg/model/cluster_local.go), unless serviceSettings overrides them. */
const DEFAULT_CLUSTER_LOCAL = ["*.kube-system.svc.cluster.local", "kubernetes.default.svc.cluster.local"];

/**
 * ClusterLocalHosts.IsClusterLocal: an exact host entry wins, else the longest matching wildcard; later
 * serviceSettings entries overwrite earlier ones for the same host; defaults apply unless listed as false.
 */
export function isClusterLocal(host: string, meshConfig: Record<string, unknown>): boolean {
  const specific = new Map<string, boolean>();
  const wildcard = new Map<string, boolean>();
  const settings = Array.isArray(meshConfig.serviceSettings) ? meshConfig.serviceSettings.filter(isPlainObject) : [];
  const defaults = [...DEFAULT_CLUSTER_LOCAL];
  for (const s of settings) {
    const local = isPlainObject(s.settings) && s.settings.clusterLocal === true;
    const hosts = Array.isArray(s.hosts) ? s.hosts.filter((h): h is string => typeof h === "string") : [];
    for (const h of hosts) {
      // A host listed with clusterLocal false switches off a default it names or falls under.
      if (!local) for (const [i, d] of defaults.entries()) if (h === d || (d.startsWith("*") && h.endsWith(d.slice(1)))) defaults[i] = "";
      (h.startsWith("*") ? wildcard : specific).set(h, local);
    }
  }
  for (const d of defaults.filter((x) => x !== "")) (d.startsWith("*") ? wildcard : specific).set(d, true);
  const exact = specific.get(host);
  if (exact !== undefined) return exact;
  const hits = [...wildcard].filter(([p]) => hostPatternMatches(p, host)).sort(([a], [b]) => b.length - a.length);
  return hits.length > 0 ? hits[0][1] : false;
}
