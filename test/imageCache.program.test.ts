/**
 * The whole program under mocks: every image it actually puts on a kind node (Helm values, Deployments, the
 * verify/drill probe) is in the image table, and comes from a registry with a cache that every node mirrors.
 */
import { describe, expect, it } from "vitest";
import { deployedImages, planImageCache, registryOf } from "../model/build/imageCache";
import { PROBE_IMAGE } from "../scripts/lib/probes";
import { parse, stackRaw } from "./helpers/configs";
import type { Recorded } from "./helpers/mocks";
import { ofType, runProgram } from "./helpers/program";
import { shippedStacks } from "./helpers/stacks";

/** The images the registered resources name: containers' `image`, and the Helm values that choose images. */
function imagesIn(resources: Recorded[]): string[] {
  const found: string[] = [];
  for (const r of resources) {
    if (r.type === "kubernetes:apps/v1:Deployment") {
      for (const c of r.inputs.spec?.template?.spec?.containers ?? []) found.push(String(c.image));
    }
    if (r.type === "kubernetes:helm.sh/v3:Release") {
      const v = r.inputs.values ?? {};
      // istiod: `global.hub` + pilot / proxyv2 (the chart's image names, tag = chart version).
      if (r.inputs.chart === "istiod") found.push(`${v.global.hub}/pilot:${r.inputs.version}`, `${v.global.hub}/proxyv2:${r.inputs.version}`);
      if (r.inputs.chart === "metallb") {
        found.push(`${v.controller.image.repository}:v${r.inputs.version}`, `${v.speaker.image.repository}:v${r.inputs.version}`);
        expect(v.frrk8s.enabled).toBe(false); // else FRR-K8s images (another registry path) would be deployed too
      }
    }
  }
  return [...new Set(found)];
}

describe.each(shippedStacks())("stack %s: images and caches", (stack) => {
  it("every image the program deploys is in the image table and comes from a registry that has a cache", async () => {
    const run = await runProgram(stack);
    const spec = parse(stackRaw(stack), stack);
    const table = deployedImages(spec.versions).map((i) => i.ref);
    const deployed = [...imagesIn(run.resources), PROBE_IMAGE];
    expect(deployed.length).toBeGreaterThan(3);
    for (const image of deployed) expect(table, image).toContain(image);
    const caches = new Set(ofType(run, "docker:index/container:Container").map((c) => String(c.inputs.envs[0]).replace("REGISTRY_PROXY_REMOTEURL=", "")));
    const plan = planImageCache(spec);
    for (const image of deployed) {
      const cache = plan?.caches.find((c) => c.registry === registryOf(image));
      expect(cache, `${image}: no cache for ${registryOf(image)}`).toBeDefined();
      expect(caches.has(cache?.upstream ?? "")).toBe(true);
    }
  });

  it("every kind node's config mirrors each cached registry, and the mirrors are written into each cluster's nodes", async () => {
    const run = await runProgram(stack);
    const plan = planImageCache(parse(stackRaw(stack), stack));
    const kinds = ofType(run, "command:local:Command").filter((c) => c.name.endsWith("-kind-cluster"));
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      expect(kind.inputs.stdin).toContain('containerdConfigPatches:\n  - |-\n    [plugins."io.containerd.grpc.v1.cri".registry]\n      config_path = "/etc/containerd/certs.d"\n');
      const cluster = kind.name.replace(/-kind-cluster$/, "");
      const mirrors = ofType(run, "command:local:Command").find((c) => c.name === `${cluster}-registry-mirrors`);
      for (const c of plan?.caches ?? []) {
        expect(mirrors?.inputs.create).toContain(`/etc/containerd/certs.d/${c.registry}/hosts.toml`);
        expect(mirrors?.inputs.create).toContain(`'[host."${c.endpoint}"]'`);
      }
    }
  });
});

describe("imageCache: false", () => {
  it("the program registers no cache, and every node pulls directly as before", async () => {
    const raw = stackRaw("dev");
    const run = await runProgram("dev", { config: { "kindmesh:topology": { ...raw.topology, imageCache: false } } });
    expect(ofType(run, "docker:index/container:Container")).toEqual([]);
    expect(ofType(run, "docker:index/volume:Volume")).toEqual([]);
    for (const kind of ofType(run, "command:local:Command").filter((c) => c.name.endsWith("-kind-cluster"))) expect(kind.inputs.stdin).not.toContain("containerdConfigPatches");
    expect(ofType(run, "command:local:Command").filter((c) => c.name.endsWith("-registry-mirrors"))).toEqual([]);
  });
});
