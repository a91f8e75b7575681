/**
 * The verify command end to end against a fake lab: exit codes, the JSON report's shape, the human table,
 * and what each broken lab says.
 */
import { describe, expect, it } from "vitest";
import { FAILED } from "../../model/verify/verdict";
import type { VerifyReport } from "../../model/verify/verifyReport";
import { runVerify } from "../../scripts/verify";
import { FakeClient, type FakeOptions } from "./fakes/lab";
import { recordingIo } from "./fakes/io";

async function verify(stack: string, opts: FakeOptions = {}, extra: string[] = []) {
  const client = new FakeClient(stack, opts);
  const io = recordingIo();
  const code = await runVerify([stack, "--json", "--requests", "300", ...extra], { client, io });
  return { code, client, io, report: io.json<VerifyReport>() };
}

const dropRemote = (s: Record<string, number>) => {
  const { "region3/zone4": _gone, ...rest } = s;
  const sum = Object.values(rest).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v / sum]));
};

describe("verify on a healthy lab", () => {
  it("flat: every check holds, the 70/20/10 split is observed, exit 0", async () => {
    const { code, report, client } = await verify("flat");
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.verdict).toMatch(/^verify flat: PASS/);
    expect(report.checks.map((c) => [c.id, c.ok, c.skipped ?? null])).toEqual([
      ["discovery", true, null],
      ["gateways", true, "one network and no remote clusters: no east-west gateway needed"],
      ["podRoutes", true, null],
      ["sharedRoot", true, null],
      ["proxyVersions", true, null],
    ]);
    const split = report.splits[0];
    expect(split).toMatchObject({ service: "helloworld", client: "sleep", clientLocality: "region1/zone1", cluster: "cluster1", requests: 300, ok: true });
    expect(split.observed).toEqual({ "region1/zone1": 210, "region1/zone2": 60, "region3/zone4": 30 });
    expect(split.verdict?.rows.map((r) => [r.locality, r.predicted])).toEqual([
      ["region1/zone1", 0.7],
      ["region1/zone2", 0.2],
      ["region3/zone4", 0.1],
    ]);
    expect(split.instances).toEqual({ "region1/zone1": 2, "region1/zone2": 2, "region3/zone4": 2 });
    expect(client.closed).toBe(true);
  });

  it("asks each client 300 requests in batches of 50, each a fresh curl, and reads the counters around them", async () => {
    const { client } = await verify("flat");
    const execs = client.calls.filter((c) => c.startsWith("exec cluster1 sample/sleep-1"));
    expect(execs.filter((c) => c.includes(" sh -c "))).toHaveLength(6);
    expect(execs.filter((c) => c.includes(":istio-proxy pilot-agent request GET stats?filter="))).toHaveLength(2);
  });

  it("pod routes are probed from every node of each cluster, uninjected, with the pinned curl image", async () => {
    const { client } = await verify("flat");
    const probes = client.calls.filter((c) => c.startsWith("probe "));
    expect(probes.sort()).toEqual([
      "probe cluster1 flat-cluster1-control-plane docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
      "probe cluster1 flat-cluster1-worker docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
      "probe cluster2 flat-cluster2-control-plane docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
      "probe cluster2 flat-cluster2-worker docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
      "probe cluster2 flat-cluster2-worker2 docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
    ]);
  });

  it("dev: gateways are probed across networks; the failover policy keeps everything in east/zone1", async () => {
    const { code, report } = await verify("dev");
    expect(code).toBe(0);
    expect(report.checks.find((c) => c.id === "gateways")?.details).toContain("east reaches west's gateway at 172.30.255.201:15443");
    expect(report.checks.find((c) => c.id === "podRoutes")?.skipped).toMatch(/no two clusters share a network/);
    expect(report.splits[0].observed).toEqual({ "east/zone1": 300 });
  });

  it("primary-remote: the remote is discovered, reaches istiod through the gateway, and needs no cacerts", async () => {
    const { code, report, client } = await verify("primary-remote");
    expect(code).toBe(0);
    expect(report.checks.find((c) => c.id === "discovery")?.details).toEqual(["istiod in main0 sees remote0 (synced, from istio-system/istio-remote-secret-remote0)"]);
    expect(report.checks.find((c) => c.id === "gateways")?.details).toContain("remote0 reaches main0's gateway at 172.30.255.200:15012");
    expect(report.checks.find((c) => c.id === "sharedRoot")?.details).toContain("remote0: no cacerts, as expected on a remote (it runs no istiod; the primary's istiod signs its workloads)");
    expect(client.calls.filter((c) => c.startsWith("exec remote0"))).toEqual([]);
  });

  it("prints a table per client with bars and a one-line verdict without --json", async () => {
    const client = new FakeClient("flat");
    const io = recordingIo();
    expect(await runVerify(["flat", "--requests", "100"], { client, io })).toBe(0);
    const text = io.text();
    expect(text).toMatch(/✓ helloworld from sleep @ region1\/zone1 \(cluster cluster1, pod sleep-1\), 100 requests/);
    expect(text).toMatch(/region1\/zone1 +70\.0% +70\.0% +70 +\[\d+\.\d%, \d+\.\d%\] +ok +█+┃?·*/);
    expect(text).toContain("envoy counters during the run: upstream_cx_connect_fail +0, upstream_rq_retry +0, upstream_rq_timeout +0, hosts.cx_connect_fail +0");
    expect(text.trim().split("\n").at(-1)).toBe("verify flat: PASS (4/4 checks, 1/1 splits hold)");
  });
});

