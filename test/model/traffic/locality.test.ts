// Behaviour of the locality model, rule by rule, with the numbers a user would notice.
import { describe, expect, it } from "vitest";
import {
  type LocalityLbSetting,
  type TrafficScenario,
  applyLocalityLbSetting,
  clusterLocalityConfig,
  effectiveLocalityLbSetting,
  envoyLocalityShares,
  envoyPriorityLoad,
  envoyTrafficShares,
  localityMatch,
  parseLocality,
  predictTraffic,
  validateLocalities,
  validateLocalityLbSetting,
} from "../../../model/traffic/locality";

const NETWORK = "topology.istio.io/network";
const REGION = "topology.kubernetes.io/region";
const ZONE = "topology.kubernetes.io/zone";

/** Endpoints as `{ locality: count }`. */
function pods(counts: Record<string, number>): TrafficScenario["endpoints"] {
  return Object.entries(counts).map(([locality, count]) => ({ locality, count }));
}

function codes(p: { diagnostics: { code: string }[] }): string[] {
  return p.diagnostics.map((d) => d.code);
}

function messageOf(p: { diagnostics: { code: string; message: string }[] }, code: string): string {
  return p.diagnostics.find((d) => d.code === code)?.message ?? "";
}

function rounded(shares: Record<string, number>, digits = 3): Record<string, number> {
  return Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, Number(v.toFixed(digits))]));
}

describe("locality strings", () => {
  it("parses us/west/zone3/* as us/west/zone3, which matches nothing in region west", () => {
    expect(parseLocality("us/west/zone3/*")).toEqual({ region: "us", zone: "west", subzone: "zone3" });
    expect(localityMatch("west/zone3", "us/west/zone3/*")).toBe(false);
    expect(localityMatch("us/west/zone3", "us/west/zone3/*")).toBe(true);
  });

  it("treats r, r/* and r/*/* alike, and * only as a whole segment", () => {
    for (const rule of ["region1", "region1/*", "region1/*/*"]) expect(localityMatch("region1/zone2/sz", rule)).toBe(true);
    expect(localityMatch("us-east", "us-*")).toBe(false);
    expect(localityMatch("", "*")).toBe(true);
    // A concrete rule segment never matches an empty endpoint segment.
    expect(localityMatch("region1", "region1/zone1")).toBe(false);
  });
});

describe("validateLocalityLbSetting", () => {
  const distribute = (to: Record<string, number>): LocalityLbSetting => ({ distribute: [{ from: "r1/*", to }] });

  it("rejects distribute weights that do not add up to 100, and weights outside 1..100", () => {
    expect(validateLocalityLbSetting(distribute({ "r1/*": 80, "r2/*": 15 }), true).errors).toEqual(["total locality weight 95 != 100"]);
    expect(validateLocalityLbSetting(distribute({ "r1/*": 0, "r2/*": 100 }), true).errors).toEqual(["locality weight must be in range [1, 100]"]);
    expect(validateLocalityLbSetting(distribute({ "r1/*": 101 }), true).errors).toEqual(["locality weight must be in range [1, 100]"]);
  });

  it("rejects distribute together with failover, and stops there", () => {
    const s = { ...distribute({ "r1/*": 90 }), failover: [{ from: "r1", to: "r1" }] };
    expect(validateLocalityLbSetting(s, false)).toEqual({ errors: ["can not simultaneously specify 'distribute' and 'failover'"], warnings: [] });
  });

  it("only warns about failover or failoverPriority without outlier detection", () => {
    const failover = { failover: [{ from: "us-east", to: "eu-west" }] };
    expect(validateLocalityLbSetting(failover, false)).toEqual({ errors: [], warnings: ["outlier detection policy must be provided for failover"] });
    expect(validateLocalityLbSetting({ failoverPriority: [NETWORK] }, false).warnings).toHaveLength(1);
    expect(validateLocalityLbSetting(failover, true)).toEqual({ errors: [], warnings: [] });
  });

  it("rejects topology labels in failoverPriority next to failover, but not other labels", () => {
    const failover = [{ from: "r1", to: "r2" }];
    expect(validateLocalityLbSetting({ failover, failoverPriority: [ZONE] }, true).errors).toEqual([
      `can not simultaneously set 'failover' and topology label '${ZONE}' in 'failover_priority'`,
    ]);
    expect(validateLocalityLbSetting({ failover, failoverPriority: ["version"] }, true).errors).toEqual([]);
  });

  it("reports every bad failover rule", () => {
    const { errors } = validateLocalityLbSetting({ failover: [{ from: "r1/z1", to: "r1/z1" }, { from: "*", to: "r2" }] }, true);
    expect(errors).toEqual([
      "locality lb failover settings must specify different regions",
      "locality lb failover only specify region",
      "locality lb failover region should not contain '*' wildcard",
    ]);
  });

  it("accepts the four-segment key us/west/zone3/* that matches nothing at runtime", () => {
    const s = { distribute: [{ from: "west/zone1/*", to: { "us/west/zone3/*": 80, "west/zone1/*": 20 } }] };
    expect(validateLocalityLbSetting(s, true)).toEqual({ errors: [], warnings: [] });
  });
});

