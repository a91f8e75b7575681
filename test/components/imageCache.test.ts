import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { mirrorScript, planImageCache } from "../../model/build/imageCache";
import { kindConfigYaml, kindTriggers } from "../../model/build/kindConfig";
import { planMesh } from "../../model/build/plan";
import { CACHE_IMAGE } from "../../model/config/versions";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, underMocks, urnOf } from "../helpers/components";
import { shippedStacks } from "../helpers/stacks";

const COMMAND = "command:local:Command";
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const TOKEN = "kindmesh:clusters:ImageCache";
const specOf = (stack: string, imageCache?: boolean): MeshSpec => {
  const raw = stackRaw(stack);
  if (imageCache !== undefined) raw.topology.imageCache = imageCache;
  return parse(raw, stack);
};
const layer = (spec: MeshSpec) => underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { stack: spec.stack });

describe("ImageCache", () => {
  it("dev: the pinned registry image once, then per registry a retained volume and a proxy container on the stack network", async () => {
    const run = await layer(specOf("dev"));
    const cache = urnOf(run.resources, TOKEN, "image-cache");
    const image = named(run.resources, IMAGE, "image-cache-image");
    // The pinned image by digest alone (the same image; see byDigest).
    expect(image.inputs).toEqual({ name: `docker.io/library/registry@${CACHE_IMAGE.split("@")[1]}`, keepLocally: true });
    expect(image.parent).toBe(cache);
    const labels = [
      { label: "kindmesh.stack", value: "dev" },
      { label: "kindmesh.role", value: "image-cache" },
    ];
    const net = urnOf(run.resources, "docker:index/network:Network", "docker-network");
    for (const c of planImageCache(specOf("dev"))?.caches ?? []) {
      const volume = named(run.resources, VOLUME, `image-cache-${c.registry}`);
      expect(volume.inputs).toEqual({ name: c.volume, labels });
      // `pulumi destroy` leaves the storage: the next `up` starts warm.
      expect(volume.retainOnDelete).toBe(true);
      const container = named(run.resources, CONTAINER, `image-cache-${c.registry}`);
      expect(container.inputs).toEqual({
        name: c.container,
        image: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        envs: c.env,
        labels,
        restart: "unless-stopped",
        networksAdvanced: [{ name: "kindmesh-dev" }],
        volumes: [{ volumeName: c.volume, containerPath: "/var/lib/registry" }],
        removeVolumes: false,
      });
      // Destroy removes the containers (nothing retains them), after the clusters and before the network.
      expect(container.retainOnDelete).toBe(false);
      expect(container.dependencies).toEqual(expect.arrayContaining([net, image.urn, volume.urn]));
      expect(container.parent).toBe(cache);
    }
    expect(byType(run.resources, CONTAINER).map((r) => r.inputs.name)).toEqual([
      "kindmesh-dev-cache-docker-io",
      "kindmesh-dev-cache-quay-io",
      "kindmesh-dev-cache-registry-istio-io",
    ]);
  });

  it.each(shippedStacks())("%s: every cluster is created after every cache, and each node mirrors each cache before anything in it pulls", async (stack) => {
    const spec = specOf(stack);
    const plan = planImageCache(spec);
    expect(plan).toBeDefined();
    const run = await layer(spec);
    const cacheUrns = run.resources.filter((r) => r.urn.includes(`${TOKEN}$`)).map((r) => r.urn);
    const containers = byType(run.resources, CONTAINER).map((r) => r.urn);
    expect(containers).toHaveLength(plan?.caches.length ?? -1);
    for (const c of spec.clusters) {
      const kind = named(run.resources, COMMAND, `${c.name}-kind-cluster`);
      expect(kind.dependencies).toEqual(expect.arrayContaining(containers));
      expect(kind.inputs.stdin).toBe(kindConfigYaml(c, spec.versions.kindNodeImage, plan?.containerdConfigPatches));
      expect(kind.inputs.stdin).toContain('config_path = "/etc/containerd/certs.d"');
      // Then the network's ID and the liveness element (test/day2.test.ts).
      expect(kind.inputs.triggers.slice(0, -2)).toEqual(kindTriggers(c, spec.versions.kindNodeImage, spec.dockerNetwork, true));
      const mirrors = named(run.resources, COMMAND, `${c.name}-registry-mirrors`);
      expect(mirrors.inputs).toEqual({
        // kind knows the cluster as <stack>-<cluster>.
        create: mirrorScript(`${stack}-${c.name}`, plan?.caches ?? []),
        update: mirrorScript(`${stack}-${c.name}`, plan?.caches ?? []),
        triggers: [`${c.name}-kind-cluster-id`],
        logging: "stderr",
      });
      expect(mirrors.dependencies).toContain(kind.urn);
      expect(mirrors.deletedWith).toBe(kind.urn);
      // The cluster's provider (every Kubernetes object, every Helm release) waits for the mirrors.
      expect(named(run.resources, "pulumi:providers:kubernetes", `${c.name}-k8s`).dependencies).toContain(mirrors.urn);
      for (const cache of plan?.caches ?? []) expect(mirrors.inputs.create).toContain(`[host."${cache.endpoint}"]`);
    }
    expect(cacheUrns.length).toBe(1 + 2 * (plan?.caches.length ?? 0));
  });

  it("imageCache: false registers no cache and no mirror, and leaves the kind config and triggers as they were", async () => {
    const spec = specOf("dev", false);
    const run = await layer(spec);
    for (const type of [TOKEN, CONTAINER, VOLUME, IMAGE]) expect(byType(run.resources, type)).toEqual([]);
    expect(byType(run.resources, COMMAND).filter((r) => r.name.endsWith("-registry-mirrors"))).toEqual([]);
    const net = urnOf(run.resources, "docker:index/network:Network", "docker-network");
    for (const c of spec.clusters) {
      const kind = named(run.resources, COMMAND, `${c.name}-kind-cluster`);
      expect(kind.dependencies).toEqual([net]);
      expect(kind.inputs.stdin).toBe(kindConfigYaml(c, spec.versions.kindNodeImage));
      expect(kind.inputs.stdin).not.toContain("containerdConfigPatches");
      expect(kind.inputs.triggers.slice(0, -2)).toEqual(kindTriggers(c, spec.versions.kindNodeImage, spec.dockerNetwork));
      expect(named(run.resources, "pulumi:providers:kubernetes", `${c.name}-k8s`).dependencies).not.toEqual(
        expect.arrayContaining([expect.stringContaining("registry-mirrors")]),
      );
    }
    expect(run.value.imageCache).toBeUndefined();
  });

  it("a second run registers the same caches with the same inputs (no churn)", async () => {
    const spec = specOf("dev");
    const [a, b] = [await layer(spec), await layer(spec)];
    const pick = (run: typeof a) => run.resources.filter((r) => r.urn.includes(`${TOKEN}$`)).map((r) => [r.urn, r.inputs.name, r.inputs.envs]);
    expect(pick(b)).toEqual(pick(a));
  });
});
