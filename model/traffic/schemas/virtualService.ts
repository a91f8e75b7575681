/**
 * The `spec.http[]` routes of Istio's VirtualService (networking.istio.io/v1), written by hand for this project's
 * validator in the style of destinationRule.ts. Source of the facts: istio/api networking/v1alpha3/
 * virtual_service.proto, and the VirtualService CRD installed by Istio 1.31 (istio/istio release-1.31,
 * manifests/charts/base/files/crd-all.gen.yaml) for the keyword-level details (see README.md in this folder).
 *
 * kindmesh writes `hosts` itself (the service's FQDN) and has no gateways, so only `http` is the user's.
 * Fields are listed alphabetically within each message, the order unknown-key messages name them in.
 */
import { arrOf, atMostOneOf, bool, double, duration, enumOf, int32, mapOf, obj, str, uint32 } from "../openapi/build";
import type { OpenApiSchema } from "../openapi/types";

// StringMatch (oneof match_type): virtual_service.proto
const stringMatch = obj({ exact: str(), prefix: str(), regex: str() }, { oneofs: [atMostOneOf(["exact", "prefix", "regex"])] });

// PortSelector: virtual_service.proto
const portSelector = obj({ number: uint32() });

// Destination: virtual_service.proto
const destination = obj({ host: str(), port: portSelector, subset: str() }, { required: ["host"] });

// Percent: virtual_service.proto
const percent = obj({ value: double() });

// Headers.HeaderOperations: virtual_service.proto
const headerOperations = obj({ add: mapOf(str()), remove: arrOf(str()), set: mapOf(str()) });

// Headers: virtual_service.proto
const headers = obj({ request: headerOperations, response: headerOperations });

// HTTPMatchRequest: virtual_service.proto
const httpMatch = obj({
  authority: stringMatch,
  gateways: arrOf(str()),
  headers: mapOf(stringMatch),
  ignoreUriCase: bool(),
  method: stringMatch,
  name: str(),
  port: uint32(),
  queryParams: mapOf(stringMatch),
  scheme: stringMatch,
  sourceLabels: mapOf(str()),
  sourceNamespace: str(),
  statPrefix: str(),
  uri: stringMatch,
  withoutHeaders: mapOf(stringMatch),
});

// HTTPRouteDestination: virtual_service.proto
const routeDestination = obj({ destination, headers, weight: int32() }, { required: ["destination"] });

// HTTPRedirect (oneof redirect_port): virtual_service.proto
const redirect = obj(
  {
    authority: str(),
    derivePort: enumOf(["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"]),
    port: uint32(),
    prefixRewrite: str(),
    redirectCode: uint32(),
    scheme: str(),
    uri: str(),
  },
  { oneofs: [atMostOneOf(["port", "derivePort"])] },
);

// HTTPDirectResponse (with HTTPBody, oneof specifier): virtual_service.proto
const directResponse = obj(
  { body: obj({ bytes: { type: "string", format: "byte" }, string: str() }, { oneofs: [atMostOneOf(["string", "bytes"])] }), status: uint32() },
  { required: ["status"] },
);

// HTTPFaultInjection (Delay and Abort, each with a oneof): virtual_service.proto
const fault = obj({
  abort: obj(
    { grpcStatus: str(), http2Error: str(), httpStatus: int32(), percentage: percent },
    { oneofs: [atMostOneOf(["httpStatus", "grpcStatus", "http2Error"])] },
  ),
  delay: obj(
    { exponentialDelay: duration(), fixedDelay: duration(), percent: int32(), percentage: percent },
    { oneofs: [atMostOneOf(["fixedDelay", "exponentialDelay"])] },
  ),
});

// HTTPRetry: virtual_service.proto
const retries = obj({
  attempts: int32(),
  backoff: duration(),
  perTryTimeout: duration(),
  retryIgnorePreviousHosts: bool({ nullable: true }),
  retryOn: str(),
  retryRemoteLocalities: bool({ nullable: true }),
});

// HTTPRewrite (with RegexRewrite): virtual_service.proto
const rewrite = obj({ authority: str(), uri: str(), uriRegexRewrite: obj({ match: str(), rewrite: str() }) });

// CorsPolicy: virtual_service.proto
const corsPolicy = obj({
  allowCredentials: bool({ nullable: true }),
  allowHeaders: arrOf(str()),
  allowMethods: arrOf(str()),
  allowOrigin: arrOf(str()), // deprecated in favour of allowOrigins
  allowOrigins: arrOf(stringMatch),
  exposeHeaders: arrOf(str()),
  maxAge: duration(),
  unmatchedPreflights: enumOf(["UNSPECIFIED", "FORWARD", "IGNORE"]),
});

/** One entry of `spec.http`. */
// HTTPRoute: virtual_service.proto. `mirror_percent` is really spelled so in the 1.31 CRD (a deprecated json_name).
export const httpRoute: OpenApiSchema = obj({
  corsPolicy,
  delegate: obj({ name: str(), namespace: str() }),
  directResponse,
  fault,
  headers,
  match: arrOf(httpMatch),
  mirror: destination,
  mirror_percent: uint32({ nullable: true }),
  mirrorPercent: uint32({ nullable: true }),
  mirrorPercentage: percent,
  mirrors: arrOf(obj({ destination, percentage: percent }, { required: ["destination"] })),
  name: str(),
  redirect,
  retries,
  rewrite,
  route: arrOf(routeDestination),
  timeout: duration(),
});
