/**
 * What the model predicts for one client of one service, from the stack's `trafficModel` output, optionally
 * with some localities' backends taken away (the drill): `predictTraffic` with those endpoints at count 0.
 */
import { formatLocality, localityMatch, parseLocality, predictTraffic } from "../../model/traffic/locality";
import type { TrafficModelOutput } from "../../model/build/outputs";
import type { LocalityEntry } from "../../model/verify/verifyReport";

/** `region/zone/subzone` without empty trailing parts, as Envoy's locality is printed. */
export const normaliseLocality = (l: string) => formatLocality(parseLocality(l));

/** Whether a backend locality is taken away by `--fail <pattern>` (a locality, or a region, or region/zone). */
export function isFailed(locality: string, pattern: string): boolean {
  return normaliseLocality(locality) === normaliseLocality(pattern) || localityMatch(locality, pattern);
}

/** The model's prediction for a client, with the localities matching `failed` emptied. */
export function predictFor(model: TrafficModelOutput[string], clientLocality: string, failed?: string) {
  const prediction = predictTraffic({
    client: { locality: clientLocality },
    endpoints: model.endpoints.map((e) => (failed !== undefined && isFailed(e.locality, failed) ? { ...e, count: 0 } : e)),
    localityLbSetting: model.localityLbSetting,
    outlierDetection: model.outlierDetection,
    istioVersion: model.istioVersion,
  });
  const assignment: LocalityEntry[] = prediction.assignment.map((a) => ({
    locality: normaliseLocality(a.locality),
    priority: a.priority,
    weight: a.weight,
    endpoints: a.endpoints,
    healthy: a.healthy,
  }));
  return { shares: prediction.shares, assignment, diagnostics: prediction.diagnostics };
}
