/**
 * An existing cluster in a stack, under mocks: its declared localities are checked against its live nodes
 * before anything is installed, demo workloads land there, its gateway waits for its cloud's address, and a
 * loopback kubeconfig stops the program with the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { CLOUD_LB_TIMEOUT_SECONDS } from "../components/eastWestGateway";
import { nodeLabelsCommand } from "../model/build/nodeLabels";
import { clusterOf } from "./helpers/clusterHandles";
import { resolve } from "./helpers/components";
import { fakeDockerHost } from "./helpers/fakes/clusters";
import { resource, runProgram, runProgramExpectingError } from "./helpers/program";
import { stackConfig } from "./helpers/stacks";

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-existing-"));
const kubeconfig = (server: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "current-context: gke_west",
    "clusters: [{ name: gke, cluster: { server: '" + server + "', certificate-authority-data: Q0E= } }]",
    "contexts: [{ name: gke_west, context: { cluster: gke, user: gke } }]",
    "users: [{ name: gke, user: { token: t0k3n } }]",
    "",
  ].join("\n");
const FILE = path.join(DIR, "gke.yaml");
const LOOPBACK = path.join(DIR, "loopback.yaml");
fs.writeFileSync(FILE, kubeconfig("https://34.73.1.2"));
fs.writeFileSync(LOOPBACK, kubeconfig("https://127.0.0.1:6443"));

/** dev, with west an existing (cloud) cluster that declares its nodes' locality. */
function devWithExistingWest(file = FILE, localities: string[] = ["west/zone3"]) {
  const topology = structuredClone(stackConfig("dev")["kindmesh:topology"]) as { clusters: Record<string, unknown>[] };
  topology.clusters[1] = { name: "west", network: "network-west", kubeconfig: file, context: "gke_west", localities };
  return { "kindmesh:topology": topology };
}

beforeEach(() => fakeDockerHost.reset());

describe("an existing cluster that declares localities", () => {
  it("is checked with the stack's kubeconfig and context, then gets its demo backends; its gateway waits for its cloud's address", async () => {
    fakeDockerHost.setExistingNodes("gke_west", [{ name: "gke-west-a", region: "west", zone: "zone3" }]);
    const run = await runProgram("dev", { config: devWithExistingWest() });
    expect(run.mocks.invokes.map((i) => i.inputs.command)).toContain(nodeLabelsCommand("west", FILE, "gke_west"));
    const deployments = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.inputs.metadata?.name === "helloworld-west-zone3");
    expect(deployments.map((d) => clusterOf(d, run.resources))).toEqual(["west"]);
    // The gateway: no MetalLB there; Helm does not wait, a patch of the Service waits for the cloud's address.
    expect(run.resources.some((r) => r.type === "kindmesh:clusters:MetalLB" && r.name === "west-metallb")).toBe(false);
    const release = resource(run, "kubernetes:helm.sh/v3:Release", "west-eastwest-gateway");
    expect(release.inputs.skipAwait).toBe(true);
    const wait = resource(run, "kubernetes:core/v1:ServicePatch", "west-eastwest-address");
    expect(wait.inputs.metadata).toEqual({
      name: "istio-eastwestgateway",
      namespace: "istio-system",
      annotations: { "kindmesh.io/address-from": "cloud-load-balancer", "pulumi.com/timeoutSeconds": String(CLOUD_LB_TIMEOUT_SECONDS) },
    });
    expect(wait.dependencies).toContain(release.urn);
    expect(clusterOf(wait, run.resources)).toBe("west");
    expect((run.outputs.addressPlan as Record<string, { eastWestGatewayAddressFrom: string }>).west.eastWestGatewayAddressFrom).toBe("cloud-load-balancer");
    const west = (run.outputs.clusters as Record<string, { eastWestGatewayAddress: pulumi.Output<string> }>).west;
    expect(await resolve(west.eastWestGatewayAddress)).toMatch(/^172\.\d+\.\d+\.\d+$/);
    // kind's gateway keeps Helm's wait and MetalLB.
    expect(resource(run, "kubernetes:helm.sh/v3:Release", "east-eastwest-gateway").inputs.skipAwait).toBe(false);
  });

  it("nodes without the declared locality stop the program before any resource, listing what the nodes have", async () => {
    fakeDockerHost.setExistingNodes("gke_west", [{ name: "gke-west-a", region: "west", zone: "zone4" }, { name: "gke-west-b" }]);
    const { error, resources } = await runProgramExpectingError("dev", { config: devWithExistingWest() });
    expect(error.message).toBe(
      "Checked the machine before deploying; nothing was deployed:\n" +
        '  - cluster "west" (topology.clusters[1].localities): no node is in west/zone3; the nodes have: gke-west-a west/zone4, gke-west-b (no region/zone labels). List the localities the nodes have, or label nodes with topology.kubernetes.io/region, topology.kubernetes.io/zone (and topology.istio.io/subzone).',
    );
    expect(resources).toEqual([]);
  });
});

describe("a kubeconfig whose server is loopback", () => {
  it("is an error with the fix (istio#31081), reported with the other kubeconfig problems before any resource", async () => {
    const { error, resources } = await runProgramExpectingError("dev", { config: devWithExistingWest(LOOPBACK) });
    expect(error.message).toBe(
      "The stack configuration has 1 problem; nothing was deployed. Fix it in Pulumi.dev.yaml:\n" +
        `  - topology.clusters[1].kubeconfig: cluster "west" (topology.clusters[1]): context "gke_west" in ${LOOPBACK} reaches its API server at https://127.0.0.1:6443, an address of this machine only; istiod in the other clusters cannot use it (istio#31081). Use a kubeconfig whose server the other clusters can reach (the cluster's routable address or DNS name).`,
    );
    expect(resources).toEqual([]);
  });
});
