import { type EnvoyPriorityLoad, envoyLocalityShares, envoyPriorityLoad, proportions } from "./envoy";

/** One `LocalityLbEndpoints` as Envoy receives it, with the health of its hosts. */
export interface EnvoyAssignmentEntry {
  locality: string;
  priority: number;
  /** Locality `load_balancing_weight`; null (unset) counts as 0 under locality-weighted LB. */
  weight: number | null;
  hosts: number;
  healthy: number;
  /** Sum of all host weights. @default hosts */
  hostWeight?: number;
  /** Sum of healthy host weights. @default healthy */
  healthyHostWeight?: number;
}

/**
 * The share of requests each locality receives (§1 step F, §9): choose a priority by priority load; in a
 * panicking priority spread over all its hosts by host weight; otherwise pick a locality by effective weight
 * (with `locality_weighted_lb_config`) or spread over healthy hosts by weight. Shares are keyed by locality
 * string, summed over priorities; zero shares are left out; a sum below 1 is the fraction of failing requests.
 */
export function envoyTrafficShares(
  entries: EnvoyAssignmentEntry[],
  opts: { localityWeightedLb: boolean; panicThreshold: number; overprovisioningFactor?: number },
): { shares: Record<string, number>; priorityLoad: EnvoyPriorityLoad } {
  const { perEntry, priorityLoad } = envoyEntryShares(entries, opts);
  const sums = new Map<string, number>();
  entries.forEach((e, i) => sums.set(e.locality, (sums.get(e.locality) ?? 0) + (perEntry[i] ?? 0)));
  const shares: Record<string, number> = {};
  for (const [locality, share] of sums) if (share > 0) shares[locality] = share;
  return { shares, priorityLoad };
}

/**
 * The share of requests each entry receives, in input order, and whether its priority panicked (a panicking
 * priority spreads over all hosts by weight, healthy or not: the caller splits an entry's share among its hosts).
 */
export function envoyEntryShares(
  entries: EnvoyAssignmentEntry[],
  opts: { localityWeightedLb: boolean; panicThreshold: number; overprovisioningFactor?: number },
): { perEntry: number[]; panic: boolean[]; priorityLoad: EnvoyPriorityLoad } {
  const levels = entries.length === 0 ? 0 : Math.max(...entries.map((e) => e.priority)) + 1;
  const byPriority = Array.from({ length: levels }, (_, p) => entries.filter((e) => e.priority === p));
  const priorityLoad = envoyPriorityLoad(
    byPriority.map((es) => ({ hosts: total(es, (e) => e.hosts), healthy: total(es, (e) => e.healthy) })),
    { panicThreshold: opts.panicThreshold, overprovisioningFactor: opts.overprovisioningFactor },
  );
  const perEntry = entries.map(() => 0);
  byPriority.forEach((es, p) => {
    const load = (priorityLoad.healthyLoad[p] ?? 0) / 100;
    if (load === 0) return;
    const within = sharesInPriority(es, priorityLoad.panic[p] === true, opts);
    es.forEach((e, i) => {
      perEntry[entries.indexOf(e)] = load * (within[i] ?? 0);
    });
  });
  const panic = entries.map((e) => priorityLoad.panic[e.priority] === true);
  return { perEntry, panic, priorityLoad };
}

// hostSourceToUse: panic comes before the locality-weighted pick; without the locality config, all healthy hosts.
function sharesInPriority(
  es: EnvoyAssignmentEntry[],
  panic: boolean,
  opts: { localityWeightedLb: boolean; overprovisioningFactor?: number },
): number[] {
  if (panic) return proportions(es.map((e) => e.hostWeight ?? e.hosts));
  const healthyWeights = es.map((e) => e.healthyHostWeight ?? e.healthy);
  if (!opts.localityWeightedLb) return proportions(healthyWeights);
  return envoyLocalityShares(
    es.map((e, i) => ({ weight: e.weight ?? 0, hosts: e.hosts, healthy: e.healthy, healthyHostWeight: healthyWeights[i] })),
    { overprovisioningFactor: opts.overprovisioningFactor },
  );
}

function total<T>(items: T[], f: (t: T) => number): number {
  return items.reduce((a, t) => a + f(t), 0);
}
