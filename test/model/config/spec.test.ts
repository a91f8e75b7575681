import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../model/config/spec";
import { expectProblem, parse, problemsOf, stackRaw } from "../../helpers/configs";
import { shippedStacks } from "../../helpers/stacks";

describe("shipped stacks", () => {
  it.each(shippedStacks())("%s parses without errors", (stack) => {
    const spec = parse(stackRaw(stack), stack);
    expect(spec.stack).toBe(stack);
    expect(spec.clusters.length).toBeGreaterThanOrEqual(2);
    expect(spec.warnings.filter((w) => /no "to" key|no "from"/.test(w.message))).toEqual([]);
  });

  it("ships the five seed topologies", () => {
    expect(shippedStacks()).toEqual(["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "multizone-remote", "primary-remote"]);
  });

  it("dev: two networks, so both clusters get an east-west gateway and a MetalLB pool", () => {
    const spec = parse(stackRaw("dev"), "dev");
    const [east, west] = spec.clusters;
    expect([east.network, west.network]).toEqual(["network-east", "network-west"]);
    expect([east.needsEastWestGateway, west.needsEastWestGateway]).toEqual([true, true]);
    for (const pool of [east.metallbPool!, west.metallbPool!]) {
      expect(pool.size).toBe(16);
      expect(pool.first).toMatch(/^172\.16\.215\.\d+$/);
    }
    expect(east.metallbPool!.first).not.toBe(west.metallbPool!.first);
    expect(east.nodes.map((n) => [n.nodeName, n.locality])).toEqual([
      ["dev-east-control-plane", "east/zone1"],
      ["dev-east-worker", "east/zone2"],
    ]);
    expect(spec.dockerNetwork).toEqual({ name: "kindmesh-dev", subnet: "172.16.212.0/22", gateway: "172.16.212.1", ipRange: "172.16.212.0/23" });
    expect(spec.clusters.map((c) => [c.name, c.kindName])).toEqual([["east", "dev-east"], ["west", "dev-west"]]);
  });

  it("dev: each cluster's subnets, pool and API port follow its name, not its place in the file", () => {
    const before = parse(stackRaw("dev"), "dev");
    const raw = stackRaw("dev");
    raw.topology.clusters.unshift({ name: "north", network: "network-north", nodes: [{ role: "control-plane", locality: "north/zone9" }] });
    raw.topology.clusters.reverse();
    const after = parse(raw, "dev");
    for (const name of ["east", "west"]) {
      const pick = ({ podSubnet, serviceSubnet, metallbPool, apiServerPort }: (typeof before.clusters)[number]) => ({ podSubnet, serviceSubnet, metallbPool, apiServerPort });
      expect(pick(after.clusters.find((c) => c.name === name)!)).toEqual(pick(before.clusters.find((c) => c.name === name)!));
    }
    expect(before.clusters.map((c) => [c.podSubnet, c.serviceSubnet])).toEqual([
      ["10.113.0.0/16", "10.255.60.0/24"],
      ["10.77.0.0/16", "10.255.174.0/24"],
    ]);
  });

  it("flat: one network means pod routing, not gateways: no gateway, no MetalLB", () => {
    const spec = parse(stackRaw("flat"), "flat");
    expect(spec.clusters.map((c) => [c.needsEastWestGateway, c.metallbPool])).toEqual([
      [false, undefined],
      [false, undefined],
    ]);
    expect(spec.clusters[1].nodes.map((n) => n.nodeName)).toEqual([
      "flat-cluster2-control-plane",
      "flat-cluster2-worker",
      "flat-cluster2-worker2",
    ]);
  });

  it("primary-remote: only the primary exposes istiod, so only it gets a gateway and a pool", () => {
    const spec = parse(stackRaw("primary-remote"), "primary-remote");
    const [main0, remote0] = spec.clusters;
    expect([main0.role, remote0.role, remote0.primary]).toEqual(["primary", "remote", "main0"]);
    expect([main0.needsEastWestGateway, remote0.needsEastWestGateway]).toEqual([true, false]);
    expect(main0.metallbPool?.first).toMatch(/^172\.16\.39\.\d+$/);
    expect(remote0.metallbPool).toBeUndefined();
  });

  it("hybrid-nodeport: gateways without MetalLB", () => {
    const spec = parse(stackRaw("hybrid-nodeport"), "hybrid-nodeport");
    expect(spec.clusters.map((c) => [c.eastWestGateway, c.needsEastWestGateway, c.metallbPool])).toEqual([
      ["NodePort", true, undefined],
      ["NodePort", true, undefined],
    ]);
  });

  it("every shipped stack has its own Docker subnet, so stacks can run side by side", () => {
    const subnets = shippedStacks().map((s) => parse(stackRaw(s), s).dockerNetwork.subnet);
    expect(new Set(subnets).size).toBe(subnets.length);
  });
});

describe("east-west gateway locality", () => {
  it("defaults to the control-plane node's locality, and keeps a valid choice", () => {
    expect(parse(stackRaw("dev"), "dev").clusters.map((c) => c.eastWestGatewayLocality)).toEqual(["east/zone1", "west/zone3"]);
    const raw = stackRaw("dev");
    raw.topology.clusters[0].eastWestGatewayLocality = "east/zone2";
    expect(parse(raw, "dev").clusters[0].eastWestGatewayLocality).toBe("east/zone2");
  });
});

describe("defaults", () => {
  const minimal = () => ({
    topology: { clusters: [{ name: "one", nodes: [{ role: "control-plane", locality: "r1/z1" }] }] },
  });

  it("applies the contract's defaults", () => {
    const spec = parse(minimal(), "lab");
    expect(spec.meshId).toBe("mesh1");
    expect(spec.dockerNetwork).toEqual({ name: "kindmesh-lab", subnet: "172.16.96.0/22", gateway: "172.16.96.1", ipRange: "172.16.96.0/23" });
    expect(spec.clusters[0].kindName).toBe("lab-one");
    const c = spec.clusters[0];
    expect([c.role, c.network, c.eastWestGateway, c.kind]).toEqual(["primary", "network1", "LoadBalancer", "kind"]);
    expect(c.needsEastWestGateway).toBe(false);
    expect(spec.versions.istio).toBe("1.31.1");
    expect(spec.traffic).toEqual({ services: [], clients: [], policies: [], routes: [], meshConfig: {} });
  });

  it("fills service and client defaults", () => {
    const raw: any = minimal();
    raw.traffic = { services: [{ name: "hello", localities: ["r1/z1"] }], clients: [{ locality: "r1/z1" }] };
    const spec = parse(raw);
    expect(spec.traffic.services[0]).toEqual({ name: "hello", namespace: "sample", port: 5000, replicas: 1, localities: ["r1/z1"] });
    expect(spec.traffic.clients[0]).toEqual({ name: "sleep", namespace: "sample", locality: "r1/z1" });
  });

  it("keeps user subnets and allocates around them", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[0].podSubnet = "10.10.0.0/16";
    raw.topology.clusters[0].serviceSubnet = "10.255.20.0/24";
    const spec = parse(raw);
    expect(spec.clusters[0]).toMatchObject({ podSubnet: "10.10.0.0/16", serviceSubnet: "10.255.20.0/24" });
    expect([spec.clusters[1].podSubnet, spec.clusters[1].serviceSubnet]).not.toContain("10.10.0.0/16");
    expect(spec.clusters[1].serviceSubnet).not.toBe("10.255.20.0/24");
  });

  it("an existing cluster gets no subnets, pool or API port of ours", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1] = { name: "prod-west", network: "network-west", kubeconfig: "~/.kube/config", context: "gke_west" };
    raw.traffic.services[0].localities = ["east/zone1", "east/zone2"];
    raw.traffic.policies = [];
    const spec = parse(raw);
    const existing = spec.clusters[1];
    expect(existing).toMatchObject({ kind: "existing", kubeconfig: "~/.kube/config", context: "gke_west", nodes: [] });
    expect([existing.podSubnet, existing.metallbPool, existing.apiServerPort]).toEqual([undefined, undefined, undefined]);
    expect(existing.needsEastWestGateway).toBe(true);
  });

  it("fixed API server ports: stable per stack, distinct per cluster, below the ephemeral range", () => {
    const ports = (stack: string) => parse(stackRaw("dev"), stack).clusters.map((c) => c.apiServerPort as number);
    expect(ports("dev")).toEqual(ports("dev"));
    const [a, b] = ports("dev");
    expect(a).not.toBe(b);
    for (const port of [a, b, ...ports("other"), ...ports("lab")]) {
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThan(32000);
    }
    expect(ports("other")).not.toEqual(ports("dev"));
  });
});