describe("validateLocalities", () => {
  it("allows one trailing * only", () => {
    expect(validateLocalities(["*/zone"])).toMatch(/wildcard/);
    expect(validateLocalities(["*/zone/*"])).toMatch(/wildcard/);
    expect(validateLocalities(["us-*"])).toBeUndefined();
    expect(validateLocalities(["us/west/zone3/*"])).toBeUndefined();
  });

  it("detects overlap only when the broad entry comes first", () => {
    expect(validateLocalities(["a/*", "a/b/*"])).toBe("locality a/b/* overlap with previous specified ones");
    expect(validateLocalities(["a/b/*", "a/*"])).toBeUndefined();
    expect(validateLocalities(["a/b/c", "*"])).toBeUndefined();
    expect(validateLocalities(["*", "a"])).toMatch(/overlap/);
    expect(validateLocalities(["a/b", "a/b/c"])).toMatch(/overlap/);
  });

  it("rejects empty segments", () => {
    expect(validateLocalities(["a//c"])).toBe("locality a//c must not contain empty region/zone/subzone info");
    expect(validateLocalities(["a/b/"])).toMatch(/empty/);
  });
});

describe("distribute", () => {
  it("splits a percentage by endpoint weight and rounds up: 50 over weights 40 and 20 gives 34 and 17", () => {
    const p = predictTraffic({
      client: { locality: "region1/zone1/subzone1" },
      endpoints: [
        { locality: "region1/zone1/subzone1", count: 1, weight: 40 },
        { locality: "region1/zone1/subzone2", count: 1, weight: 20 },
        { locality: "region2/zone1/subzone1", count: 1, weight: 40 },
      ],
      localityLbSetting: { distribute: [{ from: "region1/zone1/*", to: { "region1/zone1/*": 50, "region2/zone1/subzone1": 50 } }] },
    });
    expect(p.assignment.map((a) => a.weight)).toEqual([34, 17, 50]);
    expect(rounded(p.shares)).toEqual({ "region1/zone1/subzone1": 0.337, "region1/zone1/subzone2": 0.168, "region2/zone1/subzone1": 0.495 });
    expect(codes(p)).toContain("ceil-rounding");
  });

  it("sends 100% to west/zone1 when the 80% key is written us/west/zone3/*, and names what is lost", () => {
    const p = predictTraffic({
      client: { locality: "west/zone1" },
      endpoints: pods({ "west/zone1": 2, "west/zone2": 2, "west/zone3": 2 }),
      localityLbSetting: { distribute: [{ from: "west/zone1/*", to: { "us/west/zone3/*": 80, "west/zone1/*": 20 } }] },
      outlierDetection: true,
    });
    expect(p.shares).toEqual({ "west/zone1": 1 });
    expect(p.assignment.map((a) => a.endpoints)).toEqual([2, 0, 0]);
    expect(messageOf(p, "unmatched-to-key")).toContain(`"us/west/zone3/*" (80%)`);
    expect(messageOf(p, "unmatched-to-key")).toContain(`region "us", zone "west", subzone "zone3"`);
    const removed = p.diagnostics.filter((d) => d.code === "removed-locality").map((d) => d.message);
    expect(removed).toHaveLength(2);
    expect(removed[0]).toMatch(/^west\/zone2 gets no traffic from clients in west\/zone1/);
    expect(removed[1]).toMatch(/^west\/zone3 /);
  });

  it("leaves the client with no endpoints when no key matches: every request fails", () => {
    const p = predictTraffic({
      client: { locality: "west/zone1" },
      endpoints: pods({ "west/zone1": 3, "west/zone2": 3 }),
      localityLbSetting: { distribute: [{ from: "west/zone1/*", to: { "us/west/zone3/*": 100 } }] },
    });
    expect(p.shares).toEqual({});
    expect(messageOf(p, "no-endpoints")).toContain("every request from west/zone1 fails with 503");
  });

  it("does nothing for a client its from does not match, and applies no failover either", () => {
    const p = predictTraffic({
      client: { locality: "west/zone1" },
      endpoints: pods({ "west/zone1": 1, "west/zone2": 3 }),
      localityLbSetting: { distribute: [{ from: "us/west/zone1/*", to: { "west/zone1/*": 100 } }] },
      outlierDetection: true,
    });
    expect(p.assignment.map((a) => [a.priority, a.weight])).toEqual([[0, 1], [0, 3]]);
    expect(p.shares).toEqual({ "west/zone1": 0.25, "west/zone2": 0.75 });
    expect(p.localityWeightedLb).toBe(true);
    expect(messageOf(p, "from-not-matching-client")).toContain(`"us/west/zone1/*" (read as region "us", zone "west", subzone "zone1")`);
  });

  it("uses weights that do not add up to 100 as relative weights: 80/15 gives 84.2% and 15.8%", () => {
    const p = predictTraffic({
      client: { locality: "r1/z1" },
      endpoints: pods({ "r1/z1": 2, "r1/z2": 2, "r2/z1": 2 }),
      localityLbSetting: { distribute: [{ from: "r1/z1/*", to: { "r1/z1/*": 80, "r1/z2/*": 15 } }] },
    });
    expect(rounded(p.shares)).toEqual({ "r1/z1": 0.842, "r1/z2": 0.158 });
  });

  it("keeps the original weight when a key's percentage is 0", () => {
    const out = applyLocalityLbSetting({
      client: { locality: "r1/z1" },
      groups: [{ locality: "r1/z1", weight: 3, endpoints: 3 }, { locality: "r1/z2", weight: 5, endpoints: 5 }],
      setting: { distribute: [{ from: "r1/*", to: { "r1/z1": 0, "r1/z2": 100 } }] },
      enableFailover: true,
    });
    expect(out.map((g) => [g.weight, g.endpoints])).toEqual([[3, 3], [100, 5]]);
  });

  it("lets overlapping to keys claim in written order, and warns that the order is not stable", () => {
    const scenario = (to: Record<string, number>): TrafficScenario => ({
      client: { locality: "r1/z1" },
      endpoints: pods({ "r1/z1": 1, "r1/z2": 1 }),
      localityLbSetting: { distribute: [{ from: "r1/z1/*", to }] },
    });
    const narrowFirst = predictTraffic(scenario({ "r1/z1/*": 70, "r1/*": 30 }));
    const broadFirst = predictTraffic(scenario({ "r1/*": 30, "r1/z1/*": 70 }));
    expect(narrowFirst.shares).toEqual({ "r1/z1": 0.7, "r1/z2": 0.3 });
    expect(broadFirst.shares).toEqual({ "r1/z1": 0.5, "r1/z2": 0.5 });
    expect(messageOf(narrowFirst, "overlapping-to-keys")).toContain(`Locality r1/z1 matches several \`to\` keys`);
  });
});

