import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { named, resolve, underMocks } from "../helpers/components";

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:test:Box", name, {}, opts);
    const first = new docker.Network(`${name}-a`, { name: "a" }, { parent: this, deleteBeforeReplace: true });
    new docker.Network(`${name}-b`, { name: first.name.apply((n) => `${n}-b`) }, { parent: this, deletedWith: first });
    this.registerOutputs({});
  }
}

describe("the recording mock", () => {
  it("records parent, implicit dependencies, deletedWith and deleteBeforeReplace", async () => {
    const run = await underMocks(() => new Box("box"));
    const a = named(run.resources, "docker:index/network:Network", "box-a");
    const b = named(run.resources, "docker:index/network:Network", "box-b");
    const box = named(run.resources, "kindmesh:test:Box", "box");
    expect(a.parent).toBe(box.urn);
    expect(a.deleteBeforeReplace).toBe(true);
    expect(b.dependencies).toContain(a.urn);
    expect(b.deletedWith).toBe(a.urn);
    expect(b.inputs.name).toBe("a-b");
  });

  it("fails an invoke it has no fake for", async () => {
    const run = await underMocks(() => pulumi.runtime.invoke("made:up/thing:get", {}));
    await expect(run.value).rejects.toBeDefined();
    expect(run.mocks.invokes.map((i) => i.token)).toEqual(["made:up/thing:get"]);
  });

  it("leaves computed outputs unknown in preview", async () => {
    const run = await underMocks(() => new docker.Network("p", { name: "p" }), { preview: true });
    expect(await resolve(run.value.id, 100)).toBeUndefined();
  });
});
