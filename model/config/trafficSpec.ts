/**
 * Reading `kindmesh:traffic`: demo services per locality, clients, and one DestinationRule policy per
 * service. Localities are checked against the nodes the topology actually has.
 */
import {
  Problems,
  childPath,
  didYouMean,
  isPlainObject,
  readArray,
  readDnsLabel,
  readInteger,
  readObject,
  show,
} from "./problems";
import { readLocality } from "./topologySpec";
import { readMappings, readMeshConfig, readRoutes } from "./routingSpec";
import type { ClientSpec, ClusterSpec, PolicySpec, RouteSpec, ServiceSpec } from "../types";

const TRAFFIC_KEYS = ["services", "clients", "policies", "routes", "meshConfig"] as const;
const SERVICE_KEYS = ["name", "namespace", "port", "replicas", "localities"] as const;
const CLIENT_KEYS = ["name", "namespace", "locality", "cluster"] as const;
const POLICY_KEYS = ["service", "trafficPolicy", "subsets"] as const;

export interface TrafficInput {
  services: ServiceSpec[];
  clients: ClientSpec[];
  policies: PolicySpec[];
  /** Config path of each policy, by position in `policies`. */
  policyPaths: string[];
  routes: RouteSpec[];
  /** Config path of each route, by position in `routes`. */
  routePaths: string[];
  meshConfig: Record<string, unknown>;
}

/** The localities demo workloads can be placed in: kind nodes', and those existing clusters declare. */
export function nodeLocalities(clusters: ClusterSpec[]): string[] {
  return [...new Set(clusters.flatMap((c) => c.localities))];
}

/**
 * " Did you mean …?" for a locality no node has: first the localities it is the start of (`region1/zone1` for a
 * node at `region1/zone1/sub-a`); then, when its region exists, the closest locality of that region only (a
 * region written right is not a typo); else the closest of all.
 */
export function localityDidYouMean(locality: string, known: string[]): string {
  const below = known.filter((k) => k.startsWith(`${locality}/`));
  if (below.length > 0) return ` Did you mean ${below.slice(0, 3).map((k) => `"${k}"`).join(" or ")}?`;
  const region = locality.split("/")[0];
  const sameRegion = known.filter((k) => k.split("/")[0] === region);
  return didYouMean(locality, sameRegion.length > 0 ? sameRegion : known);
}

/** `clusters` is undefined while the topology has errors: its localities are then not all known. */
function checkPlaced(p: Problems, path: string, locality: string, clusters: ClusterSpec[] | undefined, what: string): void {
  if (!clusters) return;
  const known = nodeLocalities(clusters);
  if (known.includes(locality)) return;
  const existing = clusters.filter((c) => c.kind === "existing" && c.localities.length === 0).map((c) => c.name);
  const where = known.length > 0 ? ` The clusters have: ${known.join(", ")}.` : "";
  const note = existing.length > 0 ? ` (Existing clusters ${existing.join(", ")} declare no localities: add topology.clusters[].localities to place ${what}s there.)` : "";
  p.error(path, `no node has locality "${locality}", so the ${what} would never be scheduled.${localityDidYouMean(locality, known)}${where}${note}`);
}

function readService(p: Problems, path: string, raw: unknown, clusters: ClusterSpec[] | undefined): ServiceSpec | undefined {
  const s = readObject(p, path, raw, SERVICE_KEYS, "a service");
  if (!s) return undefined;
  const name = readDnsLabel(p, childPath(path, "name"), s.name, "Service name");
  const namespace = readDnsLabel(p, childPath(path, "namespace"), s.namespace, "namespace", "sample");
  const port = readInteger(p, childPath(path, "port"), s.port, { default: 5000, min: 1, max: 65535 });
  const replicas = readInteger(p, childPath(path, "replicas"), s.replicas, { default: 1, min: 1, max: 50 });
  const list = readArray(p, childPath(path, "localities"), s.localities, "localities") ?? [];
  if (s.localities === undefined || list.length === 0) {
    p.error(childPath(path, "localities"), `is required: list the localities that get a backend, e.g. [east/zone1, west/zone3].`);
  }
  const localities: string[] = [];
  list.forEach((item, i) => {
    const at = childPath(childPath(path, "localities"), i);
    const loc = readLocality(p, at, item);
    if (!loc) return;
    if (localities.includes(loc.locality)) {
      p.error(at, `"${loc.locality}" is listed twice; each locality gets one Deployment.`);
      return;
    }
    checkPlaced(p, at, loc.locality, clusters, "backend");
    localities.push(loc.locality);
  });
  if (!name || !namespace || port === undefined || replicas === undefined) return undefined;
  return { name, namespace, port, replicas, localities };
}

function readClient(p: Problems, path: string, raw: unknown, clusters: ClusterSpec[] | undefined): ClientSpec | undefined {
  const c = readObject(p, path, raw, CLIENT_KEYS, "a client");
  if (!c) return undefined;
  const name = readDnsLabel(p, childPath(path, "name"), c.name, "client name", "sleep");
  const namespace = readDnsLabel(p, childPath(path, "namespace"), c.namespace, "namespace", "sample");
  const loc = readLocality(p, childPath(path, "locality"), c.locality);
  if (loc) checkPlaced(p, childPath(path, "locality"), loc.locality, clusters, "client");
  const cluster = readClientCluster(p, childPath(path, "cluster"), c.cluster, loc?.locality, clusters);
  if (!name || !namespace || !loc || cluster === null) return undefined;
  return { name, namespace, locality: loc.locality, ...(cluster ? { cluster } : {}) };
}