describe("failover priorities", () => {
  const threeZones: TrafficScenario = {
    client: { locality: "region1/zone1" },
    endpoints: pods({ "region1/zone1": 2, "region1/zone2": 2, "region2/zone1": 4 }),
    localityLbSetting: { failover: [{ from: "region1", to: "region2" }] },
  };

  it("without outlier detection is a no-op: round robin by host count, and a diagnostic", () => {
    const p = predictTraffic(threeZones);
    expect(p.assignment.map((a) => a.priority)).toEqual([0, 0, 0]);
    expect(p.localityWeightedLb).toBe(false);
    expect(p.shares).toEqual({ "region1/zone1": 0.25, "region1/zone2": 0.25, "region2/zone1": 0.5 });
    expect(messageOf(p, "failover-without-outlier-detection")).toContain("clients in region1/zone1 spread requests by endpoint count");
  });

  it("with outlier detection keeps 100% in the local zone, and spills 30% when half of it is not ready", () => {
    expect(predictTraffic({ ...threeZones, outlierDetection: true }).shares).toEqual({ "region1/zone1": 1 });
    const half = predictTraffic({ ...threeZones, outlierDetection: true, endpoints: [{ locality: "region1/zone1", count: 4, healthy: 2 }, ...pods({ "region1/zone2": 4, "region2/zone1": 4 })] });
    expect(half.priorityLoad.healthyLoad).toEqual([70, 30, 0]);
    expect(rounded(half.shares)).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.3 });
  });

  it("compacts raw priorities 1, 3 and 4 to 0, 1 and 2", () => {
    const out = applyLocalityLbSetting({
      client: { locality: "region1/zone1/subzone1" },
      groups: [
        { locality: "region1/zone1/subzone2", weight: null, endpoints: 1 },
        { locality: "region3", weight: null, endpoints: 1 },
        { locality: "region2/zone1", weight: null, endpoints: 1 },
      ],
      setting: { failover: [{ from: "region1", to: "region2" }] },
      enableFailover: true,
    });
    expect(out.map((g) => g.priority)).toEqual([0, 2, 1]);
  });

  it("sends nothing to a region that is not the failover target while the target is healthy", () => {
    const p = predictTraffic({
      client: { locality: "region1/zone1" },
      endpoints: [{ locality: "region1/zone1", count: 2, healthy: 0 }, ...pods({ "region2/zone1": 2, "region3/zone1": 2 })],
      localityLbSetting: { failover: [{ from: "region1", to: "region2" }] },
      outlierDetection: {},
    });
    expect(p.assignment.map((a) => a.priority)).toEqual([0, 1, 2]);
    expect(p.shares).toEqual({ "region2/zone1": 1 });
  });

  it("puts every other region in one priority when no failover rule starts at the client's region", () => {
    const p = predictTraffic({
      client: { locality: "region1/zone1" },
      endpoints: pods({ "region1/zone1": 2, "region2/zone1": 2, "region3/zone1": 2 }),
      localityLbSetting: { failover: [{ from: "region9", to: "region2" }] },
      outlierDetection: true,
    });
    expect(p.assignment.map((a) => a.priority)).toEqual([0, 1, 1]);
    expect(messageOf(p, "failover-from-not-matching-client")).toContain(`No failover rule has from "region1"`);
  });

  it("stacks failoverPriority (x5) with failover proximity", () => {
    const ep = (address: string, network: string, cluster: string) => ({ labels: { [NETWORK]: network, "topology.istio.io/cluster": cluster, address } });
    const out = applyLocalityLbSetting({
      client: { locality: "region1/zone1/subzone1", labels: { [NETWORK]: "n2", "topology.istio.io/cluster": "c2" } },
      groups: [
        { locality: "region1/zone1/subzone1", weight: null, endpoints: [ep("1", "n1", "c1")] },
        { locality: "region1/zone2/subzone2", weight: null, endpoints: [ep("2", "n2", "c2")] },
        { locality: "region2/zone2/subzone2", weight: null, endpoints: [ep("3", "n1", "c3")] },
        { locality: "region3/zone3/subzone3", weight: null, endpoints: [ep("4", "n2", "c4")] },
        { locality: "region2/zone2/subzone2", weight: null, endpoints: [ep("5", "n2", "c2")] },
        { locality: "region3/zone3/subzone3", weight: null, endpoints: [ep("6", "n1", "c6")] },
      ],
      setting: { failoverPriority: [NETWORK, "topology.istio.io/cluster"], failover: [{ from: "region1", to: "region2" }] },
      enableFailover: true,
    });
    expect(out.map((g) => g.priority)).toEqual([3, 0, 4, 2, 1, 5]);
  });
});

