import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { DockerNetwork } from "../../components/dockerNetwork";
import { planMesh } from "../../model/build/plan";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, resolve, underMocks, urnOf } from "../helpers/components";

const NETWORK = "docker:index/network:Network";

describe("DockerNetwork", () => {
  it("is a bridge with the planned subnet and gateway and IP masquerade, like the network kind makes", async () => {
    const run = await underMocks(() => new DockerNetwork("net", { spec: { name: "kindmesh-dev", subnet: "172.30.0.0/16", gateway: "172.30.0.1", ipRange: "172.30.0.0/17" } }));
    const net = named(run.resources, NETWORK, "net");
    expect(net.inputs).toEqual({
      name: "kindmesh-dev",
      driver: "bridge",
      ipamConfigs: [{ subnet: "172.30.0.0/16", gateway: "172.30.0.1", ipRange: "172.30.0.0/17" }],
      options: { "com.docker.network.bridge.enable_ip_masquerade": "true" },
    });
    expect(net.parent).toBe(urnOf(run.resources, "kindmesh:clusters:DockerNetwork", "net"));
    // Two networks cannot share a subnet: a replacement removes the old one first.
    expect(net.deleteBeforeReplace).toBe(true);
    expect(await resolve(run.value.network.name)).toBe("kindmesh-dev");
  });

  it.each(["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "primary-remote"])("%s: one network per stack, named and addressed from its config", async (stack) => {
    const spec = parse(stackRaw(stack), stack);
    const run = await underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { stack });
    const nets = byType(run.resources, NETWORK);
    expect(nets).toHaveLength(1);
    expect(nets[0].inputs.name).toBe(`kindmesh-${stack}`);
    expect(nets[0].inputs.ipamConfigs).toEqual([{ subnet: spec.dockerNetwork.subnet, gateway: spec.dockerNetwork.gateway, ipRange: spec.dockerNetwork.ipRange }]);
    // Node containers get addresses from the lower half; every MetalLB pool is in the top quarter.
    expect(spec.dockerNetwork.ipRange).toBe(spec.dockerNetwork.subnet.replace(/\/16$/, "/17"));
    expect(run.value.network).toBeDefined();
    // Every cluster is created after it, so destroy removes it after every cluster.
    for (const c of spec.clusters) expect(named(run.resources, "command:local:Command", `${c.name}-kind-cluster`).dependencies).toContain(nets[0].urn);
  });

  it("the default name is kindmesh-<stack>", async () => {
    const raw = stackRaw("dev");
    delete raw.topology.dockerNetwork.name;
    const spec = parse(raw, "lab");
    const run = await underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { stack: "lab" });
    expect(named(run.resources, NETWORK, "docker-network").inputs.name).toBe("kindmesh-lab");
    expect(named(run.resources, "command:local:Command", "east-kind-cluster").inputs.environment).toEqual({ KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-lab" });
  });
});
