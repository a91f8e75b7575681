import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildClusterLayer } from "../../components/clusterLayer";
import { ExistingCluster } from "../../components/existingCluster";
import { expandHome, isLoopbackServer, selectContext } from "../../model/build/kubeconfigFile";
import { planMesh } from "../../model/build/plan";
import { parse, stackRaw, type Raw } from "../helpers/configs";
import { byType, named, resolve, underMocks } from "../helpers/components";

const HOME = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-home-"));
const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "current-context: staging",
  "clusters:",
  "  - name: prod-eu",
  "    cluster: { server: 'https://prod-eu.example.com:443', certificate-authority: certs/prod-ca.crt }",
  "  - name: staging",
  "    cluster: { server: 'https://10.0.0.10:6443', certificate-authority-data: U1RBR0lORw== }",
  "contexts:",
  "  - name: prod",
  "    context: { cluster: prod-eu, user: prod-admin, namespace: default }",
  "  - name: staging",
  "    context: { cluster: staging, user: staging-admin }",
  "users:",
  "  - name: prod-admin",
  "    user: { token: prod-token }",
  "  - name: staging-admin",
  "    user: { token: staging-token }",
  "",
].join("\n");
fs.mkdirSync(path.join(HOME, ".kube"), { recursive: true });
fs.writeFileSync(path.join(HOME, ".kube", "config"), KUBECONFIG);
fs.writeFileSync(path.join(HOME, "fleet.yaml"), KUBECONFIG);

/** flat with cluster2 replaced by an existing cluster (its localities are then cluster1's only). */
function hybridRaw(cluster2: Record<string, unknown>, network = "network1"): Raw {
  const raw = stackRaw("flat");
  raw.topology.clusters[1] = { name: "cluster2", network, ...cluster2 };
  raw.traffic.services[0].localities = ["region1/zone1", "region1/zone2"];
  raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to = { "region1/zone1/*": 80, "region1/zone2/*": 20 };
  return raw;
}
const layerOf = (raw: Raw, stack = "flat") => {
  const spec = parse(raw, stack);
  return underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d", homeDir: HOME }), { stack });
};