describe("rejected topologies name the path, the value and the fix", () => {
  it("duplicate cluster names", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].name = "east";
    expectProblem(raw, "topology.clusters[1].name", /"east" is already the name of topology.clusters\[0\]/);
  });

  it("a cluster name that is not a DNS label", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].name = "East_1";
    expectProblem(raw, "topology.clusters[0].name", /"East_1" is not a valid cluster name/, /"east-1"/);
  });

  it("a remote whose primary does not exist, with a did-you-mean", () => {
    const raw = stackRaw("primary-remote");
    raw.topology.clusters[1].primary = "mainO";
    expectProblem(raw, "topology.clusters[1].primary", /"mainO" is not a cluster/, /Did you mean "main0"\?/);
  });

  it("a remote whose primary is itself a remote", () => {
    const raw = stackRaw("primary-remote");
    raw.topology.clusters.push({ name: "remote1", role: "remote", primary: "remote0", nodes: [{ role: "control-plane", locality: "region3/zone3" }] });
    expectProblem(raw, "topology.clusters[2].primary", /"remote0" is itself a remote/, /main0/);
  });

  it("a remote without a primary, and a topology without any primary", () => {
    const raw = stackRaw("primary-remote");
    raw.topology.clusters[0].role = "remote";
    raw.topology.clusters[0].primary = "remote0";
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path)).toContain("topology.clusters");
    expect(problems.find((p) => p.path === "topology.clusters")?.message).toMatch(/has no primary/);
  });

  it("a kind cluster without a control-plane node", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].nodes[0].role = "worker";
    expectProblem(raw, "topology.clusters[0].nodes", /needs a node with role "control-plane"/);
  });

  it("a misspelt node role", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].nodes[1].role = "wroker";
    expectProblem(raw, "topology.clusters[0].nodes[1].role", /"wroker" is not allowed/, /Did you mean "worker"\?/);
  });

  it("a locality with four parts", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].nodes[0].locality = "us/west/zone3/a";
    expectProblem(raw, "topology.clusters[1].nodes[0].locality", /has 4 parts/, /silently drops/);
  });

  it("a locality with an empty part", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].nodes[0].locality = "west//zone3";
    expectProblem(raw, "topology.clusters[1].nodes[0].locality", /has an empty part/);
  });

  it("a locality part that is not a label value", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].nodes[0].locality = "west/zone 3";
    expectProblem(raw, "topology.clusters[1].nodes[0].locality", /"zone 3" is not a valid label value/);
  });

  it("nodes together with kubeconfig", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].kubeconfig = "~/.kube/config";
    expectProblem(raw, "topology.clusters[0]", /both "nodes" and "kubeconfig"/);
  });

  it("a cluster with neither nodes nor kubeconfig", () => {
    const raw = stackRaw("dev");
    delete raw.topology.clusters[1].nodes;
    const problems = problemsOf(raw);
    expect(problems.find((p) => p.path === "topology.clusters[1]")?.message).toMatch(/add "nodes" \(a kind cluster\) or "kubeconfig"/);
  });

  it.each([
    ["topology.clustres", (r: any) => (r.topology.clustres = r.topology.clusters), /Did you mean "clusters"\?/],
    ["topology.clusters[0].netwrok", (r: any) => (r.topology.clusters[0].netwrok = "x"), /Did you mean "network"\?/],
    ["topology.clusters[0].nodes[0].localty", (r: any) => (r.topology.clusters[0].nodes[0].localty = "x"), /Did you mean "locality"\?/],
    ["topology.dockerNetwork.subnett", (r: any) => (r.topology.dockerNetwork = { subnett: "x" }), /Did you mean "subnet"\?/],
    ["traffic.servics", (r: any) => (r.traffic.servics = []), /Did you mean "services"\?/],
    ["traffic.clients[0].localit", (r: any) => (r.traffic.clients[0].localit = "x"), /Did you mean "locality"\?/],
    ["versions.istoi", (r: any) => (r.versions = { istoi: "1.31.1" }), /Did you mean "istio"\?/],
  ])("a typo at %s", (path, mutate, pattern) => {
    const raw = stackRaw("dev");
    mutate(raw);
    expectProblem(raw, path, /unknown key/, pattern);
  });

  it("a wrong eastWestGateway value", () => {
    const raw = stackRaw("hybrid-nodeport");
    raw.topology.clusters[0].eastWestGateway = "Nodeport";
    expectProblem(raw, "topology.clusters[0].eastWestGateway", /Did you mean "NodePort"\?/, /"LoadBalancer", "NodePort"/);
  });

  it("an east-west gateway locality that is not one of the cluster's node localities, with a did-you-mean", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].eastWestGatewayLocality = "east/zone3";
    expectProblem(raw, "topology.clusters[0].eastWestGatewayLocality", /"east\/zone3" is not a locality of this cluster's nodes \(east\/zone1, east\/zone2\)/, /Did you mean "east\/zone1"\?/);
  });

  it("an east-west gateway locality on an existing cluster (kindmesh cannot pin its pod)", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1] = { name: "west", network: "network-west", context: "kind-west", eastWestGatewayLocality: "west/zone3" };
    const problems = problemsOf(raw).filter((p) => p.path === "topology.clusters[1].eastWestGatewayLocality");
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/kind clusters only/)]);
  });

  it("a malformed east-west gateway locality says how to write one", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].eastWestGatewayLocality = "east";
    expectProblem(raw, "topology.clusters[0].eastWestGatewayLocality", /needs at least a region and a zone/);
  });

  it("a misspelt top-level key (kindmesh:trafic) is an error, not silently ignored", () => {
    expectProblem({ ...stackRaw("dev"), unknownKeys: ["trafic"] }, "trafic", /unknown stack config key "kindmesh:trafic"\. Did you mean "kindmesh:traffic"\?/, /kindmesh reads: kindmesh:topology, kindmesh:traffic/);
  });

  it("a missing topology", () => {
    expectProblem({}, "topology", /is required/);
  });
});

