/**
 * The `spec` of Istio's DestinationRule (networking.istio.io/v1), written by hand for this project's validator.
 * Facts per field: name, type, enum values, ranges, which fields are durations, nullable wrappers, required fields,
 * and protobuf `oneof` groups. Descriptions are left out; read the Istio API reference for what a field does.
 * Source of the facts: Istio API reference, istio/api networking/v1alpha3/destination_rule.proto, as served by
 * Istio 1.31 (see model/traffic/schemas/README.md, which also says how to add fields).
 *
 * Fields are listed alphabetically within each message, the order unknown-key messages name them in.
 */
import { arrOf, atMostOneOf, bool, double, duration, enumOf, int32, mapOf, obj, str, uint32, uint64 } from "../openapi/build";
import type { OpenApiSchema } from "../openapi/types";

// --- load balancing --------------------------------------------------------------------------------------------

// LoadBalancerSettings.ConsistentHashLB.HTTPCookie (and its Attribute): destination_rule.proto
const httpCookie = obj(
  {
    attributes: arrOf(obj({ name: str(), value: str() }, { required: ["name"] })),
    name: str(),
    path: str(),
    ttl: str(), // a duration, but the CRD carries no duration rule for it
  },
  { required: ["name"] },
);

// LoadBalancerSettings.ConsistentHashLB (with RingHash and MagLev): destination_rule.proto
const consistentHash = obj(
  {
    httpCookie,
    httpHeaderName: str(),
    httpQueryParameterName: str(),
    maglev: obj({ tableSize: uint64() }),
    minimumRingSize: uint64(), // deprecated in favour of ringHash.minimumRingSize
    ringHash: obj({ minimumRingSize: uint64() }),
    useSourceIp: bool(),
  },
  {
    oneofs: [
      atMostOneOf(["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"]),
      atMostOneOf(["ringHash", "maglev"]),
    ],
  },
);

// LocalityLoadBalancerSetting.Failover: destination_rule.proto (also used by zoneAwareLbSetting)
const failover = arrOf(obj({ from: str(), to: str() }));

// LocalityLoadBalancerSetting (with Distribute): destination_rule.proto
const localityLbSetting = obj({
  distribute: arrOf(obj({ from: str(), to: mapOf(uint32()) })),
  enabled: bool({ nullable: true }),
  failover,
  failoverPriority: arrOf(str()),
});

// WarmupConfiguration: destination_rule.proto
const warmup = obj(
  {
    aggression: double({ nullable: true, minimum: 0 }),
    duration: duration(),
    minimumPercent: double({ nullable: true, minimum: 0, maximum: 100 }),
  },
  { required: ["duration"] },
);

// LoadBalancerSettings.zone_aware_lb_setting (Istio >= 1.31): destination_rule.proto
const zoneAwareLbSetting = obj({
  enabled: bool({ nullable: true }),
  failover,
  failoverPriority: arrOf(str()),
  minClusterSize: uint32({ nullable: true, minimum: 1 }),
});

// LoadBalancerSettings (SimpleLB enum, oneof lb_policy): destination_rule.proto
const loadBalancer = obj(
  {
    consistentHash,
    localityLbSetting,
    simple: enumOf(["UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"]),
    warmup,
    warmupDurationSecs: duration(),
    zoneAwareLbSetting,
  },
  { oneofs: [atMostOneOf(["simple", "consistentHash"])] },
);

// --- connection pool -------------------------------------------------------------------------------------------

// ConnectionPoolSettings.HTTPSettings (H2UpgradePolicy enum): destination_rule.proto
const http = obj({
  h2UpgradePolicy: enumOf(["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"]),
  http1MaxPendingRequests: int32(),
  http2KeepAlive: obj({ interval: duration(), timeout: duration() }),
  http2MaxRequests: int32(),
  idleTimeout: duration(),
  maxConcurrentStreams: int32(),
  maxRequestsPerConnection: int32(),
  maxRetries: int32(),
  useClientProtocol: bool(),
});

