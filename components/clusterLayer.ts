/**
 * The clusters layer: the stack's Docker network, every cluster (kind or existing) with its node localities,
 * pod routes between same-network kind clusters and MetalLB where the plan asks for it; one `ClusterHandle`
 * per cluster, in the order of the stack file.
 */
import * as os from "node:os";
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { KindPresence } from "../model/build/dockerProbes";
import { nodeResourceName } from "../model/build/kindConfig";
import type { MeshPlan } from "../model/build/plan";
import type { MeshSpec } from "../model/types";
import { planImageCache } from "../model/build/imageCache";
import { DockerNetwork } from "./dockerNetwork";
import { ExistingCluster } from "./existingCluster";
import { ImageCache } from "./imageCache";
import { KindCluster } from "./kindCluster";
import { MetalLB } from "./metallb";
import { NodeLocality } from "./nodeLocality";
import { PodRoutes } from "./podRoutes";
import type { ClusterHandle } from "./types";

export interface ClusterLayerOptions {
  /**
   * Differs on every deployment, so pod routes are re-applied on every `pulumi up` (they vanish when a node
   * container restarts). Tests pass a fixed value.
   * @default the current time, ISO 8601
   */
  deploymentId?: string;
  /**
   * How long `kind create cluster --wait` waits for each control plane.
   * @default "5m"
   */
  kindWait?: string;
  /**
   * What `~` means in an existing cluster's kubeconfig path.
   * @default the user's home directory
   */
  homeDir?: string;
  /**
   * Per kind cluster name, what the preflight probe found (`preflight`): "absent" recreates the cluster.
   * @default "absent" for every kind cluster, as on a first deployment
   */
  presence?: Record<string, KindPresence>;
  /** A parent for the layer's top-level components (the network and each cluster). */
  parent?: pulumi.Resource;
}

export interface ClusterLayer {
  /** The stack's Docker network; absent when every cluster is an existing one. */
  network?: docker.Network;
  /** The registry caches the kind nodes pull through; absent with imageCache false or no kind cluster. */
  imageCache?: ImageCache;
  clusters: ClusterHandle[];
}

/**
 * Builds the clusters layer. Kind clusters depend only on the network, so they are created side by side;
 * localities, MetalLB and pod routes of a cluster are in its handle's `ready`. Throws (a bug, not a config
 * problem) when `plan` and `spec` disagree.
 */
export function buildClusterLayer(spec: MeshSpec, plan: MeshPlan, opts: ClusterLayerOptions = {}): ClusterLayer {
  const deploymentId = opts.deploymentId ?? new Date().toISOString();
  const hasKind = spec.clusters.some((c) => c.kind === "kind");
  const top = opts.parent ? { parent: opts.parent } : {};
  const network = hasKind ? new DockerNetwork("docker-network", { spec: spec.dockerNetwork }, top) : undefined;
  const cachePlan = planImageCache(spec);
  const imageCache = cachePlan && network ? { plan: cachePlan, resource: new ImageCache("image-cache", { plan: cachePlan, network }, top) } : undefined;

  const kind = new Map<string, KindCluster>();
  const ready = new Map<string, pulumi.Resource[]>();
  const existing = new Map<string, ExistingCluster>();
  for (const c of spec.clusters) {
    if (c.kind === "existing") {
      existing.set(c.name, new ExistingCluster(c.name, { spec: c, stack: spec.stack, homeDir: opts.homeDir ?? os.homedir() }, top));
      continue;
    }
    if (!network) throw new Error("internal: a kind cluster without the Docker network");
    const cluster = new KindCluster(
      c.name,
      {
        spec: c,
        nodeImage: spec.versions.kindNodeImage,
        network,
        stack: spec.stack,
        wait: opts.kindWait,
        imageCache,
        presence: opts.presence?.[c.name] ?? "absent",
        deploymentId,
      },
      top,
    );
    const inside: pulumi.Resource[] = c.nodes.map((n) => new NodeLocality(nodeResourceName(c, n), { node: n, cluster }, { parent: cluster }));
    const clusterPlan = plan.clusters.find((p) => p.name === c.name);
    if (clusterPlan?.metallb) {
      if (!c.metallbPool) throw new Error(`internal: the plan puts MetalLB in ${c.name}, which has no planned pool`);
      inside.push(new MetalLB(`${c.name}-metallb`, { cluster, version: spec.versions.metallb, pool: c.metallbPool }, { parent: cluster }));
    }
    kind.set(c.name, cluster);
    ready.set(c.name, inside);
  }

  for (const route of plan.routes) {
    const from = kind.get(route.from);
    const to = kind.get(route.to);
    if (!from || !to) throw new Error(`internal: pod routes ${route.from} -> ${route.to} between clusters that are not both kind clusters`);
    ready.get(route.from)?.push(new PodRoutes(`${route.from}-to-${route.to}`, { from, to, deploymentId }, { parent: from }));
  }

  const clusters = spec.clusters.map((c) => {
    const k = kind.get(c.name);
    if (k) return k.handle(ready.get(c.name) ?? []);
    const e = existing.get(c.name);
    if (!e) throw new Error(`internal: cluster ${c.name} was not built`);
    return e.handle();
  });
  return { network: network?.network, ...(imageCache ? { imageCache: imageCache.resource } : {}), clusters };
}