describe("failoverPriority", () => {
  // Istio's "FailoverPriority including locality" case: [network, region, zone], client n1/region2/zone2.
  const ep = (network: string, region: string, zone: string) => ({ labels: { [NETWORK]: network, region, zone } });
  const groups = [
    { locality: "region1/zone1/subzone1", weight: null, endpoints: [ep("n1", "region1", "zone1")] },
    { locality: "region1/zone2/subzone2", weight: null, endpoints: [ep("n2", "region1", "zone2")] },
    { locality: "region2/zone2/subzone2", weight: null, endpoints: [ep("n1", "region2", "zone2")] },
    { locality: "region3/zone3/subzone3", weight: null, endpoints: [ep("n2", "region3", "zone3")] },
    { locality: "region2/zone2/subzone2", weight: null, endpoints: [ep("n2", "region2", "zone2")] },
    { locality: "region3/zone3/subzone3", weight: null, endpoints: [ep("n1", "region3", "zone3")] },
  ];
  const run = (istioVersion: string) =>
    applyLocalityLbSetting({
      client: { locality: "region2/zone2/subzone2", labels: { [NETWORK]: "n1", region: "region2", zone: "zone2" } },
      groups,
      setting: { failoverPriority: [NETWORK, "region", "zone"] },
      enableFailover: true,
      istioVersion,
    }).map((g) => g.priority);

  it("prefers the network but does not require it in 1.31, and ranks a network mismatch lowest in 1.30", () => {
    expect(run("1.31.1")).toEqual([1, 3, 0, 3, 2, 1]);
    expect(run("1.30.3")).toEqual([1, 2, 0, 2, 2, 1]);
  });

  it("compares a key=value entry with the value, not the client's label, and splits the group", () => {
    const out = applyLocalityLbSetting({
      client: { locality: "r1/z1", labels: { [NETWORK]: "n2" } },
      groups: [{ locality: "r1/z1", weight: null, endpoints: [{ labels: { [NETWORK]: "n1" } }, { labels: { [NETWORK]: "n2" } }] }],
      setting: { failoverPriority: [`${NETWORK}=n1`] },
      enableFailover: true,
    });
    expect(out.map((g) => [g.priority, g.weight, g.endpointIndexes])).toEqual([[0, 1, [0]], [1, 1, [1]]]);
  });

  it("ranks by the topology labels predictTraffic adds from the localities", () => {
    const p = predictTraffic({
      client: { locality: "region/zone/subzone" },
      endpoints: [{ locality: "region/zone/subzone", count: 1, healthy: 0 }, ...pods({ "nearregion/zone/subzone": 1, "region/zone2/subzone": 1 })],
      localityLbSetting: { failoverPriority: [REGION, ZONE] },
      outlierDetection: true,
    });
    expect(p.assignment.map((a) => [a.locality, a.priority])).toEqual([["nearregion/zone/subzone", 2], ["region/zone/subzone", 0], ["region/zone2/subzone", 1]]);
    expect(p.shares).toEqual({ "region/zone2/subzone": 1 });
  });
});

