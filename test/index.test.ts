import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runProgram, runProgramExpectingError } from "./helpers/program";
import { shippedStacks } from "./helpers/stacks";

describe.each(shippedStacks())("stack %s under mocks", (stack) => {
  it("evaluates and exports its plan", async () => {
    const run = await runProgram(stack);
    const plan = run.outputs.meshPlan as { clusters: { name: string }[] };
    expect(plan.clusters.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(run.outputs.addressPlan as object)).toEqual(plan.clusters.map((c) => c.name));
    expect((run.outputs.dockerNetwork as { name: string }).name).toBe(`kindmesh-${stack}`);
  });

  it("evaluates in preview mode without hanging", async () => {
    const run = await runProgram(stack, { preview: true });
    expect(run.outputs.meshId).toBe("mesh1");
    expect(run.outputs.versions).toMatchObject({ istio: "1.31.1" });
  });
});

describe("an invalid configuration", () => {
  it("stops with the ConfigError message as a RunError (no stack trace) and registers nothing", async () => {
    const broken = { clusters: [{ name: "East_1", nodes: [{ role: "worker", locality: "a//b" }] }] };
    const { error, resources } = await runProgramExpectingError("dev", { config: { "kindmesh:topology": broken } });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^The stack configuration has 3 problems; nothing was deployed/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.name: "East_1" is not a valid cluster name/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.nodes\[0\]\.locality: locality "a\/\/b" has an empty part/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.nodes: a kind cluster needs a node with role "control-plane"/);
    expect(error.stack ?? "").not.toMatch(/model\/spec\.ts/);
    expect(resources).toEqual([]);
  });
});