describe("ExistingCluster", () => {
  it("gets a provider from the kubeconfig path and context, never deleting what it cannot reach", async () => {
    const run = await layerOf(hybridRaw({ kubeconfig: "~/fleet.yaml", context: "prod" }));
    expect(named(run.resources, "pulumi:providers:kubernetes", "cluster2-k8s").inputs).toEqual({
      kubeconfig: path.join(HOME, "fleet.yaml"),
      context: "prod",
      clusterIdentifier: "kindmesh-flat-cluster2",
      deleteUnreachable: "false",
    });
  });

  it("hands over the context's API server and a secret kubeconfig holding that context only", async () => {
    const run = await layerOf(hybridRaw({ kubeconfig: "~/fleet.yaml", context: "prod" }));
    const handle = run.value.clusters[1];
    expect(handle.name).toBe("cluster2");
    expect(await resolve(handle.apiServer)).toBe("https://prod-eu.example.com:443");
    expect(await pulumi.isSecret(handle.kubeconfig)).toBe(true);
    const kc = parseYaml((await resolve(handle.kubeconfig)) as string);
    expect(kc["current-context"]).toBe("prod");
    expect(kc.contexts).toEqual([{ name: "prod", context: { cluster: "prod-eu", user: "prod-admin", namespace: "default" } }]);
    expect(kc.users).toEqual([{ name: "prod-admin", user: { token: "prod-token" } }]);
    // kubectl resolves relative paths against the file; the reduced copy carries them absolute.
    expect(kc.clusters[0].cluster["certificate-authority"]).toBe(path.join(HOME, "certs/prod-ca.crt"));
    expect(JSON.stringify(kc)).not.toContain("staging-token");
  });

  it("has no lifetime and nothing to wait for: no kind, no localities, no routes, no MetalLB", async () => {
    const run = await layerOf(hybridRaw({ kubeconfig: "~/fleet.yaml", context: "prod" }, "network2"));
    const handle = run.value.clusters[1];
    expect(handle.lifetime).toBeUndefined();
    expect(handle.ready).toEqual([]);
    const names = run.resources.map((r) => r.name);
    expect(names.filter((n) => n.startsWith("cluster2"))).toEqual(["cluster2", "cluster2-k8s"]);
    expect(byType(run.resources, "kindmesh:clusters:PodRoutes")).toEqual([]);
    // Two networks now: cluster1 (kind) gets MetalLB for its gateway, cluster2's LoadBalancer is its cloud's.
    expect(byType(run.resources, "kubernetes:helm.sh/v3:Release").map((r) => r.name)).toEqual(["cluster1-metallb"]);
    expect(run.value.network).toBeDefined();
  });

  it("without a kubeconfig it reads ~/.kube/config, and without a context that file's current-context", async () => {
    const run = await layerOf(hybridRaw({ context: "staging" }));
    expect(named(run.resources, "pulumi:providers:kubernetes", "cluster2-k8s").inputs).toMatchObject({ kubeconfig: path.join(HOME, ".kube", "config"), context: "staging" });
    const spec = parse(hybridRaw({ kubeconfig: path.join(HOME, "fleet.yaml") }), "flat");
    const only = await underMocks(() => new ExistingCluster("cluster2", { spec: spec.clusters[1], stack: "flat", homeDir: HOME }));
    expect(await resolve(only.value.apiServer)).toBe("https://10.0.0.10:6443");
    expect(named(only.resources, "pulumi:providers:kubernetes", "cluster2-k8s").inputs.context).toBe("staging");
  });

  it("a stack of existing clusters only creates no Docker network", async () => {
    const raw = hybridRaw({ kubeconfig: "~/fleet.yaml", context: "prod" });
    raw.topology.clusters[0] = { name: "cluster1", network: "network1", kubeconfig: "~/fleet.yaml", context: "staging" };
    raw.traffic = undefined;
    const run = await layerOf(raw);
    expect(run.value.network).toBeUndefined();
    expect(byType(run.resources, "docker:index/network:Network")).toEqual([]);
    expect(byType(run.resources, "command:local:Command")).toEqual([]);
    expect(run.value.clusters.map((c) => c.name)).toEqual(["cluster1", "cluster2"]);
  });

  it("an unreadable kubeconfig is an error naming the file and the config path", async () => {
    const spec = parse(hybridRaw({ kubeconfig: "~/nope.yaml", context: "prod" }), "flat");
    expect(() => new ExistingCluster("cluster2", { spec: spec.clusters[1], stack: "flat", homeDir: HOME })).toThrow(
      new RegExp(`cluster "cluster2" \\(topology.clusters\\[1\\]\\): cannot read the kubeconfig ${path.join(HOME, "nope.yaml")}.*Set topology.clusters\\[1\\].kubeconfig`),
    );
  });

  it("an unknown context is an error listing the ones there are", () => {
    expect(() => selectContext(KUBECONFIG, "/k/config", "dev")).toThrow('/k/config has no context "dev"; it has: prod, staging.');
    expect(() => selectContext("apiVersion: v1\nkind: Config\n", "/k/empty")).toThrow(/\/k\/empty has no current-context/);
    expect(() => selectContext("{{", "/k/bad")).toThrow(/\/k\/bad is not a kubeconfig/);
    expect(() => selectContext("contexts: [{name: a, context: {cluster: x}}]\ncurrent-context: a\n", "/k/x")).toThrow(/names cluster "x", which has no server/);
  });

  it("~ means the home directory; other paths stay as written", () => {
    expect(expandHome("~/a/b", "/home/u")).toBe("/home/u/a/b");
    expect(expandHome("~", "/home/u")).toBe("/home/u");
    expect(expandHome("~bob/x", "/home/u")).toBe("~bob/x");
    expect(expandHome("/etc/kc", "/home/u")).toBe("/etc/kc");
  });

  it("knows a server only this machine can reach (istio#31081)", () => {
    expect(isLoopbackServer("https://127.0.0.1:6443")).toBe(true);
    expect(isLoopbackServer("https://localhost:6443")).toBe(true);
    expect(isLoopbackServer("https://[::1]:6443")).toBe(true);
    expect(isLoopbackServer("https://10.0.0.10:6443")).toBe(false);
    expect(isLoopbackServer("https://prod-eu.example.com")).toBe(false);
  });
});
