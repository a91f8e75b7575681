/** The Istio schemas the validator checks against, hand-written in model/traffic/schemas/ (see model/traffic/schemas/README.md). */
import { destinationRuleSpec, subset, trafficPolicy } from "../schemas/destinationRule";
import { meshConfig } from "../schemas/meshConfig";
import { httpRoute } from "../schemas/virtualService";
import type { OpenApiSchema } from "./types";

/** `spec` of Istio's DestinationRule (networking.istio.io/v1); see model/traffic/schemas/destinationRule.ts. */
export const destinationRuleSpecSchema: OpenApiSchema = destinationRuleSpec;

/** `spec.trafficPolicy` of Istio's DestinationRule (the same node as `destinationRuleSpecSchema.properties.trafficPolicy`). */
export const trafficPolicySchema: OpenApiSchema = trafficPolicy;

/** `spec.subsets[]` of Istio's DestinationRule. */
export const subsetSchema: OpenApiSchema = subset;

/** `spec.http[]` of Istio's VirtualService; see model/traffic/schemas/virtualService.ts. */
export const httpRouteSchema: OpenApiSchema = httpRoute;

/** The modelled part of Istio's MeshConfig; see model/traffic/schemas/meshConfig.ts. */
export const meshConfigSchema: OpenApiSchema = meshConfig;
