import { describe, expect, it } from "vitest";
import { planMesh } from "../../../model/build/plan";
import { formatServicePlan, planTraffic, trafficModel } from "../../../model/traffic/trafficPlan";
import { parse, stackRaw, type Raw } from "../../helpers/configs";

const planFor = (raw: Raw) => {
  const spec = parse(raw);
  return planTraffic(spec, planMesh(spec));
};

describe("trafficPlan of the cluster-local stack: routes, subsets and cluster-local before locality load balancing", () => {
  const plan = planFor(stackRaw("cluster-local"));

  it("helloworld from site-a: its route keeps 80% in site-a (its own zone first) and sends 20% to site-b's subset", () => {
    expect(plan.helloworld["europe/zone1"]).toEqual({ "europe/zone1": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 });
    expect(plan.helloworld.decidedBy?.["europe/zone1"]).toEqual({
      kind: "route",
      route: { index: 0, name: "from-site-a" },
      clusterLocal: false,
      destinations: [{ subset: "site-a", weight: 0.8 }, { subset: "site-b", weight: 0.2 }],
    });
    // Its zone gone, site-a's share fails over inside the subset (europe/zone2), never to site-b.
    expect(plan.helloworld.ifLocalityFails["europe/zone1"]).toEqual({ "europe/zone2": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 });
  });

  it("helloworld from site-b: its route keeps everything in site-b; the diagnostics name the route and subset", () => {
    expect(plan.helloworld["asia/zone3"]).toEqual({ "asia/zone3": 1 });
    expect(plan.helloworld.ifLocalityFails["asia/zone3"]).toEqual({ "asia/zone4": 1 });
    expect(plan.helloworld.diagnostics["asia/zone3"].map((d) => d.message)).toEqual([
      'VirtualService helloworld http[1] "from-site-b" decides: its match[0] holds for this client.',
      '100% go to subset "site-b" (topology.istio.io/cluster=site-b): 2 endpoint(s) in asia/zone3, asia/zone4.',
    ]);
  });

  it("cache is cluster-local: round robin over the client's own cluster only; site-a loses its last backend: all fail", () => {
    expect(plan.cache["europe/zone1"]).toEqual({ "europe/zone1": 1 });
    expect(plan.cache["asia/zone3"]).toEqual({ "asia/zone3": 0.5, "asia/zone4": 0.5 });
    expect(plan.cache.ifLocalityFails["europe/zone1"]).toEqual({});
    expect(plan.cache.decidedBy?.["europe/zone1"]).toEqual({ kind: "default", clusterLocal: true, destinations: [{ weight: 1 }] });
    expect(plan.cache.diagnostics["europe/zone1"][0].code).toBe("cluster-local");
  });

  it("without the serviceSettings, cache would cross: a third of site-a's requests per backend", () => {
    const raw = stackRaw("cluster-local");
    delete raw.traffic.meshConfig;
    const open = planFor(raw);
    const shares = open.cache["europe/zone1"] as Record<string, number>;
    expect(Object.keys(shares).sort()).toEqual(["asia/zone3", "asia/zone4", "europe/zone1"]);
    for (const share of Object.values(shares)) expect(share).toBeCloseTo(1 / 3, 5);
    expect(open.cache).not.toHaveProperty("decidedBy");
  });

  it("the preview table says where each client's requests go and what decided", () => {
    const text = formatServicePlan("helloworld", plan.helloworld);
    expect(text).toContain('  note (route): VirtualService helloworld http[0] "from-site-a" decides: its match[0] holds for this client.');
    expect(text).toMatch(/from europe\/zone1:\n {4}asia\/zone3 +██·+ +10\.0%/);
  });

  it("trafficModel carries what the drill needs to predict routed splits per client", () => {
    const spec = parse(stackRaw("cluster-local"));
    const model = trafficModel(spec, planMesh(spec));
    expect(model.cache.routing).toMatchObject({ service: "cache", namespace: "sample", port: 5000, clusterLocal: true, subsets: [] });
    expect(model.helloworld.routing?.http?.map((h) => h.name)).toEqual(["from-site-a", "from-site-b"]);
    expect(model.helloworld.placedEndpoints).toContainEqual({
      locality: "asia/zone4",
      count: 1,
      cluster: "site-b",
      network: "network1",
      labels: { "topology.istio.io/cluster": "site-b", "topology.istio.io/network": "network1" },
    });
  });
});

describe("plan keys: clients in one locality but different clusters are apart", () => {
  /** site-b gets a node in europe/zone1 too, and a client there. */
  function shared(): Raw {
    const raw = stackRaw("cluster-local");
    raw.topology.clusters[1].nodes.push({ role: "worker", locality: "europe/zone1" });
    raw.traffic.clients.push({ name: "sleep-c", locality: "europe/zone1", cluster: "site-b" });
    return raw;
  }

  it("helloworld routes by cluster: europe/zone1@site-a and europe/zone1@site-b, each with its own route", () => {
    const plan = planFor(shared()).helloworld;
    expect(Object.keys(plan).filter((k) => k.includes("/"))).toEqual(["asia/zone3", "europe/zone1@site-a", "europe/zone1@site-b"]);
    expect(plan.decidedBy?.["europe/zone1@site-a"]?.route?.name).toBe("from-site-a");
    expect(plan.decidedBy?.["europe/zone1@site-b"]?.route?.name).toBe("from-site-b");
    // Both answer from europe/zone1 (each subset now has a backend there), through different routes and subsets.
    expect(plan["europe/zone1@site-a"]).toEqual({ "europe/zone1": 1 });
    expect(plan.ifLocalityFails["europe/zone1@site-a"]).toEqual({ "europe/zone2": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 });
    expect(plan["europe/zone1@site-b"]).toEqual({ "europe/zone1": 1 });
    expect(plan.ifLocalityFails["europe/zone1@site-b"]).toEqual({ "asia/zone3": 0.5, "asia/zone4": 0.5 });
  });

  it("a stack whose clients all see the same plan keeps plain locality keys", () => {
    const plan = planFor(stackRaw("flat")).helloworld;
    expect(Object.keys(plan)).toEqual(["diagnostics", "ifLocalityFails", "region1/zone1"]);
  });
});
