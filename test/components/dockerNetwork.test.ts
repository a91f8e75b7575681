import { afterEach, describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { DockerNetwork } from "../../components/dockerNetwork";
import { bridgeMtuCommand, networkOptions } from "../../model/build/dockerProbes";
import { planMesh } from "../../model/build/plan";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, resolve, underMocks, urnOf } from "../helpers/components";
import { fakeDockerHost, runScript } from "../helpers/fakes/clusters";
import { shippedStacks } from "../helpers/stacks";

const NETWORK = "docker:index/network:Network";
const SPEC = { name: "kindmesh-dev", subnet: "172.16.212.0/22", gateway: "172.16.212.1", ipRange: "172.16.212.0/23" };

describe("DockerNetwork", () => {
  afterEach(() => fakeDockerHost.setBridgeMtu("1500"));

  it("is a bridge with the planned subnet, gateway and node range, and the default bridge's MTU, like the network kind makes", async () => {
    const run = await underMocks(() => new DockerNetwork("net", { spec: SPEC }));
    const net = named(run.resources, NETWORK, "net");
    expect(net.inputs).toEqual({
      name: "kindmesh-dev",
      driver: "bridge",
      ipamConfigs: [{ subnet: "172.16.212.0/22", gateway: "172.16.212.1", ipRange: "172.16.212.0/23" }],
      // No masquerade option: it is the driver's default, and the provider would read it back differently.
      options: { "com.docker.network.driver.mtu": "1500" },
    });
    expect(run.mocks.invokes.map((i) => [i.token, i.inputs.command])).toEqual([["command:local:run", bridgeMtuCommand()]]);
    expect(net.parent).toBe(urnOf(run.resources, "kindmesh:clusters:DockerNetwork", "net"));
    // Two networks cannot share a subnet: a replacement removes the old one first.
    expect(net.deleteBeforeReplace).toBe(true);
    expect(await resolve(run.value.network.name)).toBe("kindmesh-dev");
  });

  it("behind a VPN or on a cloud VM (a bridge MTU below 1500) the network gets that MTU; no MTU on the bridge, no option", async () => {
    fakeDockerHost.setBridgeMtu("1450");
    const vpn = await underMocks(() => new DockerNetwork("net", { spec: SPEC }));
    expect(named(vpn.resources, NETWORK, "net").inputs.options).toEqual({ "com.docker.network.driver.mtu": "1450" });
    fakeDockerHost.setBridgeMtu("");
    const none = await underMocks(() => new DockerNetwork("net", { spec: SPEC }));
    expect(named(none.resources, NETWORK, "net").inputs.options).toEqual({});
    expect([networkOptions("0\n"), networkOptions("<no value>\n"), networkOptions(" 9000 \n")]).toEqual([{}, {}, { "com.docker.network.driver.mtu": "9000" }]);
  });

  it("the MTU read is kind's `docker network inspect bridge`; a Docker that does not answer is a message, not an empty MTU", () => {
    const ok = runScript(bridgeMtuCommand(), { stubs: { docker: "echo 1400" } });
    expect(ok.calls).toEqual([`docker network inspect bridge -f {{ index .Options "com.docker.network.driver.mtu" }}`]);
    expect([ok.status, ok.stdout]).toEqual([0, "1400\n"]);
    const down = runScript(bridgeMtuCommand(), { stubs: { docker: "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1" } });
    expect(down.status).toBe(1);
    expect(down.stdout).toBe("");
    expect(down.stderr).toBe(
      "kindmesh: cannot read the MTU of Docker's default bridge network: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.. Is Docker running, and is DOCKER_HOST (or the docker context) the engine this stack uses?\n",
    );
  });

  it.each(shippedStacks())("%s: one network per stack, named and addressed from its config, before every cluster", async (stack) => {
    const spec = parse(stackRaw(stack), stack);
    const run = await underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { stack });
    const nets = byType(run.resources, NETWORK);
    expect(nets).toHaveLength(1);
    expect(nets[0].inputs.name).toBe(`kindmesh-${stack}`);
    expect(nets[0].inputs.ipamConfigs).toEqual([{ subnet: spec.dockerNetwork.subnet, gateway: spec.dockerNetwork.gateway, ipRange: spec.dockerNetwork.ipRange }]);
    // Node containers get addresses from the lower half; every MetalLB pool is in the top quarter.
    expect(spec.dockerNetwork.ipRange).toBe(spec.dockerNetwork.subnet.replace(/\/22$/, "/23"));
    expect(run.value.network).toBeDefined();
    // Every cluster is created after it, so destroy removes it after every cluster.
    for (const c of spec.clusters) expect(named(run.resources, "command:local:Command", `${c.name}-kind-cluster`).dependencies).toContain(nets[0].urn);
  });

  it("the default name is kindmesh-<stack>", async () => {
    const spec = parse(stackRaw("dev"), "lab");
    const run = await underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { stack: "lab" });
    expect(named(run.resources, NETWORK, "docker-network").inputs.name).toBe("kindmesh-lab");
    expect(named(run.resources, "command:local:Command", "east-kind-cluster").inputs.environment).toEqual({ KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-lab" });
  });
});
