/**
 * Reading the routing parts of `kindmesh:traffic` (contract §1 additions): `meshConfig`, `policies[].subsets` and
 * `routes[]`. Only the shape is checked here; Istio's schemas and the checks against the topology are in
 * model/traffic/routingLint.ts.
 */
import { Problems, childPath, didYouMean, isPlainObject, readArray, readObject, show } from "./problems";
import type { RouteSpec, ServiceSpec } from "../types";

const ROUTE_KEYS = ["service", "http"] as const;

/** A list of mappings (Istio messages), or undefined after reporting what is wrong. */
export function readMappings(p: Problems, path: string, raw: unknown, what: string): Record<string, unknown>[] | undefined {
  const list = readArray(p, path, raw, what);
  if (!list) return undefined;
  let ok = true;
  list.forEach((item, i) => {
    if (!isPlainObject(item)) {
      p.error(childPath(path, i), `must be a mapping (one of Istio's ${what}), got ${show(item)}.`);
      ok = false;
    }
  });
  return ok ? (list as Record<string, unknown>[]) : undefined;
}

/** `traffic.meshConfig`: a mapping of MeshConfig fields; {} when absent. */
export function readMeshConfig(p: Problems, raw: unknown): Record<string, unknown> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    p.error("traffic.meshConfig", `must be a mapping of Istio MeshConfig fields (e.g. serviceSettings), got ${show(raw)}.`);
    return {};
  }
  return raw;
}

/** The service a route or policy names: one of traffic.services, unique across namespaces. */
export function readServiceRef(p: Problems, path: string, raw: unknown, services: ServiceSpec[], declared: string[]): string | undefined {
  const names = [...new Set(declared)];
  if (typeof raw !== "string") {
    p.error(path, `must name one of traffic.services (${names.join(", ") || "none defined"}), got ${show(raw)}.`);
    return undefined;
  }
  if (!names.includes(raw)) {
    p.error(path, `"${raw}" is not one of traffic.services.${didYouMean(raw, names)} Known services: ${names.join(", ") || "none"}.`);
    return undefined;
  }
  if (services.filter((s) => s.name === raw).length > 1) {
    p.error(path, `"${raw}" exists in several namespaces; it must name a unique service. Rename one of them.`);
    return undefined;
  }
  return raw;
}

function readRoute(p: Problems, path: string, raw: unknown, services: ServiceSpec[], declared: string[]): RouteSpec | undefined {
  const r = readObject(p, path, raw, ROUTE_KEYS, "a route (one VirtualService)");
  if (!r) return undefined;
  const service = readServiceRef(p, childPath(path, "service"), r.service, services, declared);
  if (r.http === undefined) {
    p.error(childPath(path, "http"), `is required: the VirtualService's http routes, e.g. [{ route: [{ destination: { host: <service>.<namespace>.svc.cluster.local } }] }].`);
    return undefined;
  }
  const http = readMappings(p, childPath(path, "http"), r.http, "HTTP routes");
  if (http && http.length === 0) p.error(childPath(path, "http"), `is empty: a VirtualService without routes matches no request. Add a route or remove the entry.`);
  return service === undefined || !http || http.length === 0 ? undefined : { service, http };
}

/** `traffic.routes`: one VirtualService per service; `paths[i]` is the config path of `routes[i]`. */
export function readRoutes(p: Problems, raw: unknown, services: ServiceSpec[], declared: string[]): { routes: RouteSpec[]; paths: string[] } {
  const routes: RouteSpec[] = [];
  const paths: string[] = [];
  const first = new Map<string, number>();
  (readArray(p, "traffic.routes", raw, "routes") ?? []).forEach((item, i) => {
    const path = `traffic.routes[${i}]`;
    const route = readRoute(p, path, item, services, declared);
    if (!route) return;
    const seen = first.get(route.service);
    // Istio merges several VirtualServices for one host only at gateways; for sidecars one of them wins.
    if (seen !== undefined) {
      p.error(path, `the route for "${route.service}" is already defined at traffic.routes[${seen}]; give each service one entry with all its http routes.`);
      return;
    }
    first.set(route.service, i);
    routes.push(route);
    paths.push(path);
  });
  return { routes, paths };
}
