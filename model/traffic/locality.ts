/**
 * Locality load balancing: what istiod programs into Envoy for a DestinationRule's `localityLbSetting`, and how
 * Envoy then splits traffic (see shared/field-guide/locality-model.md). Pure functions, no I/O.
 * Locality strings are `region/zone/subzone`.
 */
export type { AssignmentEntry, Diagnostic, Labels, Locality, LocalityLbSetting, ZoneAwareLbSetting } from "./locality/types";
export {
  DEFAULT_ISTIO_VERSION,
  TOPOLOGY_LABELS,
  describePattern,
  formatLocality,
  istioMinor,
  lbPriority,
  localityMatch,
  parseLocality,
} from "./locality/parse";
export { validateLocalities, validateLocalityLbSetting } from "./locality/validation";
export {
  type OutlierDetectionInput,
  VERSION_RULES,
  clusterLocalityConfig,
  effectiveLocalityLbSetting,
  failoverPriorityCacheKey,
  outlierDetectionOf,
  sendsNotReadyEndpoints,
  trafficDistributionPriority,
} from "./locality/settings";
export { type ClaGroupInput, type ClaGroupOutput, applyLocalityLbSetting, applyZoneAwareLbSetting } from "./locality/apply";
export {
  type EnvoyLocality,
  type EnvoyPriority,
  type EnvoyPriorityLoad,
  envoyEffectiveLocalityWeights,
  envoyLocalityShares,
  envoyPriorityLoad,
} from "./locality/envoy";
export { type EnvoyAssignmentEntry, envoyEntryShares, envoyTrafficShares } from "./locality/traffic";
export { type HostShare, type TrafficPrediction, type TrafficScenario, augmentLabels, predictTraffic } from "./locality/predict";
export { type DroppedGatewayCopy, type NetworkGateway, dedupeHosts, endpointsByNetworkFilter, gatewayAddress, weightScaleFactor } from "./locality/network";