describe("verify on a broken lab", () => {
  it("the remote 10% never arrives: the split fails, with the sidecar's endpoints and a cause", async () => {
    const { code, report } = await verify("flat", { actual: dropRemote, sidecarDrops: ["region3/zone4"], clusterz: (_p, o) => (o === "cluster2" ? "timeout" : "synced") });
    expect(code).toBe(1);
    const split = report.splits[0];
    expect(split.ok).toBe(false);
    expect(split.verdict?.rows.find((r) => r.locality === "region3/zone4")).toMatchObject({ predicted: 0.1, observed: 0, ok: false });
    const d = split.diagnosis;
    expect(d?.rows.find((r) => r.locality === "region3/zone4")).toMatchObject({ model: { endpoints: 1 }, match: false });
    expect(d?.rows.find((r) => r.locality === "region3/zone4")?.sidecar).toBeUndefined();
    expect(d?.causes.join("\n")).toMatch(/Missing remote endpoints: the sidecar has none in region3\/zone4 \(cluster cluster2\).*istiod does not see cluster2 as synced.*127\.0\.0\.1 \(istio#31081\)/);
    expect(report.checks.find((c) => c.id === "discovery")?.problems[0]).toMatch(/istiod in cluster1 reports cluster2 as timeout: .*never 127\.0\.0\.1/);
    expect(report.verdict).toMatch(/^verify flat: FAIL .*failed: discovery, split helloworld from region1\/zone1/);
  });

  it("a client whose node lost its topology labels is diagnosed from the node, not from Envoy's empty node locality", async () => {
    const { report } = await verify("flat", { actual: dropRemote, sidecarDrops: ["region3/zone4"], unlabelledNodes: ["flat-cluster1-control-plane"] });
    const causes = report.splits[0].diagnosis?.causes.join("\n") ?? "";
    expect(causes).toMatch(/^Client without locality: the client pod's node has no topology\.kubernetes\.io\/region and zone labels/m);
  });

  it("an empty Envoy node locality (as on kind) with a labelled node is not called a client without locality", async () => {
    const { report } = await verify("flat", { actual: dropRemote, sidecarDrops: ["region3/zone4"], nodeLocality: "" });
    expect(report.splits[0].diagnosis?.causes.join("\n")).not.toMatch(/Client without locality/);
  });

  it("a missing remote secret is named", async () => {
    const { report } = await verify("flat", { clusterz: (p) => (p === "cluster2" ? undefined : "synced") });
    expect(report.checks[0].problems).toEqual([expect.stringMatching(/^istiod in cluster2 does not know cluster cluster1: no Secret istio-remote-secret-cluster1/)]);
  });

  it("an unreachable east-west gateway fails the gateways check and names the fix", async () => {
    const { code, report } = await verify("dev", { reachable: (from, _n, _h, port) => !(from === "east" && port === 15443) });
    expect(code).toBe(1);
    const gw = report.checks.find((c) => c.id === "gateways");
    expect(gw?.ok).toBe(false);
    expect(gw?.problems[0]).toMatch(/^east cannot reach west's east-west gateway at 172\.30\.255\.201:15443 \(timed out\).*MetalLB pool/);
    expect(gw?.faultyClusters).toEqual(["west"]);
  });

  it("a broken pod route names the node, the pod and the cluster", async () => {
    const { report } = await verify("flat", { reachable: (from, node) => !(from === "cluster1" && node === "flat-cluster1-worker") });
    const routes = report.checks.find((c) => c.id === "podRoutes");
    expect(routes?.ok).toBe(false);
    expect(routes?.problems.every((p) => p.startsWith("flat-cluster1-worker (cluster1) cannot reach"))).toBe(true);
    expect(routes?.problems.join("\n")).toMatch(/pod CIDRs that overlap between cluster1 and cluster2/);
  });

  it("different roots and a self-signed istiod root fail the shared-root check", async () => {
    const certs = (c: string) => (c === "cluster2" ? { root: "other-root", ca: "other-inter", distributed: "inter-b" } : { root: "root", ca: "inter-a", distributed: "root" });
    const { report } = await verify("flat", { certs });
    const root = report.checks.find((c) => c.id === "sharedRoot");
    expect(root?.ok).toBe(false);
    expect(root?.problems.join("\n")).toMatch(/root-cert\.pem differs between clusters/);
    expect(root?.problems.join("\n")).toMatch(/cluster2: istiod distributes a different root .*kubectl rollout restart deployment\/istiod/);
  });

  it("a client pod that is not running is a clear message, not a stack trace", async () => {
    const { code, report } = await verify("flat", { clientPhase: "Pending" });
    expect(code).toBe(1);
    expect(report.splits[0].error).toBe(
      "client sleep (region1/zone1) in cluster cluster1 is not running: no running, ready pod matches app=sleep in namespace sample (sleep-1: Pending, not ready); see kubectl describe pod -n sample -l app=sleep",
    );
  });

  it("retries during the run are reported (they hide broken paths)", async () => {
    const { report } = await verify("flat", { retriesPerRead: 5 });
    expect(report.splits[0].counters.find((c) => c.counter === "upstream_rq_retry")).toEqual({ counter: "upstream_rq_retry", before: 4, after: 9, delta: 5 });
    expect(report.splits[0].warnings).toContain("upstream_rq_retry rose by 5 during the run: some requests needed retries or failed to connect");
  });

  it("says how to expose the retry counter when the sidecar filters it", async () => {
    const { report } = await verify("flat", { statsExposed: false });
    expect(report.splits[0].counters.map((c) => c.counter)).toEqual(["hosts.cx_connect_fail", "hosts.rq_error", "hosts.rq_timeout"]);
    expect(report.splits[0].warnings.join()).toMatch(/proxyStatsMatcher\.inclusionPrefixes \[cluster\.outbound\]/);
  });

  it("503s count as failed requests and fail a split that predicts none", async () => {
    const { report } = await verify("flat", { actual: (s) => ({ ...s, "region1/zone1": 0.6 }) });
    const split = report.splits[0];
    expect(split.observed[FAILED]).toBe(30);
    expect(split.failures).toEqual({ "HTTP 503: no healthy upstream": 30 });
    expect(split.ok).toBe(false);
  });
});

describe("verify: proxy versions", () => {
  it("reports each proxy's version and revision", async () => {
    const { report } = await verify("primary-remote");
    const check = report.checks.find((c) => c.id === "proxyVersions")!;
    expect(check.ok).toBe(true);
    expect(check.details).toContain("main0 sample/sleep-1: Istio 1.31.1, revision 1-31-1");
    expect(check.details.some((d) => d.startsWith("remote0 sample/helloworld-"))).toBe(true);
    expect(check.details.every((d) => d.endsWith("Istio 1.31.1, revision 1-31-1"))).toBe(true);
  });

  it("flags a mesh left on two revisions, and each proxy not on the stack's version, with what to run", async () => {
    const { code, report } = await verify("flat", { istioVersion: (cluster, pod) => (cluster === "cluster2" && pod !== "istiod-1" ? "1.31.0" : "1.31.1") });
    expect(code).toBe(1);
    const check = report.checks.find((c) => c.id === "proxyVersions")!;
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatch(/^the mesh is left on 2 revisions: 1-31-1 \(\d+: istiod cluster1\/istiod-1, .*\); 1-31-0 \(\d+: cluster2\/sample\/helloworld-region3-zone4-0.*\)\. An upgrade did not finish: run npm run up -- flat again/);
    expect(check.problems).toContain("cluster2 sample/helloworld-region3-zone4-0 runs Istio 1.31.0, the stack deploys 1.31.1: restart it (kubectl rollout restart) or run npm run up -- flat");
    expect(check.faultyClusters).toEqual(["cluster2"]);
  });

  it("reads the version from the image tag, with a variant or a digest", async () => {
    const { proxyVersionOf } = await import("../../scripts/lib/versionChecks");
    expect(proxyVersionOf("docker.io/istio/proxyv2:1.31.1")).toBe("1.31.1");
    expect(proxyVersionOf("registry:5000/istio/proxyv2:1.31.0-distroless@sha256:" + "a".repeat(64))).toBe("1.31.0");
    expect(proxyVersionOf("proxyv2")).toBeUndefined();
  });
});
