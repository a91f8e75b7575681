/**
 * Fake ClusterHandles for testing the mesh layer without the clusters layer: per cluster a stand-in for the
 * kind cluster (the lifetime), a Kubernetes provider, a secret kubeconfig, and the API server at a node address
 * computed from the stack's Docker subnet. Like the real ones, kubeconfig and apiServer depend on the cluster
 * resource, so they are unknown in preview. Call inside `underMocks`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../../components/types";
import type { MeshSpec } from "../../model/types";
import type { Recorded } from "./mocks";

export const LIFETIME_TYPE = "kindmesh:test:KindCluster";
export const READY_TYPE = "kindmesh:test:ClusterReady";
export const STAND_IN_TYPE = "kindmesh:test:StandIn";

/** Stands in for the `kind create cluster` resource whose deletion takes the cluster's objects with it. */
class FakeKindCluster extends pulumi.CustomResource {
  constructor(name: string) {
    super(LIFETIME_TYPE, name, { clusterName: name });
  }
}

/** Stands in for a resource of another layer or cluster that a component must wait for (e.g. an istiod release). */
export class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super(STAND_IN_TYPE, name, {});
  }
}

/** Stands in for what the clusters layer makes ready (node localities, routes, the MetalLB pool). */
class FakeClusterReady extends pulumi.CustomResource {
  constructor(name: string, opts: pulumi.CustomResourceOptions) {
    super(READY_TYPE, name, {}, opts);
  }
}

/** The n-th host address of an IPv4 subnet ("172.30.0.0/16", 2 -> "172.30.0.2"). */
export function hostAddress(subnet: string, n: number): string {
  const [ip] = subnet.split("/");
  const value = ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0) + n;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** One handle per cluster of the spec, in spec order; existing clusters get no lifetime. */
export function fakeClusterHandles(spec: MeshSpec): ClusterHandle[] {
  return spec.clusters.map((c, i) => {
    const lifetime = c.kind === "kind" ? new FakeKindCluster(`${c.name}-kind`) : undefined;
    const known = (value: string): pulumi.Output<string> => (lifetime ? lifetime.id.apply(() => value) : pulumi.output(value));
    const kubeconfig = pulumi.secret(known(`apiVersion: v1\nkind: Config\n# admin kubeconfig of ${c.name}\n`));
    const provider = new k8s.Provider(`${c.name}-k8s`, { kubeconfig, clusterIdentifier: c.name, deleteUnreachable: true });
    return {
      name: c.name,
      spec: c,
      provider,
      kubeconfig,
      apiServer: known(`https://${hostAddress(spec.dockerNetwork.subnet, i + 2)}:6443`),
      lifetime,
      ready: [new FakeClusterReady(`${c.name}-ready`, lifetime ? { dependsOn: [lifetime] } : {})],
    };
  });
}

/** The cluster a recorded resource was registered in, from its provider reference ("<urn>::<id>"). */
export function clusterOf(r: Recorded, resources: Recorded[]): string | undefined {
  const providerUrn = r.provider.split("::").slice(0, -1).join("::");
  const provider = resources.find((p) => p.urn === providerUrn && p.type === "pulumi:providers:kubernetes");
  return provider?.name.replace(/-k8s$/, "");
}
