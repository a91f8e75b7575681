// istiod's EDS grouping (pilot/pkg/xds/endpoints/endpoint_builder.go `generate`), before any network or locality rewrite.
import { TOPOLOGY_LABELS, parseLocality } from "./parse";
import type { EndpointSet, LbGroup } from "./rewrite";
import type { Labels } from "./types";

const MAX_UINT32 = 2 ** 32 - 1;

/** Pods per locality, as a scenario gives them. */
export interface EndpointInput {
  locality: string;
  count: number;
  healthy?: number;
  weight?: number;
  labels?: Labels;
  network?: string;
  cluster?: string;
}

/**
 * istiod's `AugmentLabels` for a workload: its labels plus the topology labels region/zone/subzone taken from
 * its locality (when non-empty), and cluster and network when given (a network label already set wins).
 */
export function augmentLabels(labels: Labels | undefined, locality: string, place?: { cluster?: string; network?: string }): Labels {
  const out: Labels = { ...(labels ?? {}) };
  const l = parseLocality(locality);
  if (l.region !== "") out[TOPOLOGY_LABELS.region] = l.region;
  if (l.zone !== "") out[TOPOLOGY_LABELS.zone] = l.zone;
  if (l.subzone !== "") out[TOPOLOGY_LABELS.subzone] = l.subzone;
  if (place?.cluster) out[TOPOLOGY_LABELS.cluster] = place.cluster;
  if (place?.network && !out[TOPOLOGY_LABELS.network]) out[TOPOLOGY_LABELS.network] = place.network;
  return out;
}

// Filter not-ready endpoints, group by exact locality string, sort, weight each group by the sum of its endpoint
// weights (capped at 2^32-1), all at priority 0.
export function buildEdsGroups(
  endpoints: EndpointInput[],
  sendNotReady: boolean,
): { groups: LbGroup[]; notReadyDropped: { locality: string; count: number }[] } {
  const byLocality = new Map<string, EndpointSet[]>();
  const notReadyDropped: { locality: string; count: number }[] = [];
  for (const e of endpoints) {
    const total = Math.max(0, e.count);
    const healthy = Math.min(total, Math.max(0, e.healthy ?? total));
    if (!sendNotReady && healthy < total) notReadyDropped.push({ locality: e.locality, count: total - healthy });
    const kept = sendNotReady ? total : healthy;
    if (kept === 0) continue;
    const sets = byLocality.get(e.locality) ?? [];
    const index = sets.reduce((n, s) => n + s.count, 0);
    const weight = e.weight !== undefined && e.weight > 0 ? e.weight : 1;
    const place = { ...(e.network !== undefined ? { network: e.network } : {}), ...(e.cluster !== undefined ? { cluster: e.cluster } : {}) };
    sets.push({ index, labels: augmentLabels(e.labels, e.locality, place), weight, count: kept, healthy, ...place });
    byLocality.set(e.locality, sets);
  }
  const groups = [...byLocality.keys()].sort().map((locality, source) => {
    const sets = byLocality.get(locality) ?? [];
    const weight = Math.min(MAX_UINT32, sets.reduce((w, s) => w + s.weight * s.count, 0));
    return { source, locality, priority: 0, weight, endpoints: sets };
  });
  return { groups, notReadyDropped };
}
