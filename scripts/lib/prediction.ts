/**
 * What the model predicts for one client of one service, from the stack's `trafficModel` output, optionally
 * with some localities' backends taken away (the drill): `predictTraffic` with those endpoints at count 0, behind
 * the routing stage (routes, subsets, cluster-local) when the service has one.
 */
import { formatLocality, localityMatch, parseLocality, predictTraffic, type TrafficScenario } from "../../model/traffic/locality";
import type { TrafficModelOutput } from "../../model/build/outputs";
import { predictRouted } from "../../model/traffic/routing";
import type { LocalityEntry } from "../../model/verify/verifyReport";

/** `region/zone/subzone` without empty trailing parts, as Envoy's locality is printed. */
export const normaliseLocality = (l: string) => formatLocality(parseLocality(l));

/** Whether a backend locality is taken away by `--fail <pattern>` (a locality, or a region, or region/zone). */
export function isFailed(locality: string, pattern: string): boolean {
  return normaliseLocality(locality) === normaliseLocality(pattern) || localityMatch(locality, pattern);
}

/** A client as the workloads output lists it, with its cluster's network: what routing needs to know of it. */
export interface ClientRef {
  name: string;
  namespace: string;
  locality: string;
  cluster: string;
  network?: string;
}

/**
 * The model's prediction for a client, with the localities matching `failed` emptied. A routed service needs the
 * whole client (its cluster and labels decide the route); a bare locality predicts the plain service. Across
 * networks the same model applies (the client's network, the gateways, both hops): a failed remote locality keeps
 * drawing its share through the east-west gateway until its endpoints are gone from EDS, which is what the drill
 * waits for before it measures.
 */
export function predictFor(model: TrafficModelOutput[string], client: string | ClientRef, failed?: string) {
  const gone = <E extends { locality: string; count: number }>(e: E): E => (failed !== undefined && isFailed(e.locality, failed) ? { ...e, count: 0 } : e);
  const locality = typeof client === "string" ? client : client.locality;
  const base: Omit<TrafficScenario, "client"> = {
    endpoints: model.endpoints.map(gone),
    networkGateways: model.networkGateways ?? [],
    localityLbSetting: model.localityLbSetting,
    outlierDetection: model.outlierDetection,
    istioVersion: model.istioVersion,
  };
  if (model.routing && model.placedEndpoints && typeof client !== "string") {
    const routed = predictRouted({ ...base, endpoints: model.placedEndpoints.map(gone) }, model.routing, {
      locality,
      cluster: client.cluster,
      network: client.network ?? "",
      namespace: client.namespace,
      podLabels: { app: client.name },
    });
    // One destination: its assignment is what the client's sidecar has for that (subset) cluster.
    const only = routed.decision.destinations.length === 1 ? routed.decision.destinations[0] : undefined;
    return { shares: routed.shares, assignment: (only?.assignment ?? []).map(entry), diagnostics: routed.diagnostics, subset: only?.subset };
  }
  const network = typeof client === "string" ? undefined : client.network ?? model.networks?.[client.cluster];
  const place = typeof client === "string" ? {} : { cluster: client.cluster, ...(network !== undefined ? { network } : {}) };
  const prediction = predictTraffic({ ...base, client: { locality, ...place } });
  return { shares: prediction.shares, assignment: prediction.assignment.map(entry), diagnostics: prediction.diagnostics, subset: undefined };
}

function entry(a: { locality: string; priority: number; weight: number | null; endpoints: number; healthy: number }): LocalityEntry {
  return { locality: normaliseLocality(a.locality), priority: a.priority, weight: a.weight, endpoints: a.endpoints, healthy: a.healthy };
}