describe("addresses", () => {
  it("overlapping pod subnets on one network", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[0].podSubnet = "10.10.0.0/16";
    raw.topology.clusters[1].podSubnet = "10.10.128.0/17";
    expectProblem(raw, "topology.clusters[1].podSubnet", /overlaps 10.10.0.0\/16 \(topology.clusters\[0\].podSubnet\)/, /network1/);
  });

  it("the same pod subnet is fine on different networks", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].podSubnet = "10.10.0.0/16";
    raw.topology.clusters[1].podSubnet = "10.10.0.0/16";
    expect(parse(raw).clusters.map((c) => c.podSubnet)).toEqual(["10.10.0.0/16", "10.10.0.0/16"]);
  });

  it("a service subnet inside the Docker network", () => {
    const raw = stackRaw("dev");
    raw.topology.dockerNetwork = { subnet: "172.30.0.0/16" };
    raw.topology.clusters[0].serviceSubnet = "172.30.5.0/24";
    expectProblem(raw, "topology.clusters[0].serviceSubnet", /overlaps the Docker network 172.30.0.0\/16/);
  });

  it("a pod subnet overlapping its own service subnet", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].podSubnet = "10.10.0.0/16";
    raw.topology.clusters[0].serviceSubnet = "10.10.200.0/24";
    expectProblem(raw, "topology.clusters[0].serviceSubnet", /pod and service subnets must not overlap/);
  });

  it("a subnet with host bits set names the network it probably meant", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].podSubnet = "10.10.1.0/16";
    expectProblem(raw, "topology.clusters[0].podSubnet", /has host bits set; the network is "10.10.0.0\/16"/);
  });

  it("a pod subnet too small for the nodes' /24s", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[1].podSubnet = "10.30.0.0/24";
    expectProblem(raw, "topology.clusters[1].podSubnet", /each of the 3 nodes takes a \/24/, /\/22 or larger/);
  });

  it("a Docker subnet too small for the MetalLB pools says how large it must be", () => {
    const raw = stackRaw("dev");
    raw.topology.dockerNetwork = { subnet: "172.30.0.0/26" };
    expectProblem(raw, "topology.dockerNetwork.subnet", /2 clusters need a MetalLB pool \(east, west\)/, /holds 0/, /\/24 or larger/);
  });

  it("a /24 holds three pools", () => {
    const raw = stackRaw("dev");
    raw.topology.dockerNetwork = { subnet: "192.168.50.0/24" };
    const spec = parse(raw);
    const firsts = spec.clusters.map((c) => c.metallbPool?.first);
    expect(new Set(firsts).size).toBe(2);
    for (const first of firsts) expect(["192.168.50.192", "192.168.50.208", "192.168.50.224"]).toContain(first);
  });

  it("NodePort gateways need no pool even on a tiny subnet", () => {
    const raw = stackRaw("hybrid-nodeport");
    raw.topology.dockerNetwork = { subnet: "172.26.0.0/28" };
    expect(parse(raw).clusters.every((c) => c.metallbPool === undefined)).toBe(true);
  });
});