describe("effective setting and cluster flags", () => {
  it("takes the DestinationRule over the Service's trafficDistribution over the mesh", () => {
    const dr = { failover: [{ from: "r1", to: "r2" }] };
    expect(effectiveLocalityLbSetting({ mesh: { enabled: true }, destinationRule: dr, serviceTrafficDistribution: "PreferClose" })).toEqual({ setting: dr, forceFailover: false });
    expect(effectiveLocalityLbSetting({ mesh: { enabled: true }, destinationRule: { enabled: false } })).toEqual({ setting: null, forceFailover: false });
    expect(effectiveLocalityLbSetting({ mesh: { enabled: false }, serviceTrafficDistribution: "PreferClose" })).toEqual({
      setting: { enabled: true, failoverPriority: [NETWORK, REGION, ZONE] },
      forceFailover: true,
    });
  });

  it("gates trafficDistribution by version", () => {
    const fp = (td: string, istioVersion: string) => effectiveLocalityLbSetting({ serviceTrafficDistribution: td, istioVersion }).setting?.failoverPriority ?? null;
    expect(fp("PreferClose", "1.24.3")).toBeNull();
    expect(fp("PreferClose", "1.25.0")).toHaveLength(4);
    expect(fp("PreferSameZone", "1.26.2")).toBeNull();
    expect(fp("PreferSameNode", "1.27.0")).toEqual([NETWORK, REGION, ZONE, "topology.istio.io/subzone", "kubernetes.io/hostname"]);
  });

  it("sets the panic threshold by version, outlier detection and trafficDistribution", () => {
    const pt = (args: Partial<Parameters<typeof clusterLocalityConfig>[0]>) => clusterLocalityConfig({ setting: { enabled: true }, ...args }).panicThreshold;
    expect(pt({ istioVersion: "1.30.3" })).toBe(50);
    expect(pt({ istioVersion: "1.31.0" })).toBe(0);
    expect(pt({ istioVersion: "1.30.3", serviceTrafficDistribution: "PreferClose" })).toBe(0);
    expect(pt({ outlierDetection: { minHealthPercent: 20 } })).toBe(20);
    expect(pt({ outlierDetection: { minHealthPercent: 20 }, serviceTrafficDistribution: "PreferClose" })).toBe(0);
  });

  it("sets locality_weighted_lb_config for an outlier-detection-only DR up to 1.23 only", () => {
    const od = (istioVersion: string) => predictTraffic({ client: { locality: "r1/z1" }, endpoints: pods({ "r1/z1": 1, "r2/z1": 1 }), outlierDetection: true, istioVersion });
    expect(od("1.23.6").localityWeightedLb).toBe(true);
    expect(od("1.24.0").localityWeightedLb).toBe(false);
    expect(od("1.24.0").assignment.map((a) => a.priority)).toEqual([0, 1]);
  });

  it("forces failover for PreferClose even without outlier detection", () => {
    const p = predictTraffic({ client: { locality: "r1/z1" }, endpoints: pods({ "r1/z1": 1, "r1/z2": 1, "r2/z1": 2 }), serviceTrafficDistribution: "PreferClose" });
    expect(p.enableFailover).toBe(true);
    expect(p.localityWeightedLb).toBe(true);
    expect(p.assignment.map((a) => a.priority)).toEqual([0, 1, 2]);
    expect(p.shares).toEqual({ "r1/z1": 1 });
  });

  it("drops not-ready pods up to 1.30 and sends them UNHEALTHY from 1.31 unless minHealthPercent > 0", () => {
    const at = (istioVersion: string, outlierDetection: TrafficScenario["outlierDetection"]) =>
      predictTraffic({
        client: { locality: "r1/z1" },
        endpoints: [{ locality: "r1/z1", count: 4, healthy: 2 }, { locality: "r1/z2", count: 4 }],
        outlierDetection,
        istioVersion,
      });
    expect(at("1.30.3", true).assignment[0]).toMatchObject({ weight: 2, endpoints: 2, healthy: 2 });
    expect(at("1.30.3", true).shares).toEqual({ "r1/z1": 1 });
    expect(at("1.31.1", true).assignment[0]).toMatchObject({ weight: 4, endpoints: 4, healthy: 2 });
    expect(rounded(at("1.31.1", true).shares)).toEqual({ "r1/z1": 0.7, "r1/z2": 0.3 });
    expect(at("1.31.1", { minHealthPercent: 10 }).assignment[0]).toMatchObject({ endpoints: 2 });
  });
});

