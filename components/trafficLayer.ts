/**
 * The traffic layer: demo workloads in every cluster, and the DestinationRules and VirtualServices in every cluster whose istiod
 * reads configuration (each primary reads its own cluster only, istio#35704). Workloads wait until injection
 * works there and the cluster is ready; DestinationRules exist before the first request is sent.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MeshPlan } from "../model/build/plan";
import { istioRevision } from "../model/build/revision";
import type { MeshSpec } from "../model/types";
import { TrafficPolicies } from "./trafficPolicies";
import type { ClusterHandle } from "./types";
import { Workloads } from "./workloads";

export interface TrafficLayer {
  /** Per cluster name. */
  workloads: Record<string, Workloads>;
  /** Per configuration cluster name. */
  policies: Record<string, TrafficPolicies>;
}

export function buildTrafficLayer(
  spec: MeshSpec,
  plan: MeshPlan,
  clusters: ClusterHandle[],
  meshReady: Record<string, pulumi.Resource[]>,
): TrafficLayer {
  const workloads: Record<string, Workloads> = {};
  const policies: Record<string, TrafficPolicies> = {};
  if (spec.traffic.services.length === 0 && spec.traffic.clients.length === 0) return { workloads, policies };
  for (const cluster of clusters) {
    const clusterPlan = plan.clusters.find((c) => c.name === cluster.name);
    if (!clusterPlan) throw new Error(`internal: cluster ${cluster.name} is not in the plan`);
    const ready = [...cluster.ready, ...(meshReady[cluster.name] ?? [])];
    const w = new Workloads(
      `${cluster.name}-workloads`,
      {
        cluster,
        namespaces: plan.namespaces,
        revision: istioRevision(spec.versions.istio),
        services: spec.traffic.services,
        backends: plan.backends.filter((b) => b.cluster === cluster.name),
        clients: plan.clients.filter((c) => c.cluster === cluster.name),
        after: ready,
      },
    );
    workloads[cluster.name] = w;
    if (clusterPlan.readsConfig && (spec.traffic.policies.length > 0 || spec.traffic.routes.length > 0)) {
      policies[cluster.name] = new TrafficPolicies(
        `${cluster.name}-policies`,
        { cluster, policies: spec.traffic.policies, routes: spec.traffic.routes, services: spec.traffic.services, after: [...(meshReady[cluster.name] ?? []), ...w.namespaces] },
      );
    }
  }
  return { workloads, policies };
}
