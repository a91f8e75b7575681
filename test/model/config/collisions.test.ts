/** Stacks that cannot run side by side: names and addresses Docker and kind see, compared across stack files. */
import { describe, expect, it } from "vitest";
import { type Footprint, footprintOf, stackCollisions } from "../../../model/config/collisions";
import { defaultDockerSubnet } from "../../../model/config/addressPlan";
import { parse, stackRaw } from "../../helpers/configs";

const dev: Footprint = {
  stack: "dev",
  file: "Pulumi.dev.yaml",
  network: { name: "kindmesh-dev", subnet: "172.30.0.0/16" },
  kindClusters: [
    { path: "topology.clusters[0].name", name: "east", apiServerPort: 20100 },
    { path: "topology.clusters[1].name", name: "west", apiServerPort: 20101 },
  ],
};

describe("collisions with other stack files", () => {
  it("a copy of dev that kept everything collides on network name, subnet and both kind clusters", () => {
    const mine = { ...dev, stack: "mine", file: "Pulumi.mine.yaml", kindClusters: dev.kindClusters.map((c) => ({ ...c, apiServerPort: (c.apiServerPort ?? 0) + 1000 })) };
    const problems = stackCollisions(mine, [dev]);
    expect(problems.map((p) => p.path)).toEqual([
      "topology.dockerNetwork.name",
      "topology.dockerNetwork.subnet",
      "topology.clusters[0].name",
      "topology.clusters[1].name",
    ]);
    expect(problems[0].message).toMatch(/^the Docker network "kindmesh-dev" is also the network of Pulumi\.dev\.yaml; two stacks with it cannot both be up on one Docker engine\. .*remove the key for the default kindmesh-mine\.$/);
    expect(problems[1].message).toMatch(/^172\.30\.0\.0\/16 overlaps 172\.30\.0\.0\/16, the Docker subnet of Pulumi\.dev\.yaml/);
    expect(problems[2].message).toMatch(/^the kind cluster "east" is also a cluster of Pulumi\.dev\.yaml/);
  });

  it("a stack that keeps its defaults is told to fix the other file (or pin its own), never to remove a key it does not have", () => {
    // dev sets no dockerNetwork: its name and subnet are its defaults. A copy pinned both to dev's values.
    const plainDev: Footprint = { stack: "dev", file: "Pulumi.dev.yaml", network: { name: "kindmesh-dev", subnet: defaultDockerSubnet("dev") }, kindClusters: [] };
    const pinned: Footprint = { stack: "mine", file: "Pulumi.mine.yaml", network: { name: "kindmesh-dev", subnet: defaultDockerSubnet("dev") }, kindClusters: [] };
    const [name, subnet] = stackCollisions(plainDev, [pinned]);
    expect(name.message).not.toMatch(/remove the key/);
    expect(name.message).toMatch(/"kindmesh-dev" is this stack's default name: change topology\.dockerNetwork\.name in Pulumi\.mine\.yaml/);
    expect(subnet.message).toMatch(/is this stack's default subnet \(chosen from its name\): set topology\.dockerNetwork\.subnet here or change it in Pulumi\.mine\.yaml/);
    // The copy itself still gets the advice for a key it does set.
    expect(stackCollisions(pinned, [plainDev])[0].message).toMatch(/remove the key for the default kindmesh-mine\.$/);
  });

  it("an overlapping, not equal, subnet is a collision; a disjoint one is not", () => {
    const mine = (subnet: string): Footprint => ({ stack: "mine", file: "Pulumi.mine.yaml", network: { name: "n", subnet }, kindClusters: [] });
    expect(stackCollisions(mine("172.30.128.0/17"), [dev]).map((p) => p.path)).toEqual(["topology.dockerNetwork.subnet"]);
    expect(stackCollisions(mine("172.31.0.0/16"), [dev])).toEqual([]);
  });

  it("two API servers on one host port collide even with different cluster names", () => {
    const mine: Footprint = { stack: "mine", file: "Pulumi.mine.yaml", kindClusters: [{ path: "topology.clusters[0].name", name: "north", apiServerPort: 20101 }] };
    const [p] = stackCollisions(mine, [dev]);
    expect(p).toEqual({ path: "topology.clusters[0].name", message: expect.stringMatching(/^its API server port 127\.0\.0\.1:20101 is also the port of cluster "west" in Pulumi\.dev\.yaml/) });
  });

  it("a stack without kind clusters uses no Docker network, and a file is never compared with itself", () => {
    const existingOnly: Footprint = { stack: "mine", file: "Pulumi.mine.yaml", kindClusters: [] };
    expect(stackCollisions(existingOnly, [dev])).toEqual([]);
    expect(stackCollisions(dev, [dev])).toEqual([]);
  });

  it("the footprint of a parsed stack: its network, and its kind clusters with their ports", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters.push({ name: "prod", network: "network-west", kubeconfig: "/k", context: "c" });
    raw.topology.dockerNetwork = { name: "lab-net", subnet: "172.28.0.0/16" };
    const f = footprintOf(parse(raw, "dev"), "Pulumi.dev.yaml");
    expect(f.network).toEqual({ name: "lab-net", subnet: "172.28.0.0/16" });
    expect(f.kindClusters.map((c) => c.path)).toEqual(["topology.clusters[0].name", "topology.clusters[1].name"]);
    // kind's name for the cluster: its own name, or <stack>-<name> where the spec gives one (issue 9).
    expect(f.kindClusters.map((c) => c.name)).toEqual([expect.stringMatching(/^(dev-)?east$/), expect.stringMatching(/^(dev-)?west$/)]);
    expect(f.kindClusters.every((c) => typeof c.apiServerPort === "number")).toBe(true);
  });
});
