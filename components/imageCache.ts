import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CACHE_STORAGE, type ImageCachePlan } from "../model/build/imageCache";
import type { DockerNetwork } from "./dockerNetwork";

export interface ImageCacheArgs {
  /** The caches to run: one per upstream registry, with names, environment and labels (planImageCache). */
  plan: ImageCachePlan;
  /** The stack's Docker network: the caches join it, so the kind nodes reach them by container name. */
  network: DockerNetwork;
}

/**
 * One pull-through registry cache per upstream registry on the stack's Docker network (distribution in proxy
 * mode), so each image crosses the internet once instead of once per kind node. Clusters are created after it.
 *
 * The storage is a named volume that `pulumi destroy` leaves behind (retainOnDelete), so the next `up` starts
 * warm; destroy removes the containers. `npm run cache:clear -- <stack>` removes the volumes.
 */
export class ImageCache extends pulumi.ComponentResource {
  /** Per registry ("docker.io", ...): the cache container. */
  readonly containers: Record<string, docker.Container>;
  /** Per registry: the cache's storage. */
  readonly volumes: Record<string, docker.Volume>;

  constructor(name: string, args: ImageCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:ImageCache", name, {}, opts);
    const child = { parent: this };
    const { plan, network } = args;
    const labels = Object.entries(plan.labels).map(([label, value]) => ({ label, value }));

    // The one image the host pulls directly. Kept on destroy: re-pulling it would defeat the point.
    const image = new docker.RemoteImage(`${name}-image`, { name: plan.image, keepLocally: true }, child);

    this.containers = {};
    this.volumes = {};
    for (const c of plan.caches) {
      const volume = new docker.Volume(
        `${name}-${c.registry}`,
        { name: c.volume, labels },
        // Kept by `pulumi destroy`; the next `up` creates a volume of the same name, which Docker hands back as is.
        { ...child, retainOnDelete: true },
      );
      this.volumes[c.registry] = volume;
      this.containers[c.registry] = new docker.Container(
        `${name}-${c.registry}`,
        {
          name: c.container,
          image: image.imageId,
          envs: c.env,
          labels,
          // Docker restarts it with the host; kind's nodes come back the same way (their restart policy).
          restart: "unless-stopped",
          networksAdvanced: [{ name: network.network.name }],
          volumes: [{ volumeName: volume.name, containerPath: CACHE_STORAGE }],
          // The storage is the named volume: never removed with the container.
          removeVolumes: false,
        },
        { ...child, dependsOn: [network.network] },
      );
    }
    this.registerOutputs({});
  }
}