describe("Envoy", () => {
  it("keeps a priority fully healthy down to 72% healthy hosts (overprovisioning 1.4)", () => {
    expect(envoyPriorityLoad([{ hosts: 100, healthy: 72 }, { hosts: 100, healthy: 100 }]).healthyLoad).toEqual([100, 0]);
    expect(envoyPriorityLoad([{ hosts: 100, healthy: 71 }, { hosts: 100, healthy: 100 }]).healthyLoad).toEqual([99, 1]);
    expect(envoyPriorityLoad([{ hosts: 7, healthy: 5 }]).health).toEqual([100]);
  });

  it("splits by host count in total panic, and by health with panic disabled", () => {
    const levels = [{ hosts: 100, healthy: 25 }, { hosts: 100, healthy: 25 }, { hosts: 100, healthy: 20 }];
    expect(envoyPriorityLoad(levels)).toMatchObject({ healthyLoad: [34, 33, 33], panic: [true, true, true], normalizedTotalAvailability: 98 });
    expect(envoyPriorityLoad(levels, { panicThreshold: 0 }).healthyLoad).toEqual([37, 35, 28]);
  });

  it("puts 100% on P0 when nothing is healthy and panic is disabled", () => {
    expect(envoyPriorityLoad([{ hosts: 2, healthy: 0 }, { hosts: 2, healthy: 0 }], { panicThreshold: 0 })).toMatchObject({ healthyLoad: [100, 0], panic: [false, false] });
  });

  it("weights localities by effective weight: 1 at 25% healthy against 2 at 100% gives 14.9% / 85.1%", () => {
    const shares = envoyLocalityShares([{ weight: 1, hosts: 100, healthy: 25 }, { weight: 2, hosts: 100, healthy: 100 }]);
    expect(shares.map((s) => Number(s.toFixed(3)))).toEqual([0.149, 0.851]);
  });

  it("falls back to all healthy hosts when no locality has an effective weight", () => {
    expect(envoyLocalityShares([{ weight: 0, hosts: 1, healthy: 1 }, { weight: 0, hosts: 3, healthy: 3 }])).toEqual([0.25, 0.75]);
    expect(envoyLocalityShares([{ weight: 1, hosts: 1, healthy: 0 }])).toEqual([0]);
  });

  it("ignores locality weights inside a panicking priority and uses every host by weight", () => {
    const { shares, priorityLoad } = envoyTrafficShares(
      [
        { locality: "a", priority: 0, weight: 90, hosts: 10, healthy: 1 },
        { locality: "b", priority: 0, weight: 10, hosts: 30, healthy: 1 },
      ],
      { localityWeightedLb: true, panicThreshold: 50 },
    );
    expect(priorityLoad.panic).toEqual([true]);
    expect(shares).toEqual({ a: 0.25, b: 0.75 });
  });
});
