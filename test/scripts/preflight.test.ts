/**
 * scripts/lib/preflight.ts: what the wrapper refuses before `up` (subnet overlaps) and `refresh` (a kind
 * cluster that does not answer). The engine's side is tested for real in test/docker/wrapper.test.ts.
 */
import { describe, expect, it } from "vitest";
import { kubectlProblems, ownedNetworks, parseNetworkInspect, refreshCheck, subnetOverlaps, type ControlPlaneProbe } from "../../scripts/lib/preflight";
import { parse, stackRaw } from "../helpers/configs";

describe("subnet overlaps", () => {
  it("reads IPv4 subnets from docker network inspect, skipping IPv6 ones and networks without IPAM config", () => {
    const json = JSON.stringify([
      { Name: "bridge", IPAM: { Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }, { Subnet: "fd00::/64" }] } },
      { Name: "host", IPAM: { Config: [] } },
      { Name: "none", IPAM: { Config: null } },
    ]);
    expect(parseNetworkInspect(json)).toEqual([
      { name: "bridge", subnets: ["172.17.0.0/16"] },
      { name: "host", subnets: [] },
      { name: "none", subnets: [] },
    ]);
  });

  it("names every overlapping network (wider or narrower), never the stack's own, and says how to fix it", () => {
    const mine = { name: "kindmesh-lab", subnet: "10.40.0.0/16" };
    const engine = [
      { name: "kindmesh-lab", subnets: ["10.40.0.0/16"] },
      { name: "vpn", subnets: ["10.0.0.0/8"] },
      { name: "small", subnets: ["10.40.9.0/24"] },
      { name: "beside", subnets: ["10.41.0.0/16"] },
    ];
    const problems = subnetOverlaps("lab", mine, engine);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      `the stack's Docker subnet 10.40.0.0/16 (network kindmesh-lab) overlaps the Docker network "vpn" (10.0.0.0/8) on this engine. Set topology.dockerNetwork.subnet in Pulumi.lab.yaml to a free range, or remove that network if nothing uses it (docker network rm vpn).`,
    );
    expect(problems[1]).toMatch(/overlaps the Docker network "small" \(10\.40\.9\.0\/24\)/);
  });
});

describe("networks the stack already owns", () => {
  it("are the Docker networks in its state (pulumi stack export); none without state", () => {
    const exported = JSON.stringify({
      deployment: {
        resources: [
          { type: "pulumi:pulumi:Stack", outputs: {} },
          { type: "docker:index/network:Network", outputs: { name: "kindmesh-lab" } },
          { type: "command:local:Command", outputs: { name: "not-a-network" } },
        ],
      },
    });
    expect(ownedNetworks(exported)).toEqual(["kindmesh-lab"]);
    expect(ownedNetworks("")).toEqual([]);
    expect(subnetOverlaps("lab", { name: "renamed", subnet: "10.40.0.0/16" }, [{ name: "kindmesh-lab", subnets: ["10.40.0.0/16"] }], ownedNetworks(exported))).toEqual([]);
  });
});

describe("kubectl for up", () => {
  const existing = (localities: string[]) => {
    const spec = parse(stackRaw("dev"), "dev");
    return { ...spec, clusters: [...spec.clusters, { ...spec.clusters[0], name: "prod-eu", kind: "existing" as const, nodes: [], localities }] };
  };

  it("is needed only for existing clusters (kind clusters run it inside their control plane)", () => {
    expect(kubectlProblems(parse(stackRaw("dev"), "dev"), false)).toEqual([]);
    expect(kubectlProblems(existing(["eu/zone1"]), true)).toEqual([]);
    const expected = [
      "kubectl is not installed, and up runs it on this machine for the existing cluster prod-eu (Istio's rollout, declared localities): install kubectl 1.35 (https://kubernetes.io/docs/tasks/tools/)",
    ];
    expect(kubectlProblems(existing([]), false)).toEqual(expected);
    expect(kubectlProblems(existing(["eu/zone1"]), false)).toEqual(expected);
  });
});

describe("refresh check", () => {
  const spec = parse(stackRaw("flat"), "flat");
  const controlPlanes = spec.clusters.map((c) => c.nodes.find((n) => n.role === "control-plane")?.nodeName ?? "");
  const which = (i: number) => `cluster ${spec.clusters[i].name} (kind cluster ${spec.clusters[i].kindName})`;

  it("nothing to say when every kind cluster's API server answers; each control plane is asked once", () => {
    const asked: string[] = [];
    expect(refreshCheck(spec, (cp) => (asked.push(cp), { state: "running", ready: true, detail: "" }))).toEqual({ problems: [], notes: [] });
    expect(asked).toEqual(controlPlanes);
  });

  it("a cluster that is down (stopped, starting, or Docker cannot say) stops the refresh, with the fix", () => {
    const probes: Record<string, ControlPlaneProbe> = {
      [controlPlanes[0]]: { state: "stopped", ready: false, detail: "" },
      [controlPlanes[1]]: { state: "running", ready: false, detail: "connection refused" },
    };
    expect(refreshCheck(spec, (cp) => probes[cp])).toEqual({
      problems: [
        `${which(0)}: its control-plane container ${controlPlanes[0]} is stopped. Start the cluster's containers (docker start ${controlPlanes[0]} and its workers), then try again.`,
        `${which(1)}: the API server in ${controlPlanes[1]} does not answer yet (connection refused). Wait a minute after a restart and try again.`,
      ],
      notes: [],
    });
    expect(refreshCheck(spec, () => ({ state: "unknown", ready: false, detail: "permission denied" })).problems[0]).toBe(
      `${which(0)}: Docker cannot say whether ${controlPlanes[0]} runs (permission denied).`,
    );
  });

  it("a cluster that is gone (its containers deleted) is only a note: dropping its objects is right, up recreates it", () => {
    const r = refreshCheck(spec, (cp) => (cp === controlPlanes[0] ? { state: "missing", ready: false, detail: "No such object" } : { state: "running", ready: true, detail: "" }));
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([`${which(0)} no longer exists (no container ${controlPlanes[0]}): the refresh drops what was in it from the state, and npm run up creates it again.`]);
  });
});
