import { describe, expect, it } from "vitest";
import { longestSlowChain } from "../../scripts/bench";
import type { Recorded } from "../helpers/mocks";

function r(urn: string, type: string, dependencies: string[] = [], parent = ""): Recorded {
  return { urn, type, name: urn, dependencies, parent, custom: true, inputs: {}, provider: "", deletedWith: "", deleteBeforeReplace: false, additionalSecretOutputs: [] };
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
