import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PolicySpec, ServiceSpec } from "../model/types";
import { inCluster, type ClusterHandle } from "./types";

export interface TrafficPoliciesArgs {
  /** A cluster whose istiod reads configuration: each primary reads DestinationRules from itself only (istio#35704). */
  cluster: ClusterHandle;
  policies: PolicySpec[];
  services: ServiceSpec[];
  /** What must exist first: istiod (its CRDs and validating webhook) and the services' namespaces. @default nothing */
  after?: pulumi.Resource[];
}

/** The DestinationRule of a policy: the stack's `trafficPolicy` exactly as written, for the service's FQDN. */
export function destinationRuleSpec(policy: PolicySpec, services: ServiceSpec[]): { host: string; trafficPolicy: Record<string, unknown> } {
  const service = services.find((s) => s.name === policy.service);
  if (!service) throw new Error(`internal: policy for unknown service ${policy.service}`);
  return { host: `${service.name}.${service.namespace}.svc.cluster.local`, trafficPolicy: policy.trafficPolicy };
}

/** One DestinationRule per policy, in one configuration cluster, in the service's namespace. */
export class TrafficPolicies extends pulumi.ComponentResource {
  readonly rules: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: TrafficPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:traffic:TrafficPolicies", name, {}, opts);
    const child = inCluster(args.cluster, { parent: this, dependsOn: args.after ?? [] });
    this.rules = args.policies.map((policy) => {
      const spec = destinationRuleSpec(policy, args.services);
      const namespace = args.services.find((s) => s.name === policy.service)!.namespace;
      return new k8s.apiextensions.CustomResource(
        `${name}-dr-${policy.service}`,
        {
          apiVersion: "networking.istio.io/v1",
          kind: "DestinationRule",
          metadata: { name: policy.service, namespace, labels: { "app.kubernetes.io/managed-by": "kindmesh" } },
          spec,
        },
        child,
      );
    });
    this.registerOutputs({});
  }
}