/** `clients[].cluster` (optional): a kind cluster with a node in the client's locality; null when wrong. */
function readClientCluster(p: Problems, path: string, raw: unknown, locality: string | undefined, clusters: ClusterSpec[] | undefined): string | undefined | null {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") {
    p.error(path, `must name a cluster of topology.clusters, got ${show(raw)}.`);
    return null;
  }
  if (!clusters || locality === undefined) return raw;
  const hosts = clusters.filter((c) => c.localities.includes(locality)).map((c) => c.name);
  if (hosts.includes(raw)) return raw;
  const names = clusters.map((c) => c.name);
  const why = names.includes(raw) ? `cluster "${raw}" has no node in "${locality}"` : `"${raw}" is not a cluster of this topology.${didYouMean(raw, names)}`;
  p.error(path, `${why}; clients in "${locality}" can run in: ${hosts.join(", ") || "no cluster"}. Leave it out to use the first of them.`);
  return null;
}

/** `declared`: every service name written in traffic.services, even where that entry has other problems. */
function readPolicy(p: Problems, path: string, raw: unknown, services: ServiceSpec[], declared: string[]): PolicySpec | undefined {
  const pol = readObject(p, path, raw, POLICY_KEYS, "a policy");
  if (!pol) return undefined;
  const names = [...new Set(declared)];
  const service = typeof pol.service === "string" ? pol.service : undefined;
  if (service === undefined) {
    p.error(childPath(path, "service"), `must name one of traffic.services (${names.join(", ") || "none defined"}), got ${show(pol.service)}.`);
  } else if (!names.includes(service)) {
    p.error(childPath(path, "service"), `"${service}" is not one of traffic.services.${didYouMean(service, names)} Known services: ${names.join(", ") || "none"}.`);
  } else if (services.filter((s) => s.name === service).length > 1) {
    p.error(childPath(path, "service"), `"${service}" exists in several namespaces; a policy must name a unique service. Rename one of them.`);
  }
  const subsets = pol.subsets === undefined ? undefined : readMappings(p, childPath(path, "subsets"), pol.subsets, "DestinationRule subsets");
  if (!isPlainObject(pol.trafficPolicy)) {
    p.error(childPath(path, "trafficPolicy"), `must be a DestinationRule trafficPolicy (a mapping), got ${show(pol.trafficPolicy)}.`);
    return undefined;
  }
  if (pol.subsets !== undefined && !subsets) return undefined;
  return service === undefined ? undefined : { service, trafficPolicy: pol.trafficPolicy, ...(subsets ? { subsets } : {}) };
}

function checkUnique<T>(p: Problems, path: string, items: (T | undefined)[], key: (t: T) => string, what: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (item === undefined) return;
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) p.error(`${path}[${i}]`, `${what} ${k} is already defined at ${path}[${first}]; each must be unique.`);
    else seen.set(k, i);
  });
}

/** `clusters` undefined: the topology has errors, so localities are not checked against it. */
export function readTraffic(p: Problems, raw: unknown, clusters: ClusterSpec[] | undefined): TrafficInput {
  const empty: TrafficInput = { services: [], clients: [], policies: [], policyPaths: [], routes: [], routePaths: [], meshConfig: {} };
  if (raw === undefined) return empty;
  const t = readObject(p, "traffic", raw, TRAFFIC_KEYS, "the traffic section");
  if (!t) return empty;
  const services = (readArray(p, "traffic.services", t.services, "services") ?? []).map((s, i) =>
    readService(p, `traffic.services[${i}]`, s, clusters),
  );
  const clients = (readArray(p, "traffic.clients", t.clients, "clients") ?? []).map((c, i) =>
    readClient(p, `traffic.clients[${i}]`, c, clusters),
  );
  const okServices = services.filter((s): s is ServiceSpec => s !== undefined);
  const declared = (Array.isArray(t.services) ? t.services : [])
    .map((s) => (isPlainObject(s) && typeof s.name === "string" ? s.name : undefined))
    .filter((n): n is string => n !== undefined);
  const policies = (readArray(p, "traffic.policies", t.policies, "policies") ?? []).map((pol, i) =>
    readPolicy(p, `traffic.policies[${i}]`, pol, okServices, declared),
  );
  checkUnique(p, "traffic.services", services, (s) => `Service "${s.namespace}/${s.name}"`, "the");
  checkUnique(p, "traffic.clients", clients, (c) => `client "${c.namespace}/${c.name}"`, "the");
  checkUnique(p, "traffic.policies", policies, (pol) => `policy for "${pol.service}"`, "the");
  // A client gets its own Service (Istio needs it to know the client's locality, istio#12528).
  clients.forEach((c, i) => {
    if (c && okServices.some((s) => s.name === c.name && s.namespace === c.namespace)) {
      p.error(`traffic.clients[${i}].name`, `"${c.name}" is also a service in namespace "${c.namespace}"; a client gets its own Service, so give it another name.`);
    }
  });
  const policyPaths: string[] = [];
  const okPolicies: PolicySpec[] = [];
  policies.forEach((pol, i) => {
    if (!pol) return;
    okPolicies.push(pol);
    policyPaths.push(`traffic.policies[${i}]`);
  });
  const { routes, paths: routePaths } = readRoutes(p, t.routes, okServices, declared);
  const meshConfig = readMeshConfig(p, t.meshConfig);
  return { services: okServices, clients: clients.filter((c): c is ClientSpec => c !== undefined), policies: okPolicies, policyPaths, routes, routePaths, meshConfig };
}
