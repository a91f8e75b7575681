import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planMesh } from "../../../model/build/plan";
import { deploymentName, formatGatewayPlacement, formatServicePlan, planTraffic, trafficModel, workloads } from "../../../model/traffic/trafficPlan";
import { parse, stackRaw, type Raw } from "../../helpers/configs";

const planOf = (raw: Raw, stack = "test") => {
  const spec = parse(raw, stack);
  return { spec, plan: planMesh(spec) };
};
const trafficOf = (stack: string) => {
  const { spec, plan } = planOf(stackRaw(stack), stack);
  return planTraffic(spec, plan);
};

describe("trafficPlan for the shipped stacks", () => {
  it("flat: 70/20/10 from region1/zone1, across the two clusters", () => {
    expect(trafficOf("flat").helloworld["region1/zone1"]).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 });
  });

  it("multinet: 10/10/80 from east/zone1", () => {
    expect(trafficOf("multinet").helloworld["east/zone1"]).toEqual({ "east/zone1": 0.1, "east/zone2": 0.1, "west/zone3": 0.8 });
  });

  it("multinet: the 80% crosses west's gateway, whose one-locality network cannot split it again (no noise from its hop)", () => {
    const plan = trafficOf("multinet").helloworld;
    expect(plan.firstHop?.["east/zone1"]).toEqual({ "east/zone1": 0.1, "east/zone2": 0.1, "west/zone3": 0.8 });
    expect(plan.diagnostics["east/zone1"].map((d) => d.code)).toEqual(["second-hop", "distribute-no-failover"]);
  });

  it("dev: everything stays in east/zone1 while it is healthy, and moves to east/zone2 (not west) when it fails", () => {
    const plan = trafficOf("dev").helloworld;
    expect(plan["east/zone1"]).toEqual({ "east/zone1": 1 });
    expect(plan.ifLocalityFails["east/zone1"]).toEqual({ "east/zone2": 1 });
    expect(plan.diagnostics["east/zone1"]).toEqual([]);
  });

  it("flat: distribute never fails over to removed localities, it renormalises the other `to` keys", () => {
    const plan = trafficOf("flat").helloworld;
    expect(plan.ifLocalityFails["region1/zone1"]).toEqual({ "region1/zone2": 0.666667, "region3/zone4": 0.333333 });
    expect(plan.diagnostics["region1/zone1"].map((d) => d.code)).toEqual(["distribute-no-failover"]);
  });

  it("primary-remote and hybrid-nodeport: local first, the other cluster on failure", () => {
    expect(trafficOf("primary-remote").helloworld.ifLocalityFails["region1/zone1"]).toEqual({ "region2/zone2": 1 });
    expect(trafficOf("hybrid-nodeport").helloworld["north/zone1"]).toEqual({ "north/zone1": 1 });
    expect(trafficOf("hybrid-nodeport").helloworld.ifLocalityFails["north/zone1"]).toEqual({ "south/zone1": 1 });
  });
});

