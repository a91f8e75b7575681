// istiod's rewrite of one ClusterLoadAssignment for one client (pilot/pkg/networking/core/loadbalancer/loadbalancer.go).
import { TOPOLOGY_LABELS, lbPriority, localityMatch, parseLocality } from "./parse";
import { nonEmpty } from "./settings";
import type { Labels, Locality, LocalityLbSetting, ZoneAwareLbSetting } from "./types";

const UINT32 = 2 ** 32;

/** Endpoints of one group that share labels, weight and health; `index` is the first one's position in the group. */
export interface EndpointSet {
  index: number;
  labels: Labels;
  /** `load_balancing_weight` of each endpoint. */
  weight: number;
  count: number;
  healthy: number;
  /** The endpoints' Istio network and cluster (multi-network scenarios). */
  network?: string;
  cluster?: string;
  /** Set on the host istiod writes for an east-west gateway in place of endpoints on its network. */
  gateway?: { network: string; cluster: string; locality: string; address: string; standsFor: number };
}

/** One `LocalityLbEndpoints`: its locality string, priority, weight (null = unset) and endpoints. */
export interface LbGroup {
  /** Index of the input group this one came from (failoverPriority may split a group). */
  source: number;
  locality: string;
  priority: number;
  weight: number | null;
  endpoints: EndpointSet[];
}

/** What `distribute` did for this client: the rule used (-1: none matched), what each key claimed, what was removed. */
export interface DistributeTrace {
  ruleIndex: number;
  claims: { key: string; percent: number; groups: number[]; weights: number[] }[];
  removed: number[];
}

/**
 * `ApplyLocalityLoadBalancer`: distribute wins regardless of failover; otherwise, with failover on,
 * failoverPriority (plus `failover` stacked on it) or proximity failover. `enabled: false` rewrites nothing.
 */
export function rewriteLoadAssignment(args: {
  client: Locality;
  clientLabels: Labels;
  groups: LbGroup[];
  setting: LocalityLbSetting | null;
  enableFailover: boolean;
  networkPreferred: boolean;
}): { groups: LbGroup[]; distribute?: DistributeTrace } {
  const { setting, client } = args;
  if (!setting || setting.enabled === false) return { groups: args.groups };
  if (nonEmpty(setting.distribute)) return applyLocalityWeights(client, args.groups, setting.distribute);
  if (!args.enableFailover) return { groups: args.groups };
  if (nonEmpty(setting.failoverPriority)) {
    const split = applyFailoverPriorities(args.groups, args.clientLabels, setting.failoverPriority, args.networkPreferred);
    return { groups: nonEmpty(setting.failover) ? applyLocalityFailover(client, split, setting.failover) : split };
  }
  return { groups: applyLocalityFailover(client, args.groups, setting.failover ?? []) };
}

/**
 * `applyLocalityWeights`: the first `from` matching the client wins; each `to` key (in order) claims the
 * still-unclaimed groups it matches and splits its percent among them by original weight, rounding up; a zero
 * split keeps the original weight; unclaimed groups lose their endpoints. Priorities are untouched.
 */
export function applyLocalityWeights(
  client: Locality,
  groups: LbGroup[],
  distribute: NonNullable<LocalityLbSetting["distribute"]>,
): { groups: LbGroup[]; distribute: DistributeTrace } {
  const ruleIndex = distribute.findIndex((rule) => localityMatch(client, rule.from));
  const trace: DistributeTrace = { ruleIndex, claims: [], removed: [] };
  const rule = distribute[ruleIndex];
  if (!rule) return { groups, distribute: trace };
  const out = groups.map((g) => ({ ...g }));
  const unclaimed = new Set(out.map((_, i) => i));
  for (const [key, percent] of Object.entries(rule.to ?? {})) {
    const claimed = [...unclaimed].filter((i) => localityMatch(out[i]?.locality, key));
    claimed.forEach((i) => unclaimed.delete(i));
    const original = claimed.map((i) => out[i]?.weight ?? 1);
    // uint32 arithmetic, as in Go: originalWeight*weight and the total wrap around.
    const total = original.reduce((a, w) => (a + w) % UINT32, 0);
    claimed.forEach((i, n) => {
      const x = (((original[n] ?? 0) * percent) % UINT32) / total;
      const g = out[i];
      if (g && x > 0 && Number.isFinite(x)) g.weight = Math.ceil(x);
    });
    trace.claims.push({ key, percent, groups: claimed, weights: claimed.map((i) => out[i]?.weight ?? 0) });
  }
  for (const i of unclaimed) {
    const g = out[i];
    if (g) g.endpoints = [];
  }
  trace.removed = [...unclaimed].sort((a, b) => a - b);
  return { groups: out, distribute: trace };
}