describe("traffic", () => {
  it("a service locality no node has, with a did-you-mean", () => {
    const raw = stackRaw("dev");
    raw.traffic.services[0].localities[2] = "west/zone2";
    expectProblem(raw, "traffic.services[0].localities[2]", /no node has locality "west\/zone2"/, /Did you mean "west\/zone3"\?/);
  });

  it("a client locality no node has", () => {
    const raw = stackRaw("dev");
    raw.traffic.clients[0].locality = "east/zone9";
    expectProblem(raw, "traffic.clients[0].locality", /no node has locality "east\/zone9"/, /The clusters have: east\/zone1, east\/zone2, west\/zone3/);
  });

  it("a policy for an unknown service", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies[0].service = "helloword";
    expectProblem(raw, "traffic.policies[0].service", /"helloword" is not one of traffic.services/, /Did you mean "helloworld"\?/);
  });

  it("two policies for one service", () => {
    const raw = stackRaw("dev");
    raw.traffic.policies.push(structuredClone(raw.traffic.policies[0]));
    expectProblem(raw, "traffic.policies[1]", /policy for "helloworld" is already defined at traffic.policies\[0\]/);
  });

  it("a client named like a service in its namespace", () => {
    const raw = stackRaw("dev");
    raw.traffic.clients[0].name = "helloworld";
    expectProblem(raw, "traffic.clients[0].name", /also a service/);
  });
});