describe("multizone-remote: a split across networks, both hops (istio#56355)", () => {
  it("50/25/25 as written comes out 66.7/16.7/16.7; the first hop sends 1/3 to far's gateway", () => {
    const plan = trafficOf("multizone-remote").helloworld;
    expect(plan["near/zone1"]).toEqual({ "near/zone1": 0.666666, "far/zone1": 0.166667, "far/zone2": 0.166667 });
    expect(plan.firstHop?.["near/zone1"]).toEqual({ "near/zone1": 0.666667, "far/zone1": 0.333333 });
    expect(plan.ifLocalityFails["near/zone1"]).toEqual({ "far/zone1": 0.5, "far/zone2": 0.5 });
    expect(plan.diagnostics["near/zone1"].map((d) => d.code)).toEqual(
      expect.arrayContaining(["gateway-duplicate-dropped", "second-hop", "second-hop-from-not-matching-client"]),
    );
  });

  it("the README shows this plan as the preview prints it (it cannot drift)", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");
    const printed = formatServicePlan("helloworld", trafficOf("multizone-remote").helloworld).split("\n");
    const upToFailure = printed.slice(0, printed.findIndex((l) => l.startsWith("  if near/zone1")));
    expect(readme).toContain(upToFailure.join("\n"));
  });

  it("the preview names where each gateway pod runs (none on a single network)", () => {
    const { plan } = planOf(stackRaw("multizone-remote"), "multizone-remote");
    expect(formatGatewayPlacement(plan)).toBe(
      "East-west gateway pods, where cross-network requests are split a second time: near (network-near) in near/zone1; far (network-far) in far/zone1.",
    );
    expect(formatGatewayPlacement(planOf(stackRaw("flat"), "flat").plan)).toBeUndefined();
  });

  it("a gateway pinned elsewhere changes the second hop: from far/zone2 the gateway's zone gets its share, not half", () => {
    const raw = stackRaw("multizone-remote");
    raw.topology.clusters[1].eastWestGatewayLocality = "far/zone2";
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute.push({ from: "far/zone2/*", to: { "far/zone2/*": 100 } });
    const { spec, plan } = planOf(raw, "multizone-remote");
    expect(planTraffic(spec, plan).helloworld["near/zone1"]).toEqual({ "near/zone1": 0.666667, "far/zone2": 0.333333 });
  });
});

describe("trafficPlan follows the stack file", () => {
  it("editing a weight changes the predicted split (what `pulumi preview --diff` shows next to the DR)", () => {
    const raw = stackRaw("flat");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to = {
      "region1/zone1/*": 50,
      "region1/zone2/*": 20,
      "region3/zone4/*": 30,
    };
    const { spec, plan } = planOf(raw);
    expect(planTraffic(spec, plan).helloworld["region1/zone1"]).toEqual({ "region1/zone1": 0.5, "region1/zone2": 0.2, "region3/zone4": 0.3 });
  });

  it("more replicas in a locality do not change a distribute split (weights are split per locality)", () => {
    const raw = stackRaw("flat");
    raw.traffic.services[0].replicas = 3;
    const { spec, plan } = planOf(raw);
    expect(planTraffic(spec, plan).helloworld["region1/zone1"]).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 });
  });

  it("without a localityLbSetting and without outlierDetection, traffic spreads by endpoint count", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy = { connectionPool: { tcp: { maxConnections: 100 } } };
    const { spec, plan } = planOf(raw);
    const shares = planTraffic(spec, plan).helloworld["east/zone1"] as Record<string, number>;
    expect(Object.keys(shares).sort()).toEqual(["east/zone1", "east/zone2", "west/zone3"]);
    for (const v of Object.values(shares)) expect(v).toBeCloseTo(1 / 3, 5);
  });

  it("one plan entry per distinct client locality", () => {
    const raw = stackRaw("multinet");
    raw.traffic.clients.push({ name: "sleep2", locality: "west/zone3" }, { name: "sleep3", locality: "east/zone1" });
    const { spec, plan } = planOf(raw);
    const service = planTraffic(spec, plan).helloworld;
    expect(Object.keys(service).sort()).toEqual(["diagnostics", "east/zone1", "firstHop", "ifLocalityFails", "west/zone3"]);
    // No `from` covers west/zone3, so its sidecar weighs localities by endpoint count — but east's two zones sit
    // behind one gateway address and Envoy keeps only east/zone1's copy (istio#56355): 50% local, 50% to the
    // gateway, which (in east/zone1, where the 10/10/80 rule applies and west/zone3 is out of its view) halves it.
    expect(service["west/zone3"]).toEqual({ "east/zone1": 0.25, "east/zone2": 0.25, "west/zone3": 0.5 });
    expect(service.firstHop?.["west/zone3"]).toEqual({ "east/zone1": 0.5, "west/zone3": 0.5 });
    expect(service.diagnostics["west/zone3"].map((d) => d.code)).toEqual(
      expect.arrayContaining(["from-not-matching-client", "gateway-duplicate-dropped", "second-hop", "second-hop-unmatched-to-key"]),
    );
  });
});

