/**
 * A small, strict validator for the OpenAPI v3 subset that Kubernetes CRD ("structural") schemas use, so that
 * Istio config written in the stack YAML can be checked against the DestinationRule schema (written out in
 * model/traffic/schemas/destinationRule.ts after Istio's published API) before anything is deployed.
 *
 * It differs from the Kubernetes API server on purpose:
 *   - UNKNOWN KEYS ARE ERRORS. Kubernetes silently prunes them, so `outlierDetecton:` would simply vanish.
 *   - `null` is an error unless the schema says `nullable: true` (Kubernetes prunes it; here it is almost always
 *     an empty YAML value the user forgot to fill in).
 *   - `x-kubernetes-validations` (CEL) rules are NOT evaluated, with one exception: the duration rule that Istio
 *     puts on every duration field, `duration(self) >= duration('1ms')` (and the same shape with `>`, `<=`, `<`),
 *     is recognised and checked with Go's `time.ParseDuration` syntax, because that is what makes an interval
 *     string "valid" in these schemas. Every other CEL rule is ignored (see model/traffic/schemas/README.md for the list).
 *
 * Every problem is `{ path, message }` with `path` extending the caller's prefix, e.g.
 * `traffic.policies[0].trafficPolicy.outlierDetection.consecutive5xxErrors` or `...to["us/west/zone3/*"]`.
 *
 * This module is the public entry point; the implementation lives in model/traffic/openapi/: `types` (the schema subset),
 * `parse` (JSON -> OpenApiSchema), `build` (the builders model/schemas uses), `istio` (the DestinationRule schemas), `validate` (the walk and the
 * combinators), `keywords` (type/enum/string/range checks), `branches` (reading allOf/oneOf/anyOf), `duration`
 * (Go durations and the CEL duration rule) and `messages` (wording, hints, did-you-mean).
 */
export { parseDuration } from "./openapi/duration";
export { destinationRuleSpecSchema, httpRouteSchema, meshConfigSchema, subsetSchema, trafficPolicySchema } from "./openapi/istio";
export { parseOpenApiSchema } from "./openapi/parse";
export type { CelValidation, OpenApiSchema, OpenApiType, SchemaProblem } from "./openapi/types";
export { validateAgainstSchema } from "./openapi/validate";
