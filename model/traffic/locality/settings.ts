import { TOPOLOGY_LABELS, istioMinor } from "./parse";
import type { Labels, LocalityLbSetting, ZoneAwareLbSetting } from "./types";

/** Outlier detection on the merged traffic policy: absent (false), present (true, an empty `{}`), or its fields. */
export type OutlierDetectionInput = boolean | { minHealthPercent?: number } | null | undefined;

/** Releases whose behaviour differs (locality-model.md §11). */
export const VERSION_RULES = {
  /** 1.24 (#52898): locality_weighted_lb_config only with distribute, or failover/failoverPriority plus failover on. */
  narrowedLocalityWeightedLb: 24,
  /** 1.25 (b2aba6fb8f4): Service trafficDistribution PreferClose forces failoverPriority. */
  trafficDistribution: 25,
  /** 1.27 (6e14c7dc785): PreferSameZone / PreferSameNode, and PreferClose drops the subzone label. */
  trafficDistributionZoneNode: 27,
  /** 1.30 (#58613): a proxy with no network of its own reaches other networks' endpoints through their gateway. */
  gatewayForProxyWithoutNetwork: 30,
  /** 1.31 (#60690, #60829, zoneAwareLbSetting): not-ready endpoints sent UNHEALTHY, PT 0, network preferred. */
  sendUnhealthyByDefault: 31,
} as const;

const { network, region, zone, subzone, hostname } = TOPOLOGY_LABELS;

/**
 * The failoverPriority a Service `trafficDistribution` forces (`GetEffectiveLbSetting` / `GetLocalityLbSetting`,
 * loadbalancer.go), or null when the value is not recognised by that Istio release. The value is matched without
 * regard to case, as istiod does for the `networking.istio.io/traffic-distribution` annotation.
 */
export function trafficDistributionPriority(value: string | null | undefined, istioVersion?: string): string[] | null {
  const minor = istioMinor(istioVersion);
  const v = (value ?? "").toLowerCase();
  if (minor < VERSION_RULES.trafficDistribution || v === "") return null;
  if (minor < VERSION_RULES.trafficDistributionZoneNode) {
    return v === "preferclose" ? [network, region, zone, subzone] : null;
  }
  if (v === "preferclose" || v === "prefersamezone") return [network, region, zone];
  if (v === "prefersamenode") return [network, region, zone, subzone, hostname];
  return null;
}

/**
 * Which locality setting applies and whether failover is forced (`GetEffectiveLbSetting`, loadbalancer.go):
 * DestinationRule (whole, never merged; `enabled: false` = none), then the Service's trafficDistribution (forces
 * failover), then the mesh (`enabled: false` = none). No defaults are applied to the inputs. In 1.31+ a
 * zoneAwareLbSetting wins at its own level (DR before mesh); it is returned in `zoneAware`.
 */
export function effectiveLocalityLbSetting(args: {
  mesh?: LocalityLbSetting | null;
  destinationRule?: LocalityLbSetting | null;
  serviceTrafficDistribution?: string | null;
  istioVersion?: string;
  destinationRuleZoneAware?: ZoneAwareLbSetting | null;
  meshZoneAware?: ZoneAwareLbSetting | null;
}): { setting: LocalityLbSetting | null; forceFailover: boolean; zoneAware?: ZoneAwareLbSetting } {
  const zoneAwareSupported = istioMinor(args.istioVersion) >= VERSION_RULES.sendUnhealthyByDefault;
  if (zoneAwareSupported && args.destinationRuleZoneAware) return zoneAware(args.destinationRuleZoneAware);
  const dr = args.destinationRule;
  if (dr) return { setting: dr.enabled === false ? null : dr, forceFailover: false };
  const forced = trafficDistributionPriority(args.serviceTrafficDistribution, args.istioVersion);
  if (forced) return { setting: { enabled: true, failoverPriority: forced }, forceFailover: true };
  if (zoneAwareSupported && args.meshZoneAware) return zoneAware(args.meshZoneAware);
  const mesh = args.mesh;
  if (mesh) return { setting: mesh.enabled === false ? null : mesh, forceFailover: false };
  return { setting: null, forceFailover: false };
}

// A zone-aware setting forces failover unless it is explicitly disabled (ZoneAwareLBSettings.ForceFailover).
function zoneAware(setting: ZoneAwareLbSetting): { setting: null; forceFailover: boolean; zoneAware: ZoneAwareLbSetting } {
  return { setting: null, forceFailover: setting.enabled !== false, zoneAware: setting };
}

