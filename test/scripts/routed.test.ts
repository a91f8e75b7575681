/**
 * verify and drill on the cluster-local stack (fake lab): routed splits are predicted per client and judged like
 * locality splits, and a failing split's diagnosis names the route and subset that decided it.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { VerifyReport } from "../../model/verify/verifyReport";
import { drillPlans, runDrill } from "../../scripts/drill";
import type { SignalSource } from "../../scripts/lib/client";
import { outboundCluster } from "../../scripts/lib/envoy";
import { openLab } from "../../scripts/lib/lab";
import { predictFor } from "../../scripts/lib/prediction";
import { runVerify, splitPlans } from "../../scripts/verify";
import { FakeClient, type FakeOptions } from "./fakes/lab";
import { recordingIo } from "./fakes/io";

const pairs = (r: VerifyReport) => r.splits.map((s) => [s.service, s.client, s.predicted, s.ok]);

async function verify(opts: FakeOptions = {}) {
  const client = new FakeClient("cluster-local", opts);
  const io = recordingIo();
  const code = await runVerify(["cluster-local", "--json", "--requests", "200"], { client, io });
  return { code, report: io.json<VerifyReport>() };
}

describe("verify cluster-local", () => {
  it("each client is measured against its own routed plan: site-a 80/10/10, site-b at home, cache never crosses", async () => {
    const { code, report } = await verify();
    expect(code).toBe(0);
    expect(pairs(report)).toEqual([
      ["helloworld", "sleep-a", { "europe/zone1": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 }, true],
      ["helloworld", "sleep-b", { "asia/zone3": 1 }, true],
      ["cache", "sleep-a", { "europe/zone1": 1 }, true],
      ["cache", "sleep-b", { "asia/zone3": 0.5, "asia/zone4": 0.5 }, true],
    ]);
  });

  it("a plan keyed by locality@cluster is found for each client", async () => {
    const lab = await openLab(new FakeClient("cluster-local"), "cluster-local");
    const plan = lab.outputs.trafficPlan.helloworld;
    const rekeyed = { ...plan, "europe/zone1@site-a": plan["europe/zone1"] };
    delete (rekeyed as Record<string, unknown>)["europe/zone1"];
    lab.outputs.trafficPlan.helloworld = rekeyed;
    const { plans, notes } = splitPlans(lab);
    expect(notes).toEqual([]);
    expect(plans.find((p) => p.service.name === "helloworld" && p.client.name === "sleep-a")?.predicted).toEqual({ "europe/zone1": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 });
  });

  it("when Istio routes differently, the split fails and the diagnosis names the route and subset that decided", async () => {
    // The mesh keeps everything at home (as if the VirtualService were missing its site-b destination).
    const { code, report } = await verify({ actual: (s) => (s["asia/zone3"] === 0.1 ? { "europe/zone1": 1 } : s) });
    expect(code).toBe(1);
    const failed = report.splits.find((s) => s.service === "helloworld" && s.client === "sleep-a");
    expect(failed?.ok).toBe(false);
    const causes = failed?.diagnosis?.causes.join("\n") ?? "";
    expect(causes).toMatch(/The model noted \(route\): VirtualService helloworld http\[0\] "from-site-a" decides/);
    expect(causes).toMatch(/The model noted \(subset\): 20% go to subset "site-b" \(topology.istio.io\/cluster=site-b\)/);
  });
});

describe("the sidecar cluster the diagnosis reads", () => {
  it("a route to one subset: outbound|<port>|<subset>|<host>, with the subset's own load assignment; a split: the plain cluster", async () => {
    const lab = await openLab(new FakeClient("cluster-local"), "cluster-local");
    const [a, b] = lab.outputs.workloads.clients;
    const model = lab.outputs.trafficModel.helloworld;
    const toB = predictFor(model, { ...b, network: "network1" });
    expect(toB.subset).toBe("site-b");
    expect(toB.assignment.map((e) => [e.locality, e.priority, e.endpoints])).toEqual([["asia/zone3", 0, 1], ["asia/zone4", 1, 1]]);
    expect(outboundCluster("helloworld", "sample", 5000, toB.subset)).toBe("outbound|5000|site-b|helloworld.sample.svc.cluster.local");
    expect(predictFor(model, { ...a, network: "network1" }).subset).toBeUndefined();
    expect(outboundCluster("helloworld", "sample", 5000)).toBe("outbound|5000||helloworld.sample.svc.cluster.local");
  });
});

describe("drill cluster-local", () => {
  it("predicts each client's split for the failure through its route, subset and cluster-local setting", async () => {
    const lab = await openLab(new FakeClient("cluster-local"), "cluster-local");
    const targets = [{ service: "helloworld" }, { service: "cache" }] as Parameters<typeof drillPlans>[1];
    const predicted = drillPlans(lab, targets, "europe/zone1").map((p) => [p.service.name, p.client.name, p.predicted]);
    expect(predicted).toEqual([
      ["helloworld", "sleep-a", { "europe/zone2": 0.8, "asia/zone3": 0.1, "asia/zone4": 0.1 }],
      ["helloworld", "sleep-b", { "asia/zone3": 1 }],
      // cluster-local: site-a's only cache backend is gone and the other cluster's never count: every request fails.
      ["cache", "sleep-a", {}],
      ["cache", "sleep-b", { "asia/zone3": 0.5, "asia/zone4": 0.5 }],
    ]);
  });

  it("--fail europe/zone1 end to end: the splits follow the routed model, then the backends come back", async () => {
    const client = new FakeClient("cluster-local");
    const io = recordingIo();
    const deps = { client, io, signals: new EventEmitter() as SignalSource, exit: () => undefined, clock: { now: () => 0, sleep: async () => undefined } };
    const code = await runDrill(["cluster-local", "--fail", "europe/zone1", "--requests", "100", "--json"], deps);
    const report = io.json<VerifyReport>();
    expect(report.splits.map((s) => [s.service, s.client, s.ok])).toEqual([
      ["helloworld", "sleep-a", true],
      ["helloworld", "sleep-b", true],
      ["cache", "sleep-a", true],
      ["cache", "sleep-b", true],
    ]);
    expect(code).toBe(0);
    expect(client.replicas.get("site-a/sample/cache-europe-zone1")).toBe(1);
  });
});
