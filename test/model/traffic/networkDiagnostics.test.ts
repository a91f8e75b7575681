// The sentences the cross-network findings put in front of a platform engineer.
import { describe, expect, it } from "vitest";
import { predictTraffic, type TrafficScenario } from "../../../model/traffic/locality";

const east = { network: "n-east", cluster: "east" };
const west = { network: "n-west", cluster: "west" };
const scenario = (over: Partial<TrafficScenario> = {}): TrafficScenario => ({
  client: { locality: "east/zone1", ...east },
  endpoints: [
    { locality: "east/zone1", count: 1, ...east },
    { locality: "west/zone3", count: 1, ...west },
    { locality: "west/zone4", count: 1, ...west },
  ],
  networkGateways: [{ ...west, locality: "west/zone3" }],
  localityLbSetting: { enabled: false },
  ...over,
});
const find = (s: TrafficScenario, code: string) => predictTraffic(s).diagnostics.find((d) => d.code === code)?.message ?? "";

describe("cross-network diagnostics", () => {
  it("istio#56355: the mechanism, intended against predicted with this scenario's numbers, and the remedy", () => {
    const m = find(scenario(), "gateway-duplicate-dropped");
    expect(m).toContain('Clients in east/zone1 reach cluster "west" through the one address of its east-west gateway');
    expect(m).toContain("the one in west/zone3 — and ignores the copies in west/zone4 (weight 1, 1 endpoint)");
    expect(m).toContain("the gateway gets 50% of these requests instead of the 66.7%");
    expect(m).toContain("would be east/zone1 33.3%, west/zone3 33.3%, west/zone4 33.3%");
    expect(m).toContain("is east/zone1 50%, west/zone3 25%, west/zone4 25%");
    expect(m).toMatch(/Remedy: run this service's backends in one locality of cluster "west", or give each of those localities its own cluster/);
  });

  it("a gateway whose pod's locality is unknown is said to be so", () => {
    const m = find(scenario({ networkGateways: [{ ...west, locality: "" }] }), "second-hop");
    expect(m).toMatch(/whose pod's locality is not known \(this prediction gives it none\)/);
  });

  it("a network without a gateway is reached directly, and said to be so", () => {
    const s = scenario({ networkGateways: [{ ...east, locality: "east/zone1" }] });
    expect(predictTraffic(s).shares).toEqual({ "east/zone1": 1 / 3, "west/zone3": 1 / 3, "west/zone4": 1 / 3 });
    expect(find(s, "cross-network-without-gateway")).toMatch(/^Network "n-west" has no east-west gateway, so istiod sends its pod addresses to clients in east\/zone1/);
  });

  it("not-ready remote pods hidden behind the gateway (1.31)", () => {
    const s = scenario({ endpoints: [{ locality: "east/zone1", count: 1, ...east }, { locality: "west/zone3", count: 3, healthy: 1, ...west }] });
    expect(find(s, "not-ready-behind-gateway")).toMatch(/\(2 of 3 in west\/zone3\) are hidden behind the east-west gateway/);
  });

  it("no finding without gateways: a scenario without networks is unchanged", () => {
    const codes = predictTraffic(scenario({ networkGateways: [] })).diagnostics.map((d) => d.code);
    expect(codes.filter((c) => c.startsWith("gateway") || c.startsWith("second-hop") || c.includes("network"))).toEqual([]);
  });
});