/** Whether outlier detection is present, and the `minHealthPercent` it carries (0 when unset). */
export function outlierDetectionOf(od: OutlierDetectionInput): { present: boolean; minHealthPercent: number } {
  if (od === true) return { present: true, minHealthPercent: 0 };
  if (od === false || od === null || od === undefined) return { present: false, minHealthPercent: 0 };
  return { present: true, minHealthPercent: od.minHealthPercent ?? 0 };
}

/**
 * Whether istiod sends not-ready endpoints (as UNHEALTHY) instead of dropping them (`filterIstioEndpoint`,
 * `supportsUnhealthyEndpoints`): 1.31+ unless outlier detection has `minHealthPercent > 0`; before, only for a
 * Service with a recognised trafficDistribution (1.25+), which always forces them to be sent.
 */
export function sendsNotReadyEndpoints(args: {
  outlierDetection?: OutlierDetectionInput;
  serviceTrafficDistribution?: string | null;
  istioVersion?: string;
}): boolean {
  if (trafficDistributionPriority(args.serviceTrafficDistribution, args.istioVersion)) return true;
  if (istioMinor(args.istioVersion) < VERSION_RULES.sendUnhealthyByDefault) return false;
  return !(outlierDetectionOf(args.outlierDetection).minHealthPercent > 0);
}

/**
 * The cluster-level (CDS) consequences of the effective setting (`ApplyToCluster`, `applyLoadBalancer`,
 * `applyOutlierDetection`): whether failover is on, whether `locality_weighted_lb_config` is set, and the
 * panic threshold Envoy uses (percent; 50 when Istio leaves it unset).
 */
export function clusterLocalityConfig(args: {
  setting: LocalityLbSetting | null;
  forceFailover?: boolean;
  outlierDetection?: OutlierDetectionInput;
  serviceTrafficDistribution?: string | null;
  istioVersion?: string;
}): { enableFailover: boolean; localityWeightedLb: boolean; panicThreshold: number } {
  const minor = istioMinor(args.istioVersion);
  const od = outlierDetectionOf(args.outlierDetection);
  const enableFailover = od.present || args.forceFailover === true;
  const s = args.setting;
  const localityWeightedLb =
    minor < VERSION_RULES.narrowedLocalityWeightedLb
      ? s !== null
      : nonEmpty(s?.distribute) || (enableFailover && (nonEmpty(s?.failover) || nonEmpty(s?.failoverPriority)));
  const forcesUnhealthy = trafficDistributionPriority(args.serviceTrafficDistribution, args.istioVersion) !== null;
  return { enableFailover, localityWeightedLb, panicThreshold: panicThreshold(minor, od, forcesUnhealthy) };
}

// healthy_panic_threshold: OD's minHealthPercent (0 when the Service forces unhealthy endpoints); without OD, 0
// when unhealthy endpoints are supported (1.31 default, or trafficDistribution), else Envoy's default 50.
function panicThreshold(minor: number, od: { present: boolean; minHealthPercent: number }, forcesUnhealthy: boolean): number {
  if (od.present && od.minHealthPercent >= 0) return forcesUnhealthy ? 0 : od.minHealthPercent;
  return minor >= VERSION_RULES.sendUnhealthyByDefault || forcesUnhealthy ? 0 : 50;
}

/** A repeated field as Go sees it after proto decoding: an empty list is nil. */
export function nonEmpty<T>(list: readonly T[] | null | undefined): list is readonly T[] {
  return list !== null && list !== undefined && list.length > 0;
}

/**
 * The per-proxy EDS cache key istiod builds from the failoverPriority labels (`populateFailoverPriorityLabels`,
 * endpoint_builder.go; `GetFailoverPriorityLabels`, util.go), or null when failoverPriority does not apply to
 * this proxy: no outlier detection, no effective setting, `distribute` set, or disabled.
 */
export function failoverPriorityCacheKey(args: {
  proxyLabels: Labels;
  outlierDetection?: OutlierDetectionInput;
  destinationRule?: LocalityLbSetting | null;
  mesh?: LocalityLbSetting | null;
  serviceTrafficDistribution?: string | null;
  istioVersion?: string;
}): string | null {
  if (!outlierDetectionOf(args.outlierDetection).present) return null;
  const effective = effectiveLocalityLbSetting(args);
  const s = effective.setting;
  const labels = effective.zoneAware
    ? effective.zoneAware.enabled === false ? undefined : effective.zoneAware.failoverPriority
    : s && !nonEmpty(s.distribute) && s.enabled !== false ? s.failoverPriority : undefined;
  if (!nonEmpty(labels)) return null;
  return labels.map((key) => `${key}:${args.proxyLabels[key] ?? ""} `).join("");
}
