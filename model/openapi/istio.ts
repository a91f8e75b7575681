/** Istio's published CRD schemas, parsed once at load (see model/schemas/README.md). */
import destinationRuleSpecJson from "../schemas/destinationrule-v1-spec.json";
import { parseOpenApiSchema } from "./parse";
import type { OpenApiSchema } from "./types";

/** `spec` of Istio's DestinationRule CRD (networking.istio.io/v1); see model/schemas/README.md. */
export const destinationRuleSpecSchema: OpenApiSchema = parseOpenApiSchema(destinationRuleSpecJson, "destinationrule-v1-spec");

const trafficPolicyNode = destinationRuleSpecSchema.properties?.trafficPolicy;
if (trafficPolicyNode === undefined) throw new Error("destinationrule-v1-spec.json has no properties.trafficPolicy");

/** `spec.trafficPolicy` of Istio's DestinationRule CRD. */
export const trafficPolicySchema: OpenApiSchema = trafficPolicyNode;