describe("outputs for the verify and drill commands", () => {
  it("workloads: the deployment of each backend, by locality and cluster", () => {
    const { spec, plan } = planOf(stackRaw("dev"), "dev");
    expect(workloads(spec, plan)).toEqual({
      services: [
        {
          name: "helloworld",
          namespace: "sample",
          port: 5000,
          replicas: 1,
          placements: [
            { locality: "east/zone1", cluster: "east", deployment: "helloworld-east-zone1" },
            { locality: "east/zone2", cluster: "east", deployment: "helloworld-east-zone2" },
            { locality: "west/zone3", cluster: "west", deployment: "helloworld-west-zone3" },
          ],
        },
      ],
      clients: [{ name: "sleep", namespace: "sample", locality: "east/zone1", cluster: "east" }],
    });
  });

  it("trafficModel: the policy and endpoint counts a drill needs", () => {
    const { spec, plan } = planOf(stackRaw("dev"), "dev");
    expect(trafficModel(spec, plan).helloworld).toEqual({
      localityLbSetting: { enabled: true, failover: [{ from: "east", to: "west" }] },
      outlierDetection: true,
      endpoints: [
        { locality: "east/zone1", count: 1, cluster: "east", network: "network-east" },
        { locality: "east/zone2", count: 1, cluster: "east", network: "network-east" },
        { locality: "west/zone3", count: 1, cluster: "west", network: "network-west" },
      ],
      networkGateways: [
        { network: "network-east", cluster: "east", locality: "east/zone1" },
        { network: "network-west", cluster: "west", locality: "west/zone3" },
      ],
      networks: { east: "network-east", west: "network-west" },
      istioVersion: "1.31.1",
    });
  });

  it("deployment names are DNS labels", () => {
    expect(deploymentName("helloworld", "Region_1/zone.a/sub")).toBe("helloworld-region-1-zone-a-sub");
  });
});

describe("the table printed on every preview", () => {
  it("shows each destination with a bar and a percentage, and the failover case", () => {
    expect(formatServicePlan("helloworld", trafficOf("flat").helloworld)).toBe(
      [
        "Predicted split for helloworld:",
        "  from region1/zone1:",
        "    region1/zone1            ██████████████······  70.0%",
        "    region1/zone2            ████················  20.0%",
        "    region3/zone4            ██··················  10.0%",
        "  if region1/zone1 loses its backends:",
        "    region1/zone2            █████████████·······  66.7%",
        "    region3/zone4            ███████·············  33.3%",
        '  note (distribute-no-failover): distribute from "region1/zone1/*" never fails over: when a locality loses its backends, its share goes only to the other "to" localities (region1/zone1/*, region1/zone2/*, region3/zone4/*), never to localities outside them.',
      ].join("\n"),
    );
  });

  it("shows failing requests and the model's notes", () => {
    const raw = stackRaw("multinet");
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to = { "east/zone1/*": 100 };
    const { spec, plan } = planOf(raw);
    const text = formatServicePlan("helloworld", planTraffic(spec, plan).helloworld);
    expect(text).toContain("    east/zone1               ████████████████████ 100.0%");
    expect(text).toContain("    (requests fail)          ████████████████████ 100.0%");
    expect(text).toMatch(/note \(removed-locality\): .*east\/zone2/);
  });

  it("an even three-way split is served in full: no phantom failures from rounding", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].trafficPolicy = { loadBalancer: { localityLbSetting: { enabled: false } } };
    const { spec, plan } = planOf(raw);
    const helloworld = planTraffic(spec, plan).helloworld;
    const shares = helloworld["east/zone1"] as Record<string, number>;
    expect(Object.values(shares).sort()).toEqual([0.333333, 0.333333, 0.333334]);
    const text = formatServicePlan("helloworld", helloworld);
    expect(text).toContain("    east/zone1               ███████·············  33.3%");
    expect(text).not.toContain("requests fail");
  });
});
