/** The Istio schemas the validator checks against, hand-written in model/traffic/schemas/ (see model/traffic/schemas/README.md). */
import { destinationRuleSpec, trafficPolicy } from "../schemas/destinationRule";
import type { OpenApiSchema } from "./types";

/** `spec` of Istio's DestinationRule (networking.istio.io/v1); see model/traffic/schemas/destinationRule.ts. */
export const destinationRuleSpecSchema: OpenApiSchema = destinationRuleSpec;

/** `spec.trafficPolicy` of Istio's DestinationRule (the same node as `destinationRuleSpecSchema.properties.trafficPolicy`). */
export const trafficPolicySchema: OpenApiSchema = trafficPolicy;
