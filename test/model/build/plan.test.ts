import { describe, expect, it } from "vitest";
import { planMesh } from "../../../model/build/plan";
import { parse, stackRaw } from "../../helpers/configs";

const planOf = (stack: string) => planMesh(parse(stackRaw(stack), stack));

describe("pod routes", () => {
  it("flat: both ways between the two same-network clusters", () => {
    expect(planOf("flat").routes).toEqual([
      { from: "cluster1", to: "cluster2" },
      { from: "cluster2", to: "cluster1" },
    ]);
  });

  it("clusters on different networks get none", () => {
    expect(planOf("dev").routes).toEqual([]);
    expect(planOf("multinet").routes).toEqual([]);
  });

  it("existing clusters get none", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[1] = { name: "cluster2", network: "network1", context: "prod" };
    raw.traffic.services[0].localities = ["region1/zone1", "region1/zone2"];
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to = { "region1/zone1/*": 80, "region1/zone2/*": 20 };
    expect(planMesh(parse(raw)).routes).toEqual([]);
  });
});

describe("remote secrets", () => {
  it.each([
    ["dev", [["west", "east"], ["east", "west"]]],
    ["flat", [["cluster2", "cluster1"], ["cluster1", "cluster2"]]],
    ["primary-remote", [["remote0", "main0"]]],
    ["hybrid-nodeport", [["south", "north"], ["north", "south"]]],
  ])("%s: every primary holds one for every other cluster", (stack, pairs) => {
    expect(planOf(stack).remoteSecrets.map((s) => [s.source, s.destination])).toEqual(pairs);
  });
});

describe("clusters", () => {
  it("primary-remote: the remote is controlled by main0; only main0 reads DestinationRules and exposes istiod", () => {
    const [main0, remote0] = planOf("primary-remote").clusters;
    expect(main0).toMatchObject({ controlPlane: "main0", readsConfig: true, exposesIstiod: true, eastWestGateway: "LoadBalancer", metallb: true, crossNetworkGateway: false });
    expect(remote0).toMatchObject({ controlPlane: "main0", readsConfig: false, exposesIstiod: false, eastWestGateway: undefined, metallb: false });
  });

  it("dev: multi-primary on two networks: gateways and cross-network-gateway everywhere", () => {
    for (const c of planOf("dev").clusters) {
      expect(c).toMatchObject({ readsConfig: true, crossNetworkGateway: true, eastWestGateway: "LoadBalancer", metallb: true });
    }
  });

  it("install order: cacerts before istiod, MetalLB before the gateway, the gateway address before remote secrets", () => {
    const order = planOf("dev").clusters[0].installOrder;
    expect(order).toEqual([
      "docker-network",
      "kind-cluster",
      "node-localities",
      "metallb",
      "metallb-pool",
      "istio-system-namespace",
      "cacerts",
      "istio-base",
      "istiod",
      "eastwest-gateway",
      "eastwest-gateway-address",
      "cross-network-gateway",
      "remote-secrets",
      "destination-rules",
      "workloads",
    ]);
  });

  it("a remote's gateway waits until its primary holds the remote's secret", () => {
    const raw = stackRaw("primary-remote");
    raw.topology.clusters[1].network = "network2";
    const remote = planMesh(parse(raw)).clusters[1];
    const order = remote.installOrder;
    expect(order.indexOf("remote-secret-in-primary")).toBeLessThan(order.indexOf("eastwest-gateway"));
    expect(order).not.toContain("destination-rules");
  });
});

describe("workloads", () => {
  it("flat: a backend per locality in the cluster that has it; the client in region1/zone1", () => {
    const plan = planOf("flat");
    expect(plan.backends.map((b) => [b.locality, b.cluster, b.replicas])).toEqual([
      ["region1/zone1", "cluster1", 1],
      ["region1/zone2", "cluster1", 1],
      ["region3/zone4", "cluster2", 1],
    ]);
    expect(plan.clients).toEqual([{ name: "sleep", namespace: "sample", locality: "region1/zone1", cluster: "cluster1" }]);
    expect(plan.namespaces).toEqual(["sample"]);
  });
});
