/**
 * What the layers hand each other: a cluster, once it exists, as the mesh and traffic layers need it.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../model/types";

export interface ClusterHandle {
  /** The cluster's name: also Istio's cluster ID and the remote-secret key. */
  name: string;
  spec: ClusterSpec;
  /** The Kubernetes provider for everything inside this cluster. */
  provider: k8s.Provider;
  /** Host-side kubeconfig (`https://127.0.0.1:<port>` for kind); a Pulumi secret. */
  kubeconfig: pulumi.Output<string>;
  /**
   * The API server as other clusters reach it: `https://<control-plane container IP>:6443` for kind (re-read
   * on every deployment), the kubeconfig's server for an existing cluster.
   */
  apiServer: pulumi.Output<string>;
  /**
   * The resource whose deletion takes every object in the cluster with it (the kind cluster). Objects inside
   * are `deletedWith` it, so destroy deletes the cluster, not each object. Undefined for existing clusters,
   * whose objects are deleted one by one.
   */
  lifetime?: pulumi.Resource;
  /** What must be in place before workloads are scheduled here (node localities, routes, MetalLB pool). */
  ready: pulumi.Resource[];
}

/** Resource options for a Kubernetes object inside the cluster: its provider, and deletion with the cluster. */
export function inCluster(
  cluster: Pick<ClusterHandle, "provider" | "lifetime">,
  opts: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { ...opts, provider: cluster.provider, ...(cluster.lifetime ? { deletedWith: cluster.lifetime } : {}) };
}