/**
 * `applyLocalityFailover`: proximity priority 0–3 (subzone, zone, region, other), 4 for a foreign region that is
 * not the `to` of the first rule whose `from` is the client's region; stacked as `previous × 5 + raw`; compacted.
 */
export function applyLocalityFailover(
  client: Locality,
  groups: LbGroup[],
  failover: NonNullable<LocalityLbSetting["failover"]>,
): LbGroup[] {
  const rule = failover.find((r) => r.from === client.region);
  const raw = groups.map((g) => {
    const ep = parseLocality(g.locality);
    const p = lbPriority(client, ep);
    const prox = p === 3 && rule !== undefined && ep.region !== rule.to ? 4 : p;
    return g.priority * 5 + prox;
  });
  return compact(groups, raw);
}

/** `applyZoneAwareRegionalFailover` (1.31): same region 0, the failover target 1, other regions 2; `× 3`; compacted. */
export function applyZoneAwareRegionalFailover(
  client: Locality,
  groups: LbGroup[],
  failover: NonNullable<ZoneAwareLbSetting["failover"]>,
): LbGroup[] {
  const rule = failover.find((r) => r.from === client.region);
  const raw = groups.map((g) => {
    const region = parseLocality(g.locality).region;
    const p = region === client.region ? 0 : rule !== undefined && region === rule.to ? 1 : 2;
    return g.priority * 3 + p;
  });
  return compact(groups, raw);
}

// Envoy needs priorities 0..N-1 without gaps: renumber the distinct values in ascending order.
function compact(groups: LbGroup[], priorities: number[]): LbGroup[] {
  const rank = new Map([...new Set(priorities)].sort((a, b) => a - b).map((p, i) => [p, i]));
  return groups.map((g, i) => ({ ...g, priority: rank.get(priorities[i] ?? 0) ?? 0 }));
}

/**
 * `applyFailoverPriorities`: each group is split by how many leading failoverPriority labels its endpoints share
 * with the client (`N - j` at the first mismatch `j`, 0 when all match), each split weighing the sum of its
 * endpoint weights; then all splits are compacted. No-op when the client has no labels or there are no groups.
 */
export function applyFailoverPriorities(
  groups: LbGroup[],
  clientLabels: Labels,
  failoverPriority: readonly string[],
  networkPreferred: boolean,
): LbGroup[] {
  if (Object.keys(clientLabels).length === 0 || groups.length === 0) return groups;
  const rank = labelRanker(clientLabels, failoverPriority, networkPreferred);
  const splits = groups.flatMap((g) => splitGroup(g, rank));
  return compact(splits, splits.map((s) => s.priority));
}

// applyFailoverPriorityPerLocality: one split per distinct priority, ascending; an empty group yields none.
function splitGroup(group: LbGroup, rank: (labels: Labels) => number): LbGroup[] {
  const byPriority = new Map<number, EndpointSet[]>();
  for (const set of group.endpoints) {
    const p = rank(set.labels);
    byPriority.set(p, [...(byPriority.get(p) ?? []), set]);
  }
  return [...byPriority.entries()]
    .sort(([a], [b]) => a - b)
    .map(([priority, endpoints]) => ({
      source: group.source,
      locality: group.locality,
      priority,
      endpoints,
      weight: endpoints.reduce((w, s) => (w + s.weight * s.count) % UINT32, 0),
    }));
}

/**
 * The priority of one endpoint under failoverPriority (`applyFailoverPriorityPerLocality`). `key=value` compares
 * against the value instead of the client's label. 1.31+ (#60829): when the first entry is exactly the network
 * label, a network mismatch adds N and the walk goes on ("network preferred, not required").
 */
export function labelRanker(
  clientLabels: Labels,
  failoverPriority: readonly string[],
  networkPreferred: boolean,
): (labels: Labels) => number {
  const n = failoverPriority.length;
  const includesNetwork = networkPreferred && failoverPriority[0] === TOPOLOGY_LABELS.network;
  const keys: string[] = [];
  const overrides = new Map<string, string>();
  for (const entry of failoverPriority) {
    const parts = entry.split("=");
    const key = parts[0] ?? "";
    keys.push(key);
    if (parts.length === 2) overrides.set(key, parts[1] ?? "");
  }
  return (labels) => {
    let adjust = 0;
    for (const [j, key] of keys.entries()) {
      const want = overrides.has(key) ? overrides.get(key) : clientLabels[key] ?? "";
      if (want === (labels[key] ?? "")) continue;
      if (j === 0 && includesNetwork) {
        adjust = n;
        continue;
      }
      return n - j + adjust;
    }
    return adjust;
  };
}
