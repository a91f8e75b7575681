import { describe, expect, it } from "vitest";
import { benchConfig, longestSlowChain } from "../../scripts/bench";
import { runProgram } from "../helpers/program";
import type { Recorded } from "../helpers/mocks";

function r(urn: string, type: string, dependencies: string[] = [], parent = ""): Recorded {
  return { urn, type, name: urn, dependencies, parent, custom: true, inputs: {}, provider: "", deletedWith: "", deleteBeforeReplace: false, additionalSecretOutputs: [], ignoreChanges: [], propertyDependencies: {} };
}

describe("longestSlowChain", () => {
  const CMD = "command:local:Command";
  const HELM = "kubernetes:helm.sh/v3:Release";

  it("counts slow steps along the longest dependency path", () => {
    const graph = [r("net", "docker:index/network:Network"), r("a", CMD, ["net"]), r("b", HELM, ["a"]), r("x", "kubernetes:core/v1:Secret", ["b"])];
    expect(longestSlowChain(graph)).toBe(3);
  });

  it("parallel branches do not add up", () => {
    const graph = [r("net", "docker:index/network:Network"), r("a", CMD, ["net"]), r("b", CMD, ["net"]), r("c", CMD, ["net"])];
    expect(longestSlowChain(graph)).toBe(2);
  });

  it("a dependency on a component waits for its whole subtree", () => {
    const graph = [r("comp", "kindmesh:x:Comp"), r("inner1", CMD, [], "comp"), r("inner2", HELM, ["inner1"], "comp"), r("after", HELM, ["comp"])];
    expect(longestSlowChain(graph)).toBe(3);
  });
});

describe("the program's critical path", () => {
  async function chainFor(n: number) {
    const config = Object.fromEntries(Object.entries(benchConfig(n)).map(([k, v]) => [k, JSON.parse(v)]));
    const run = await runProgram("bench", { config, withoutStackFile: true });
    return { chain: longestSlowChain(run.resources), clusters: run.resources.filter((r) => r.type === "kindmesh:clusters:KindCluster").length };
  }

  it("does not grow with the number of clusters: nothing serializes cluster creation", async () => {
    const two = await chainFor(2);
    const eight = await chainFor(8);
    expect([two.clusters, eight.clusters]).toEqual([2, 8]);
    expect(eight.chain).toBe(two.chain);
    // network -> kind cluster -> MetalLB -> webhook answers -> ... -> istiod -> gateway: a handful, not 8x.
    expect(two.chain).toBeGreaterThanOrEqual(4);
    expect(two.chain).toBeLessThanOrEqual(8);
  });
});