describe("all problems at once", () => {
  it("reports every problem of a badly broken stack in one error, before anything else", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].name = "East";
    raw.topology.dockerNetwork = { subnet: "172.30.0.0/16" };
    raw.topology.clusters[1].podSubnet = "172.30.0.0/20";
    raw.topology.clusters[1].netwrok = "x";
    raw.traffic.clients[0].locality = "nowhere/zone1";
    raw.traffic.policies[0].service = "hello";
    raw.versions = { istio: "1.2" };
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "topology.clusters[0].name",
        "topology.clusters[1].podSubnet",
        "topology.clusters[1].netwrok",
        "traffic.clients[0].locality",
        "traffic.policies[0].service",
        "versions.istio",
      ]),
    );
  });

  it("the error message lists each problem on its own line with its path", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[0].name = "East";
    raw.versions = { istio: "1.20.0" };
    let message = "";
    try {
      parseConfig(raw, { stack: "dev" });
    } catch (err) {
      message = (err as ConfigError).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toBe("The stack configuration has 2 problems; nothing was deployed. Fix them in Pulumi.dev.yaml:");
    expect(lines.slice(1).map((l) => l.split(":")[0])).toEqual(["  - topology.clusters[0].name", "  - versions.istio"]);
    expect(message).toMatch(/1.20.0 is older than kindmesh supports \(1.24.0 or newer\)/);
  });
});

describe("follow-on errors", () => {
  it("while a node's locality is broken, traffic is not matched against the incomplete localities", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].nodes[0].locality = "west//zone3";
    expect(problemsOf(raw).map((p) => p.path)).toEqual(["topology.clusters[1].nodes[0].locality"]);
  });
});

describe("versions", () => {
  it("takes overrides and strips a leading v", () => {
    const raw = stackRaw("dev");
    raw.versions = { istio: "1.30.3", metallb: "v0.15.2" };
    expect(parse(raw).versions).toMatchObject({ istio: "1.30.3", metallb: "0.15.2" });
  });

  it("rejects a version that is not x.y.z", () => {
    const raw = stackRaw("dev");
    raw.versions = { istio: "latest" };
    expectProblem(raw, "versions.istio", /"latest" is not a version like "1.31.1"/);
  });

  it("warns about a node image without a digest", () => {
    const raw = stackRaw("dev");
    raw.versions = { kindNodeImage: "kindest/node:v1.35.8" };
    expect(parse(raw).warnings.map((w) => w.path)).toContain("versions.kindNodeImage");
  });
});

describe("did-you-mean for a locality no node has", () => {
  it("offers the locality it is the start of, not a neighbouring zone", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[0].nodes[0].locality = "region1/zone1/sub-a";
    raw.traffic.services[0].localities[0] = "region1/zone1/sub-a";
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].from = "region1/zone1/*";
    raw.traffic.clients[0].locality = "region1/zone1";
    expectProblem(raw, "traffic.clients[0].locality", /no node has locality "region1\/zone1"/, /Did you mean "region1\/zone1\/sub-a"\?/);
    expect(problemsOf(raw).find((p) => p.path === "traffic.clients[0].locality")?.message).not.toMatch(/region1\/zone2"\?/);
  });

  it("never offers another region for a region that exists", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1].nodes[0].locality = "west/zone-c";
    raw.traffic.services[0].localities[2] = "west/zone-c";
    // "west/zone1" is as far from "east/zone1" as from "west/zone-c", but west is a real region: the offer stays in west.
    raw.traffic.clients[0].locality = "west/zone1";
    expectProblem(raw, "traffic.clients[0].locality", /Did you mean "west\/zone-c"\?/);
  });

  it("a misspelt region gets the closest locality of all", () => {
    const raw = stackRaw("dev");
    raw.traffic.clients[0].locality = "eats/zone1";
    expectProblem(raw, "traffic.clients[0].locality", /Did you mean "east\/zone1"\?/);
  });
});
