import { describe, expect, it } from "vitest";
import { clientLocality } from "../../../model/verify/clientLocality";

describe("the client's locality as istiod derives it", () => {
  it("comes from the node's topology labels", () => {
    expect(clientLocality({ app: "sleep" }, { "topology.kubernetes.io/region": "east", "topology.kubernetes.io/zone": "zone1" })).toBe("east/zone1");
    expect(clientLocality({}, { "topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z", "topology.istio.io/subzone": "s" })).toBe("r/z/s");
  });

  it("the pod's topology.istio.io/locality label wins, written with dots", () => {
    expect(clientLocality({ "topology.istio.io/locality": "west.zone3" }, { "topology.kubernetes.io/region": "east", "topology.kubernetes.io/zone": "zone1" })).toBe("west/zone3");
  });

  it("is empty when the node has no region and zone labels", () => {
    expect(clientLocality({}, { "kubernetes.io/hostname": "east-control-plane" })).toBe("");
  });
});
