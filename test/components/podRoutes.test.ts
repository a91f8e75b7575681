import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { bridgeMtuCommand } from "../../model/build/dockerProbes";
import { parseNodes, readNodesScript, routeCommands } from "../../model/build/nodeScript";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, resolve, underMocks, urnOf } from "../helpers/components";
import { fakeNodesOf, runScript } from "../helpers/fakes/clusters";

const COMMAND = "command:local:Command";
const ROUTES = "kindmesh:clusters:PodRoutes";
const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);
const layer = (spec: MeshSpec, opts: { preview?: boolean; deploymentId?: string } = {}) =>
  underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: opts.deploymentId ?? "deploy-1" }), { preview: opts.preview, stack: spec.stack });

describe("PodRoutes between clusters on one network", () => {
  it("flat: every node of cluster1 gets a route to every pod CIDR of cluster2, through the node that owns it (exact)", async () => {
    const run = await layer(specOf("flat"));
    const cmd = named(run.resources, COMMAND, "cluster1-to-cluster2-routes");
    // Fake Docker hands out 172.16.204.2-3 to cluster1's nodes and .4-.6 to cluster2's; the node IPAM gives each
    // node a /24 of cluster2's pod subnet 10.252.0.0/16.
    const script = [
      "set -eu",
      "docker exec flat-cluster1-control-plane ip route replace 10.252.0.0/24 via 172.16.204.4",
      "docker exec flat-cluster1-control-plane ip route replace 10.252.1.0/24 via 172.16.204.5",
      "docker exec flat-cluster1-control-plane ip route replace 10.252.2.0/24 via 172.16.204.6",
      "docker exec flat-cluster1-worker ip route replace 10.252.0.0/24 via 172.16.204.4",
      "docker exec flat-cluster1-worker ip route replace 10.252.1.0/24 via 172.16.204.5",
      "docker exec flat-cluster1-worker ip route replace 10.252.2.0/24 via 172.16.204.6",
    ].join("\n");
    expect(cmd.inputs.create).toBe(script);
    expect(cmd.inputs.update).toBe(script);
    expect(cmd.inputs.delete).toBe(script.split("\n").slice(1).map((l) => `${l.replace("route replace", "route del")} 2>/dev/null || true`).join("\n"));
  });

  it("flat: and back, from the three nodes of cluster2 to cluster1's two pod CIDRs", async () => {
    const run = await layer(specOf("flat"));
    const back = named(run.resources, COMMAND, "cluster2-to-cluster1-routes").inputs.create.split("\n").slice(1);
    const expected = routeCommands(
      ["flat-cluster2-control-plane", "flat-cluster2-worker", "flat-cluster2-worker2"],
      fakeNodesOf("flat-cluster1").map((n) => ({ name: n.name, podCIDR: n.podCIDR, internalIP: n.ip })),
    );
    expect(back).toEqual(expected);
    expect(back).toHaveLength(6);
    expect(back[0]).toBe("docker exec flat-cluster2-control-plane ip route replace 10.35.0.0/24 via 172.16.204.2");
  });

  it("reads the other cluster's nodes live, inside its control plane, after it exists", async () => {
    const run = await layer(specOf("flat"));
    const reads = run.mocks.invokes.filter((i) => i.inputs.command.includes("get nodes"));
    expect(reads.map((r) => r.inputs.command).sort()).toEqual([readNodesScript("cluster1", "flat-cluster1-control-plane", 2), readNodesScript("cluster2", "flat-cluster2-control-plane", 3)]);
    const routes = run.resources.find((r) => r.type === ROUTES && r.name === "cluster1-to-cluster2");
    expect(routes?.parent).toBe(urnOf(run.resources, "kindmesh:clusters:KindCluster", "cluster1"));
  });

  it("runs after both clusters exist, and is deleted with the cluster whose nodes hold the routes", async () => {
    const run = await layer(specOf("flat"));
    const cmd = named(run.resources, COMMAND, "cluster1-to-cluster2-routes");
    expect(cmd.dependencies).toEqual(expect.arrayContaining([urnOf(run.resources, COMMAND, "cluster1-kind-cluster"), urnOf(run.resources, COMMAND, "cluster2-kind-cluster")]));
    expect(cmd.deletedWith).toBe(urnOf(run.resources, COMMAND, "cluster1-kind-cluster"));
    expect(cmd.inputs.triggers).toBeUndefined();
    const [c1, c2] = run.value.clusters;
    expect(c1.ready.map((r) => (r as { constructor: { name: string } }).constructor.name)).toContain("PodRoutes");
    expect(c2.ready.map((r) => (r as { constructor: { name: string } }).constructor.name)).toContain("PodRoutes");
  });

  it("is re-applied on every deployment: only KINDMESH_DEPLOYMENT differs, an update, never a replacement", async () => {
    const a = named((await layer(specOf("flat"), { deploymentId: "2026-11-22T01:00:00Z" })).resources, COMMAND, "cluster1-to-cluster2-routes");
    const b = named((await layer(specOf("flat"), { deploymentId: "2026-11-22T02:00:00Z" })).resources, COMMAND, "cluster1-to-cluster2-routes");
    expect(a.inputs.environment).toEqual({ KINDMESH_DEPLOYMENT: "2026-11-22T01:00:00Z" });
    expect(b.inputs.environment).toEqual({ KINDMESH_DEPLOYMENT: "2026-11-22T02:00:00Z" });
    expect({ ...b.inputs, environment: undefined }).toEqual({ ...a.inputs, environment: undefined });
    expect(b.deleteBeforeReplace).toBe(false);
  });

  it("primary-remote: main0 and remote0 share network1, so they get routes both ways", async () => {
    const run = await layer(specOf("primary-remote"));
    expect(byType(run.resources, ROUTES).map((r) => r.name)).toEqual(["main0-to-remote0", "remote0-to-main0"]);
    expect(named(run.resources, COMMAND, "main0-to-remote0-routes").inputs.create).toBe(
      "set -eu\ndocker exec primary-remote-main0-control-plane ip route replace 10.30.0.0/24 via 172.16.36.3",
    );
  });

  it.each(["dev", "multinet", "hybrid-nodeport"])("%s: clusters on different networks get no routes at all", async (stack) => {
    const run = await layer(specOf(stack));
    expect(byType(run.resources, ROUTES)).toEqual([]);
    expect(byType(run.resources, COMMAND).filter((c) => c.name.endsWith("-routes"))).toEqual([]);
    expect(run.mocks.invokes.filter((i) => i.inputs.command.includes("get nodes"))).toEqual([]);
  });

  it("preview of a new stack: the routes are unknown, no command runs but the bridge MTU read", async () => {
    const run = await layer(specOf("flat"), { preview: true });
    const cmd = named(run.resources, COMMAND, "cluster1-to-cluster2-routes");
    expect(cmd.inputs.create).toEqual({ __pulumiUnknown: true });
    expect(run.mocks.invokes.map((i) => i.inputs.command)).toEqual([bridgeMtuCommand()]);
    expect(await resolve(run.value.clusters[0].apiServer, 200)).toBeUndefined();
  });
});

