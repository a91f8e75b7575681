import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { webhookWaitScript } from "../model/build/nodeScript";
import { METALLB_IMAGES } from "../model/config/versions";
import type { AddressRange } from "../model/types";
import type { KindCluster } from "./kindCluster";
import { inCluster } from "./types";

export const METALLB_NAMESPACE = "metallb-system";
export const METALLB_REPO = "https://metallb.github.io/metallb";
/** Release `metallb`: the chart then names its controller Deployment `metallb-controller` (_helpers.tpl). */
export const METALLB_RELEASE = "metallb";
export const POOL_NAME = "kindmesh-pool";

export interface MetalLBArgs {
  /** The kind cluster to install into. */
  cluster: KindCluster;
  /** The chart version (`versions.metallb`, 0.16.x). */
  version: string;
  /** The cluster's planned pool, disjoint from every other cluster's on the shared Docker network. */
  pool: AddressRange;
}

/**
 * MetalLB in layer-2 mode, so a LoadBalancer Service (the east-west gateway) gets an address on the Docker
 * network: the `metallb` chart, then an IPAddressPool with the planned range and an L2Advertisement for it.
 *
 * `helm.v3.Release` rather than `helm.v4.Chart`: it waits until the release's workloads are ready (the pool
 * needs the controller), it is a real Helm release (`helm list`, `helm uninstall` work), and it is one resource
 * that is simply `deletedWith` the cluster; v4 renders every object as its own resource and leaves no Helm
 * release to inspect.
 */
export class MetalLB extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly pool: k8s.apiextensions.CustomResource;
  readonly advertisement: k8s.apiextensions.CustomResource;

  constructor(name: string, args: MetalLBArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:MetalLB", name, {}, opts);
    const child = { parent: this };
    const { cluster } = args;
    const inside = inCluster({ provider: cluster.provider, lifetime: cluster.command }, child);

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: METALLB_NAMESPACE,
          // The speaker needs host networking and NET_RAW: MetalLB's install docs ask for these labels where
          // pod security admission is enforced.
          labels: {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/audit": "privileged",
            "pod-security.kubernetes.io/warn": "privileged",
          },
        },
      },
      inside,
    );

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: METALLB_RELEASE,
        chart: "metallb",
        version: args.version,
        repositoryOpts: { repo: METALLB_REPO },
        namespace: namespace.metadata.name,
        // Since 0.16 the chart deploys FRR-K8s by default (frrk8s.enabled: true); plain layer 2 needs no BGP
        // speaker at all. speaker.frr.enabled already defaults to false in 0.16 and is set for older charts.
        // Image repositories from kindmesh's image table (the chart's defaults), so the image cache mirrors them.
        values: {
          frrk8s: { enabled: false },
          controller: { image: { repository: METALLB_IMAGES.controller } },
          speaker: { image: { repository: METALLB_IMAGES.speaker }, frr: { enabled: false } },
        },
        // Waits (skipAwait false) for the controller Deployment and speaker DaemonSet, up to 5 minutes.
        timeout: 300,
      },
      inside,
    );

    const poolManifest = {
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: POOL_NAME, namespace: METALLB_NAMESPACE },
      // Some stacks mishandle addresses ending in .0 or .255 (a pool may start on x.y.z.0): MetalLB skips them.
      spec: { addresses: [`${args.pool.first}-${args.pool.last}`], avoidBuggyIPs: true },
    };
    const webhookReady = new command.local.Command(
      `${name}-webhook-ready`,
      {
        create: webhookWaitScript(cluster.spec.name, cluster.controlPlane, poolManifest),
        // A recreated cluster has a new MetalLB whose webhook must be waited for again (metallb#1540).
        triggers: [cluster.command.id],
        logging: "stderr",
      },
      { ...child, dependsOn: [this.release], deletedWith: cluster.command },
    );

    this.pool = new k8s.apiextensions.CustomResource(`${name}-pool`, poolManifest, {
      ...inside,
      dependsOn: [this.release, webhookReady],
    });
    this.advertisement = new k8s.apiextensions.CustomResource(
      `${name}-l2`,
      {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: "kindmesh-l2", namespace: METALLB_NAMESPACE },
        spec: { ipAddressPools: [this.pool.metadata.name] },
      },
      { ...inside, dependsOn: [this.release, webhookReady] },
    );

    this.registerOutputs({});
  }
}
