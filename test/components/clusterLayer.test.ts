import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { MetalLB } from "../../components/metallb";
import { NodeLocality } from "../../components/nodeLocality";
import { PodRoutes } from "../../components/podRoutes";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, resolve, underMocks, urnOf } from "../helpers/components";
import { bridgeMtuCommand } from "../../model/build/dockerProbes";
import { fakeContainer } from "../helpers/fakes/clusters";
import { shippedStacks } from "../helpers/stacks";

const STACKS = shippedStacks();
const COMMAND = "command:local:Command";
const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);
const layer = (spec: MeshSpec, preview = false) =>
  underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "deploy-1" }), { preview, stack: spec.stack });

describe("buildClusterLayer, for every shipped stack", () => {
  it.each(STACKS)("%s: one handle per cluster, in stack order, with the cluster's provider, secret kubeconfig and container-IP API server", async (stack) => {
    const spec = specOf(stack);
    const run = await layer(spec);
    const { clusters } = run.value;
    expect(clusters.map((c) => c.name)).toEqual(spec.clusters.map((c) => c.name));
    for (const [i, h] of clusters.entries()) {
      expect(h.spec).toBe(spec.clusters[i]);
      expect(await pulumi.isSecret(h.kubeconfig)).toBe(true);
      expect(await resolve(h.kubeconfig)).toMatch(/^apiVersion: v1\n/);
      expect(await resolve(h.apiServer)).toBe(`https://${fakeContainer(`${stack}-${h.name}-control-plane`).ip}:6443`);
      expect(await pulumi.isSecret(h.apiServer)).toBe(false);
      expect(h.lifetime).toBeInstanceOf(pulumi.CustomResource);
      expect(await resolve((h.lifetime as pulumi.CustomResource).urn)).toBe(named(run.resources, COMMAND, `${h.name}-kind-cluster`).urn);
      expect(await resolve(h.provider.urn)).toBe(named(run.resources, "pulumi:providers:kubernetes", `${h.name}-k8s`).urn);
    }
  });

  it.each(STACKS)("%s: ready = the node localities, MetalLB where planned, and the routes on the cluster's nodes", async (stack) => {
    const spec = specOf(stack);
    const plan = planMesh(spec);
    const run = await layer(spec);
    for (const [i, h] of run.value.clusters.entries()) {
      const c = spec.clusters[i];
      expect(h.ready.filter((r) => r instanceof NodeLocality)).toHaveLength(c.nodes.length);
      expect(h.ready.filter((r) => r instanceof MetalLB)).toHaveLength(plan.clusters[i].metallb ? 1 : 0);
      expect(h.ready.filter((r) => r instanceof PodRoutes)).toHaveLength(plan.routes.filter((p) => p.from === c.name).length);
    }
  });

  it.each(STACKS)("%s: preview of a new stack registers the same resources, runs no command, and leaves addresses unknown", async (stack) => {
    const spec = specOf(stack);
    const [up, preview] = [await layer(spec), await layer(spec, true)];
    const key = (r: { type: string; name: string }) => `${r.type}/${r.name}`;
    expect(preview.resources.map(key).sort()).toEqual(up.resources.map(key).sort());
    // The one command a preview runs here: the default bridge's MTU (an invoke, on every preview).
    expect(preview.mocks.invokes.map((i) => i.inputs.command)).toEqual([bridgeMtuCommand()]);
    for (const h of preview.value.clusters) {
      expect(await resolve(h.apiServer, 100)).toBeUndefined();
      expect(await resolve(h.kubeconfig, 100)).toBeUndefined();
    }
  });

  it.each(STACKS)("%s: everything inside a cluster is deleted with that cluster", async (stack) => {
    const run = await layer(specOf(stack));
    const lifetimes = new Map(byType(run.resources, COMMAND).filter((c) => c.name.endsWith("-kind-cluster")).map((c) => [c.urn, c]));
    const inside = run.resources.filter((r) => r.type.startsWith("kubernetes:") || (r.type === COMMAND && !r.name.endsWith("-kind-cluster")));
    expect(inside.length).toBeGreaterThan(0);
    for (const r of inside) expect(lifetimes.has(r.deletedWith), `${r.type}/${r.name} deletedWith ${r.deletedWith}`).toBe(true);
    // Kubernetes objects go into the cluster they are deleted with.
    for (const r of inside.filter((x) => x.type.startsWith("kubernetes:"))) {
      const cluster = lifetimes.get(r.deletedWith)!.name.replace(/-kind-cluster$/, "");
      expect(r.provider).toMatch(new RegExp(`::${cluster}-k8s::`));
    }
  });

  it.each(STACKS)("%s: component tokens are kindmesh:clusters:<Class>; names are unique per type", async (stack) => {
    const run = await layer(specOf(stack));
    for (const r of run.resources.filter((x) => !x.custom)) expect(r.type).toMatch(/^kindmesh:clusters:(DockerNetwork|ImageCache|KindCluster|NodeLocality|PodRoutes|MetalLB|ExistingCluster)$/);
    const keys = run.resources.map((r) => `${r.type}/${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(STACKS)("%s: no plain output or command line holds a kubeconfig", async (stack) => {
    const run = await layer(specOf(stack));
    for (const h of run.value.clusters) {
      const text = (await resolve(h.kubeconfig)) as string;
      const key = /client-key-data: (\S+)/.exec(text)?.[1];
      expect(key).toBeDefined();
      for (const r of run.resources) {
        if (r.type === "pulumi:providers:kubernetes") continue;
        expect(JSON.stringify(r.inputs), `${r.type}/${r.name}`).not.toContain(key);
      }
      expect(JSON.stringify(run.mocks.invokes)).not.toContain(key);
    }
  });
});

describe("dependency edges across the layer", () => {
  it("dev: the graph is network -> image caches -> clusters (side by side) -> localities and MetalLB; no cluster waits for another", async () => {
    const run = await layer(specOf("dev"));
    const net = named(run.resources, "docker:index/network:Network", "docker-network").urn;
    const caches = run.resources.filter((r) => r.type.startsWith("docker:") && r.parent === urnOf(run.resources, "kindmesh:clusters:ImageCache", "image-cache")).map((r) => r.urn);
    expect(caches).toHaveLength(7);
    const east = named(run.resources, COMMAND, "east-kind-cluster");
    const west = named(run.resources, COMMAND, "west-kind-cluster");
    expect([...east.dependencies].sort()).toEqual([net, ...caches].sort());
    expect([...west.dependencies].sort()).toEqual([net, ...caches].sort());
    const kindClusters = run.value.clusters.map((h) => h.lifetime);
    expect(new Set(kindClusters).size).toBe(2);
    expect(byType(run.resources, "kindmesh:clusters:KindCluster").map((r) => r.parent)).toEqual(["", ""]);
    expect(run.value.clusters.every((h) => h.ready.length > 0)).toBe(true);
    expect(run.value.network).toBeDefined();
  });
});

describe("options", () => {
  it("parent: the network and the clusters hang under it; what is inside each cluster stays under the cluster", async () => {
    const spec = specOf("flat");
    const run = await underMocks(() => {
      const root = new pulumi.ComponentResource("kindmesh:test:Root", "root");
      return buildClusterLayer(spec, planMesh(spec), { deploymentId: "d", parent: root });
    });
    const root = named(run.resources, "kindmesh:test:Root", "root").urn;
    expect(named(run.resources, "kindmesh:clusters:DockerNetwork", "docker-network").parent).toBe(root);
    for (const c of ["cluster1", "cluster2"]) expect(named(run.resources, "kindmesh:clusters:KindCluster", c).parent).toBe(root);
    expect(named(run.resources, "kindmesh:clusters:PodRoutes", "cluster1-to-cluster2").parent).toBe(named(run.resources, "kindmesh:clusters:KindCluster", "cluster1").urn);
  });
});