// ConnectionPoolSettings.TCPSettings (with TcpKeepalive): destination_rule.proto
const tcp = obj({
  connectTimeout: duration(),
  idleTimeout: str(), // a duration, but the CRD carries no duration rule for it
  maxConnectionDuration: duration(),
  maxConnections: int32(),
  tcpKeepalive: obj({ interval: duration(), probes: uint32(), time: duration() }),
});

// ConnectionPoolSettings: destination_rule.proto
const connectionPool = obj({ http, tcp });

// --- outlier detection -----------------------------------------------------------------------------------------

// OutlierDetection: destination_rule.proto
const outlierDetection = obj({
  baseEjectionTime: duration(),
  consecutive5xxErrors: uint32({ nullable: true }),
  consecutiveErrors: int32(), // deprecated
  consecutiveGatewayErrors: uint32({ nullable: true }),
  consecutiveLocalOriginFailures: uint32({ nullable: true }),
  interval: duration(),
  maxEjectionPercent: int32(),
  minHealthPercent: int32(),
  outlierDetectionHttpErrorCodes: arrOf(uint32({ minimum: 100, maximum: 599 })),
  splitExternalLocalOriginErrors: bool(),
});

// --- TLS -------------------------------------------------------------------------------------------------------

// ClientTLSSettings (TLSmode enum): destination_rule.proto
const tls = obj({
  caCertificates: str(),
  caCrl: str(),
  clientCertificate: str(),
  credentialName: str(),
  insecureSkipVerify: bool({ nullable: true }),
  mode: enumOf(["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"]),
  privateKey: str(),
  sni: str(),
  subjectAltNames: arrOf(str()),
});

// --- traffic policy --------------------------------------------------------------------------------------------

// TrafficPolicy.PortTrafficPolicy: destination_rule.proto; `port` is a PortSelector (virtual_service.proto)
const portTrafficPolicy = obj({
  connectionPool,
  loadBalancer,
  outlierDetection,
  port: obj({ number: uint32() }),
  tls,
});

/** `spec.trafficPolicy` (also `spec.subsets[].trafficPolicy`). */
// TrafficPolicy (with ProxyProtocol, RetryBudget and TunnelSettings): destination_rule.proto
export const trafficPolicy: OpenApiSchema = obj({
  connectionPool,
  loadBalancer,
  outlierDetection,
  portLevelSettings: arrOf(portTrafficPolicy, { maxItems: 4096 }),
  proxyProtocol: obj({ version: enumOf(["V1", "V2"]) }),
  retryBudget: obj({
    budgetInterval: str(), // a duration, but the CRD carries no duration rule for it
    minRetryConcurrency: uint32(),
    percent: double({ nullable: true, minimum: 0, maximum: 100 }),
  }),
  tls,
  tunnel: obj({ protocol: str(), targetHost: str(), targetPort: uint32() }, { required: ["targetHost", "targetPort"] }),
});

// --- DestinationRule -------------------------------------------------------------------------------------------

/** `spec.subsets[]`: name, labels, and a trafficPolicy merged over the rule's own. */
// Subset: destination_rule.proto
export const subset: OpenApiSchema = obj({ labels: mapOf(str()), name: str(), trafficPolicy }, { required: ["name"] });

// WorkloadSelector: istio/api type/v1beta1/selector.proto. The CRD's CEL rules on label keys/values (no `*`, no
// empty key) are not evaluated by the validator and are left out.
const workloadSelector = obj({ matchLabels: mapOf(str({ maxLength: 63 }), { maxProperties: 4096 }) });

/** `spec` of a DestinationRule. */
// DestinationRule: destination_rule.proto
export const destinationRuleSpec: OpenApiSchema = obj(
  {
    exportTo: arrOf(str()),
    host: str(),
    subsets: arrOf(subset),
    trafficPolicy,
    workloadSelector,
  },
  { required: ["host"] },
);
