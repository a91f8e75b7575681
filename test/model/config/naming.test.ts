/**
 * Names and addresses a stack shares with Docker and kind: unique per stack, so stacks (shipped ones, and a
 * user's copy of one) run side by side; never inside Docker's own address pools; never truncated.
 */
import { describe, expect, it } from "vitest";
import { cidrSize, overlaps, parseCidr, type Cidr } from "../../../model/config/addresses";
import { defaultDockerSubnet } from "../../../model/config/addressPlan";
import type { MeshSpec } from "../../../model/types";
import { parse, problemsOf, stackRaw } from "../../helpers/configs";
import { shippedStacks } from "../../helpers/stacks";

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  if ("error" in c) throw new Error(text);
  return c;
};
/** moby libnetwork/ipamutils: the local-scope default address pools bridge networks are carved from. */
const DOCKER_POOLS = [...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`), "192.168.0.0/16"].map(cidr);

/** What two stacks must never share to run side by side on one Docker engine. */
function footprint(spec: MeshSpec) {
  return {
    network: spec.dockerNetwork.name,
    subnet: spec.dockerNetwork.subnet,
    kindClusters: spec.clusters.map((c) => c.kindName),
    containers: spec.clusters.flatMap((c) => c.nodes.map((n) => n.nodeName)),
    apiPorts: spec.clusters.map((c) => c.apiServerPort),
  };
}

function expectDisjoint(a: MeshSpec, b: MeshSpec): void {
  const [x, y] = [footprint(a), footprint(b)];
  expect(x.network).not.toBe(y.network);
  expect(overlaps(cidr(x.subnet), cidr(y.subnet)), `${x.subnet} vs ${y.subnet}`).toBe(false);
  for (const key of ["kindClusters", "containers", "apiPorts"] as const) {
    expect((x[key] as unknown[]).filter((v) => (y[key] as unknown[]).includes(v)), key).toEqual([]);
  }
}

describe("stacks side by side", () => {
  it("two copies of dev with nothing changed but their names share no network, subnet, kind cluster, container or port", () => {
    const mine = parse(stackRaw("dev"), "mine");
    const lab = parse(stackRaw("dev"), "lab");
    expect(footprint(mine)).toMatchObject({
      network: "kindmesh-mine",
      subnet: "172.16.124.0/22",
      kindClusters: ["mine-east", "mine-west"],
      containers: ["mine-east-control-plane", "mine-east-worker", "mine-west-control-plane"],
    });
    expectDisjoint(mine, lab);
    expectDisjoint(mine, parse(stackRaw("dev"), "dev"));
    // Istio's names stay the stack file's: clusterName, remote-secret keys and topology labels do not move.
    expect(mine.clusters.map((c) => c.name)).toEqual(["east", "west"]);
  });

  it("dev and multinet (same cluster names east and west) can be deployed side by side", () => {
    expectDisjoint(parse(stackRaw("dev"), "dev"), parse(stackRaw("multinet"), "multinet"));
  });

  it("every pair of shipped stacks shares nothing Docker or kind would see", () => {
    const specs = shippedStacks().map((s) => parse(stackRaw(s), s));
    specs.forEach((a, i) => specs.slice(i + 1).forEach((b) => expectDisjoint(a, b)));
  });

  it("no shipped stack file pins a network name or subnet a copy would inherit", () => {
    for (const stack of shippedStacks()) expect(stackRaw(stack).topology.dockerNetwork, stack).toBeUndefined();
  });
});

describe("default Docker subnet", () => {
  const names = ["dev", "flat", "multinet", "lab", "mine", "a", "x".repeat(40), "team.lab-2"];

  it.each(names)("%s: a /22 of 172.16.0.0/16, outside Docker's default pools and kindmesh's 10.x allocations", (stack) => {
    const subnet = cidr(defaultDockerSubnet(stack));
    expect(subnet.prefix).toBe(22);
    expect(overlaps(subnet, cidr("172.16.0.0/16")) && cidrSize(subnet) <= 65536).toBe(true);
    for (const pool of DOCKER_POOLS) expect(overlaps(subnet, pool), pool.text).toBe(false);
    expect(overlaps(subnet, cidr("10.0.0.0/8"))).toBe(false);
  });

  it("is the same on every run, and the network, MetalLB pools and node range follow it", () => {
    expect(defaultDockerSubnet("dev")).toBe(defaultDockerSubnet("dev"));
    const spec = parse(stackRaw("dev"), "dev");
    const subnet = cidr(spec.dockerNetwork.subnet);
    expect(spec.dockerNetwork.ipRange).toBe("172.16.212.0/23");
    for (const c of spec.clusters) {
      expect(overlaps(cidr(`${c.metallbPool!.first}/32`), subnet)).toBe(true);
      expect(overlaps(cidr(`${c.metallbPool!.first}/32`), cidr(spec.dockerNetwork.ipRange))).toBe(false);
      for (const s of [c.podSubnet!, c.serviceSubnet!]) expect(overlaps(cidr(s), subnet)).toBe(false);
    }
  });

  it("a lab too big for the default says so and names the key to set", () => {
    const raw = stackRaw("dev");
    raw.topology.clusters = Array.from({ length: 16 }, (_, i) => ({ name: `c${i}`, network: `n${i}`, nodes: [{ role: "control-plane", locality: `r${i}/z1` }] }));
    raw.traffic = undefined;
    const problem = problemsOf(raw, "dev").find((p) => p.path === "topology.dockerNetwork.subnet");
    expect(problem?.message).toMatch(/^172\.16\.212\.0\/22 \(this stack's default\) is too small: 16 clusters need a MetalLB pool/);
    expect(problem?.message).toMatch(/Set topology\.dockerNetwork\.subnet to a \/21 or larger, e\.g\. "10\.0\.0\.0\/16"/);
  });
});

describe("derived names are checked, never truncated", () => {
  it("a node container name over 63 characters names the path, the derived name and how short to go", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[1].name = "c".repeat(45);
    const problems = problemsOf(raw, "flat");
    const at = problems.filter((p) => p.path === "topology.clusters[1].name");
    expect(at).toHaveLength(1);
    // flat- (5) + 45 + -control-plane (14) = 64; the workers' names are shorter.
    expect(problems.some((p) => p.path === "topology.clusters[0].name")).toBe(false);
    expect(at[0].message).toBe(
      `the node container "flat-${"c".repeat(45)}-control-plane" (stack "flat", cluster "${"c".repeat(45)}") has 64 characters; a container hostname holds at most 63, and kindmesh never truncates names. Shorten the cluster name to at most 44 characters, or use a shorter stack name.`,
    );
  });

  it("the limit counts the stack name: the same cluster fits in a shorter stack", () => {
    const raw = stackRaw("flat");
    raw.topology.clusters[1].name = "c".repeat(45);
    expect(parse(raw, "fl").clusters[1].nodes.map((n) => n.nodeName.length)).toEqual([62, 55, 56]);
  });

  it("a stack name kind would refuse is an error before anything is made, with a name that works", () => {
    const problems = problemsOf(stackRaw("dev"), "My_Lab");
    expect(problems.find((p) => p.path === "topology.clusters")?.message).toBe(
      `the stack name "My_Lab" is part of every kind cluster's name (e.g. "My_Lab-east"), and kind accepts only lowercase letters, digits, "-" and "." there. Use a stack named like "my-lab": rename Pulumi.My_Lab.yaml to Pulumi.my-lab.yaml (or \`pulumi stack rename my-lab\` once the stack exists).`,
    );
  });
});

