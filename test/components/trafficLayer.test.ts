import { describe, expect, it } from "vitest";
import type { Recorded } from "../helpers/mocks";
import { runProgram, type ProgramRun } from "../helpers/program";

const DR = "kubernetes:networking.istio.io/v1:DestinationRule";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The cluster a Kubernetes object lives in: the name of its provider (`<cluster>-k8s`). */
const clusterOf = (r: Recorded) => /::(\w[\w-]*)-k8s::/.exec(r.provider)?.[1];
const urn = (run: ProgramRun, type: string, name: string) => {
  const hit = run.resources.find((r) => r.type === type && r.name === name);
  if (!hit) throw new Error(`no ${type} ${name}`);
  return hit.urn;
};

describe("the traffic layer in each topology", () => {
  it("dev (multi-primary): a DestinationRule in every primary; a Service everywhere; the client only in east", async () => {
    const run = await runProgram("dev");
    expect(run.resources.filter((r) => r.type === DR).map(clusterOf).sort()).toEqual(["east", "west"]);
    const helloServices = run.resources.filter((r) => r.type === SERVICE && r.inputs.metadata?.name === "helloworld");
    expect(helloServices.map(clusterOf).sort()).toEqual(["east", "west"]);
    const clients = run.resources.filter((r) => r.type === DEPLOYMENT && r.inputs.metadata?.name === "sleep");
    expect(clients.map(clusterOf)).toEqual(["east"]);
  });

  it("primary-remote: the DestinationRule only in main0, whose istiod reads configuration; backends in both", async () => {
    const run = await runProgram("primary-remote");
    expect(run.resources.filter((r) => r.type === DR).map(clusterOf)).toEqual(["main0"]);
    const backends = run.resources.filter((r) => r.type === DEPLOYMENT && r.inputs.metadata?.name.startsWith("helloworld-"));
    expect(backends.map((b) => [b.inputs.metadata.name, clusterOf(b)]).sort()).toEqual([
      ["helloworld-region1-zone1", "main0"],
      ["helloworld-region2-zone2", "remote0"],
    ]);
  });

  it("a DestinationRule waits for istiod in its cluster and for its namespace", async () => {
    const run = await runProgram("flat");
    for (const cluster of ["cluster1", "cluster2"]) {
      const dr = run.resources.find((r) => r.type === DR && clusterOf(r) === cluster)!;
      expect(dr.dependencies).toContain(urn(run, RELEASE, `${cluster}-istiod-1-31-1`));
      expect(dr.dependencies).toContain(urn(run, "kubernetes:core/v1:Namespace", `${cluster}-workloads-ns-sample`));
    }
  });

  it("cluster-local: a VirtualService in every primary, next to its DestinationRules, waiting for istiod and the namespace", async () => {
    const run = await runProgram("cluster-local");
    const vss = run.resources.filter((r) => r.type === "kubernetes:networking.istio.io/v1:VirtualService");
    expect(vss.map((v) => [clusterOf(v), v.inputs.metadata.name]).sort()).toEqual([["site-a", "helloworld"], ["site-b", "helloworld"]]);
    expect(run.resources.filter((r) => r.type === DR).map((d) => `${clusterOf(d)}/${d.inputs.metadata.name}`).sort()).toEqual(["site-a/cache", "site-a/helloworld", "site-b/cache", "site-b/helloworld"]);
    for (const vs of vss) {
      const cluster = clusterOf(vs);
      expect(vs.dependencies).toContain(urn(run, RELEASE, `${cluster}-istiod-1-31-1`));
      expect(vs.dependencies).toContain(urn(run, "kubernetes:core/v1:Namespace", `${cluster}-workloads-ns-sample`));
      expect(vs.dependencies).toContain(urn(run, DR, `${cluster}-policies-dr-helloworld`));
    }
  });

  it("pods wait until injection works: a remote's backends wait for its primary to hold the remote's secret", async () => {
    const run = await runProgram("primary-remote");
    const remoteBackend = run.resources.find((r) => r.type === DEPLOYMENT && r.inputs.metadata?.name === "helloworld-region2-zone2")!;
    expect(remoteBackend.dependencies).toContain(urn(run, RELEASE, "remote0-istiod-1-31-1"));
    expect(remoteBackend.dependencies).toContain(urn(run, "kubernetes:core/v1:Secret", "remote0-in-main0"));
    const localBackend = run.resources.find((r) => r.type === DEPLOYMENT && r.inputs.metadata?.name === "helloworld-region1-zone1")!;
    expect(localBackend.dependencies).toContain(urn(run, RELEASE, "main0-istiod-1-31-1"));
  });

  it("namespaces wait for their revision's istiod: relabelled earlier, a pod restarted in between would get no sidecar", async () => {
    const run = await runProgram("dev");
    const ns = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "west-workloads-ns-sample")!;
    expect(ns.inputs.metadata.labels).toEqual({ "istio.io/rev": "1-31-1" });
    expect(ns.dependencies).toContain(urn(run, RELEASE, "west-istiod-1-31-1"));
    const svc = run.resources.find((r) => r.type === SERVICE && r.name === "west-workloads-svc-sample-helloworld")!;
    expect(svc.dependencies).toEqual([ns.urn]);
  });
});
