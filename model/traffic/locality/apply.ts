import { DEFAULT_ISTIO_VERSION, istioMinor, parseLocality } from "./parse";
import {
  type EndpointSet,
  type LbGroup,
  applyFailoverPriorities,
  applyZoneAwareRegionalFailover,
  rewriteLoadAssignment,
} from "./rewrite";
import { VERSION_RULES, nonEmpty } from "./settings";
import type { AssignmentEntry, Labels, LocalityLbSetting, ZoneAwareLbSetting } from "./types";

/** A load-assignment group as the unit tests build it: a count of plain endpoints, or endpoints with labels. */
export interface ClaGroupInput {
  locality: string;
  weight: number | null;
  endpoints: number | { labels?: Labels; weight?: number }[];
}

/** An output group; `group` is the input group it came from, `endpointIndexes` which of its endpoints it holds. */
export type ClaGroupOutput = AssignmentEntry & { group: number; endpointIndexes: number[] };

interface ClaArgs {
  client: { locality: string; labels?: Labels };
  groups: ClaGroupInput[];
  istioVersion?: string;
}

/**
 * istiod's rewrite of one cluster load assignment for one client (`ApplyLocalityLoadBalancer`,
 * loadbalancer.go): distribute weights, or with failover on, failoverPriority splits and proximity priorities.
 * Labels are used as given (no topology labels are added). `{ enabled: false }` or null rewrites nothing.
 */
export function applyLocalityLbSetting(
  args: ClaArgs & { setting: LocalityLbSetting | null; enableFailover: boolean },
): ClaGroupOutput[] {
  const { groups } = rewriteLoadAssignment({
    client: parseLocality(args.client.locality),
    clientLabels: args.client.labels ?? {},
    groups: toGroups(args.groups),
    setting: args.setting,
    enableFailover: args.enableFailover,
    networkPreferred: istioMinor(args.istioVersion ?? DEFAULT_ISTIO_VERSION) >= VERSION_RULES.sendUnhealthyByDefault,
  });
  return groups.map(toOutput);
}

/**
 * Istio 1.31's zone-aware priority rewrite (`ApplyZoneAwareLoadBalancer`): optional failoverPriority splits,
 * then region buckets (same region, failover target, other regions). `enabled: false` rewrites nothing.
 */
export function applyZoneAwareLbSetting(args: ClaArgs & { setting: ZoneAwareLbSetting | null }): ClaGroupOutput[] {
  const s = args.setting;
  let groups = toGroups(args.groups);
  if (s && s.enabled !== false) {
    if (nonEmpty(s.failoverPriority)) {
      groups = applyFailoverPriorities(groups, args.client.labels ?? {}, s.failoverPriority, true);
    }
    groups = applyZoneAwareRegionalFailover(parseLocality(args.client.locality), groups, s.failover ?? []);
  }
  return groups.map(toOutput);
}

function toGroups(input: ClaGroupInput[]): LbGroup[] {
  return input.map((g, source) => ({ source, locality: g.locality, priority: 0, weight: g.weight, endpoints: toSets(g.endpoints) }));
}

function toSets(endpoints: ClaGroupInput["endpoints"]): EndpointSet[] {
  if (typeof endpoints === "number") {
    return endpoints > 0 ? [{ index: 0, labels: {}, weight: 1, count: endpoints, healthy: endpoints }] : [];
  }
  return endpoints.map((e, index) => ({ index, labels: e.labels ?? {}, weight: e.weight ?? 1, count: 1, healthy: 1 }));
}

function toOutput(g: LbGroup): ClaGroupOutput {
  return {
    locality: g.locality,
    priority: g.priority,
    weight: g.weight,
    endpoints: g.endpoints.reduce((n, s) => n + s.count, 0),
    group: g.source,
    endpointIndexes: g.endpoints.flatMap((s) => Array.from({ length: s.count }, (_, k) => s.index + k)),
  };
}
