import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PolicySpec, RouteSpec, ServiceSpec } from "../model/types";
import { inCluster, type ClusterHandle } from "./types";

export interface TrafficPoliciesArgs {
  /** A cluster whose istiod reads configuration: each primary reads DestinationRules from itself only (istio#35704). */
  cluster: ClusterHandle;
  policies: PolicySpec[];
  services: ServiceSpec[];
  /** One VirtualService per entry, next to the DestinationRules. @default none */
  routes?: RouteSpec[];
  /** What must exist first: istiod (its CRDs and validating webhook) and the services' namespaces. @default nothing */
  after?: pulumi.Resource[];
}

const MANAGED = { "app.kubernetes.io/managed-by": "kindmesh" };

function serviceOf(name: string, services: ServiceSpec[]): ServiceSpec {
  const service = services.find((s) => s.name === name);
  if (!service) throw new Error(`internal: traffic config for unknown service ${name}`);
  return service;
}

const hostOf = (s: ServiceSpec) => `${s.name}.${s.namespace}.svc.cluster.local`;

/** The DestinationRule of a policy: the stack's `trafficPolicy` and `subsets` exactly as written, for the service's FQDN. */
export function destinationRuleSpec(policy: PolicySpec, services: ServiceSpec[]): { host: string; trafficPolicy: Record<string, unknown>; subsets?: Record<string, unknown>[] } {
  const host = hostOf(serviceOf(policy.service, services));
  return { host, trafficPolicy: policy.trafficPolicy, ...(policy.subsets ? { subsets: policy.subsets } : {}) };
}

/** The VirtualService of a route: the stack's `http` routes exactly as written, for the service's FQDN (sidecars: gateway "mesh"). */
export function virtualServiceSpec(route: RouteSpec, services: ServiceSpec[]): { hosts: string[]; http: Record<string, unknown>[] } {
  return { hosts: [hostOf(serviceOf(route.service, services))], http: route.http };
}

/** One DestinationRule per policy and one VirtualService per route, in one configuration cluster, in the service's namespace. */
export class TrafficPolicies extends pulumi.ComponentResource {
  readonly rules: k8s.apiextensions.CustomResource[];
  readonly virtualServices: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: TrafficPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:traffic:TrafficPolicies", name, {}, opts);
    const child = inCluster(args.cluster, { parent: this, dependsOn: args.after ?? [] });
    const rule = (policy: PolicySpec) =>
      new k8s.apiextensions.CustomResource(
        `${name}-dr-${policy.service}`,
        {
          apiVersion: "networking.istio.io/v1",
          kind: "DestinationRule",
          metadata: { name: policy.service, namespace: serviceOf(policy.service, args.services).namespace, labels: MANAGED },
          spec: destinationRuleSpec(policy, args.services),
        },
        child,
      );
    this.rules = args.policies.map(rule);
    this.virtualServices = (args.routes ?? []).map((route) => {
      // After its DestinationRule: a route to a subset Envoy does not know yet answers 503 (no cluster).
      const own = this.rules.filter((_, i) => args.policies[i].service === route.service);
      return new k8s.apiextensions.CustomResource(
        `${name}-vs-${route.service}`,
        {
          apiVersion: "networking.istio.io/v1",
          kind: "VirtualService",
          metadata: { name: route.service, namespace: serviceOf(route.service, args.services).namespace, labels: MANAGED },
          spec: virtualServiceSpec(route, args.services),
        },
        inCluster(args.cluster, { parent: this, dependsOn: [...(args.after ?? []), ...own] }),
      );
    });
    this.registerOutputs({});
  }
}