describe("reading the live nodes", () => {
  const line = (name: string, cidr: string, ip: string) => `${name} ${cidr} ${ip}`;

  it("waits until every node has a pod CIDR, then prints them", () => {
    // First call: the second node has no podCIDR yet (kubectl prints an empty field); second call: complete.
    const docker = [
      'n=$(cat "$STUB_DIR/n" 2>/dev/null || echo 0); echo $((n+1)) > "$STUB_DIR/n"',
      `if [ "$n" = 0 ]; then printf '%s\\n' '${line("c2-control-plane", "10.20.0.0/24", "172.29.0.4")}' 'c2-worker  172.29.0.5'; else printf '%s\\n' '${line("c2-control-plane", "10.20.0.0/24", "172.29.0.4")}' '${line("c2-worker", "10.20.1.0/24", "172.29.0.5")}'; fi`,
    ].join("\n");
    const res = runScript(readNodesScript("c2", "c2-control-plane", 2), { stubs: { docker } });
    expect(res.status).toBe(0);
    expect(res.calls).toHaveLength(2);
    expect(res.calls[0]).toBe(
      `docker exec c2-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf get nodes -o jsonpath={range .items[*]}{.metadata.name}{" "}{.spec.podCIDR}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}`,
    );
    expect(parseNodes(res.stdout, "c2")).toEqual([
      { name: "c2-control-plane", podCIDR: "10.20.0.0/24", internalIP: "172.29.0.4" },
      { name: "c2-worker", podCIDR: "10.20.1.0/24", internalIP: "172.29.0.5" },
    ]);
  });

  it("refuses what it cannot read, saying which line", () => {
    expect(() => parseNodes("c2-worker 10.20.1.0/24\n", "c2")).toThrow(/cannot read a node of c2 from "c2-worker 10.20.1.0\/24"/);
    expect(() => parseNodes("c2-worker 10.20.1.0/24 fd00::5 172.29.0.5\n", "c2")).toThrow(/cannot read a node of c2/);
    expect(() => parseNodes("\n", "c2")).toThrow(/no nodes for c2/);
  });
});