describe("localities of an existing cluster (contract §1 Additions)", () => {
  const withExisting = (extra: Record<string, unknown>) => {
    const raw = stackRaw("dev");
    raw.topology.clusters[1] = { name: "west", network: "network-west", kubeconfig: "/k/config", context: "gke_west", ...extra };
    return raw;
  };

  it("declared localities place backends and clients there", () => {
    const spec = parse(withExisting({ localities: ["west/zone3"] }), "dev");
    expect(spec.clusters[1]).toMatchObject({ kind: "existing", localities: ["west/zone3"], nodes: [] });
    expect(spec.clusters[1].kindName).toBeUndefined();
  });

  it("without them, a service locality only that cluster has is an error that says to declare them", () => {
    const problems = problemsOf(withExisting({}), "dev");
    expect(problems.find((p) => p.path === "traffic.services[0].localities[2]")?.message).toMatch(
      /no node has locality "west\/zone3".*Existing clusters west declare no localities: add topology\.clusters\[\]\.localities to place backends there/,
    );
  });

  it("bad, repeated, or kind-cluster localities are errors at their path", () => {
    const problems = problemsOf(withExisting({ localities: ["west/zone3", "west", "west/zone3"] }), "dev");
    expect(problems.find((p) => p.path === "topology.clusters[1].localities[1]")?.message).toMatch(/needs at least a region and a zone/);
    expect(problems.find((p) => p.path === "topology.clusters[1].localities[2]")?.message).toMatch(/listed twice/);
    const kind = stackRaw("dev");
    kind.topology.clusters[0].localities = ["east/zone1"];
    expect(problemsOf(kind, "dev").find((p) => p.path === "topology.clusters[0].localities")?.message).toMatch(/existing clusters only/);
  });
});
