/**
 * The pure reasoning of the verify report: the overall verdict, and the sentences that explain a failing split
 * from the sidecar's endpoints next to the model's (field guide §9).
 */
import { describe, expect, it } from "vitest";
import { judgeSplit } from "../../../model/verify/verdict";
import { type CheckResult, type ExplainInput, type LocalityEntry, type SplitResult, explainSplit, overallVerdict } from "../../../model/verify/verifyReport";

const e = (locality: string, priority: number, weight: number | null, endpoints = 1, healthy = endpoints): LocalityEntry => ({ locality, priority, weight, endpoints, healthy });
const MODEL = [e("region1/zone1", 0, 70), e("region1/zone2", 0, 20), e("region3/zone4", 0, 10)];

function input(over: Partial<ExplainInput> = {}): ExplainInput {
  return {
    clientLocality: "region1/zone1",
    clientCluster: "cluster1",
    clientNetwork: "network1",
    sidecar: { nodeLocality: "region1/zone1", assignment: MODEL },
    model: MODEL,
    failures: {},
    counters: [],
    placements: {
      "region1/zone1": [{ cluster: "cluster1", network: "network1" }],
      "region1/zone2": [{ cluster: "cluster1", network: "network1" }],
      "region3/zone4": [{ cluster: "cluster2", network: over.clientNetwork === "n-east" ? "n-west" : "network1" }],
    },
    faults: {},
    planDiagnostics: [],
    ...over,
  };
}

describe("explainSplit", () => {
  it("nothing to explain when the sidecar has what the model expects", () => {
    const d = explainSplit(input());
    expect(d.causes).toEqual([]);
    expect(d.rows.every((r) => r.match)).toBe(true);
    expect(d.sidecarLocality).toBe("region1/zone1");
  });

  it("missing remote endpoints on the same network point at discovery (istio#31081)", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: MODEL.slice(0, 2) }, faults: { discovery: ["cluster2"] } }));
    expect(d.rows.find((r) => r.locality === "region3/zone4")).toEqual({ locality: "region3/zone4", model: MODEL[2], match: false });
    expect(d.causes).toEqual([
      "Missing remote endpoints: the sidecar has none in region3/zone4 (cluster cluster2), so its share never arrives. istiod does not see cluster2 as synced (the discovery check): the remote secret's server must be that cluster's control-plane container IP, never 127.0.0.1 (istio#31081).",
    ]);
  });

  it("missing endpoints behind another network's gateway name the unreachable gateway", () => {
    const d = explainSplit(input({ clientNetwork: "n-east", sidecar: { nodeLocality: "region1/zone1", assignment: MODEL.slice(0, 2) }, faults: { gateways: ["cluster2"] } }));
    expect(d.causes[0]).toMatch(/^Missing remote endpoints: .* Unreachable gateway: the east-west gateway of cluster2 has no address or does not answer \(the east-west gateways check\): MetalLB missing/);
  });

  it("missing endpoints with no failed check list the usual suspects", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: MODEL.slice(0, 2) } }));
    expect(d.causes[0]).toMatch(/Likely: istiod does not read that cluster \(remote secret server 127\.0\.0\.1, istio#31081\), the cross-network gateway is missing/);
  });

  it("local backends missing are not blamed on the network", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: [MODEL[0], MODEL[2]] } }));
    expect(d.causes).toEqual([expect.stringMatching(/^Missing endpoints: the backends of region1\/zone2 run in the client's own cluster \(cluster1\) but the sidecar has none/)]);
  });

  it("a client without locality is named from its node's labels, not from the sidecar's Envoy node locality", () => {
    const d = explainSplit(input({ clientNodeLocality: "", sidecar: { nodeLocality: "region1/zone1", assignment: MODEL } }));
    expect(d.causes).toEqual([expect.stringMatching(/^Client without locality: the client pod's node has no topology\.kubernetes\.io\/region and zone labels/)]);
  });

  it("an empty Envoy node locality alone is no fault (kind: istiod never sets it)", () => {
    expect(explainSplit(input({ clientNodeLocality: "region1/zone1", sidecar: { nodeLocality: "", assignment: MODEL } })).causes).toEqual([]);
    expect(explainSplit(input({ sidecar: { nodeLocality: "", assignment: MODEL } })).causes).toEqual([]);
  });

  it("a client whose node is labelled elsewhere than the plan says", () => {
    const d = explainSplit(input({ clientNodeLocality: "region1/zone2", sidecar: { nodeLocality: "", assignment: MODEL } }));
    expect(d.causes).toEqual([expect.stringMatching(/^Client in the wrong place: the plan puts it in region1\/zone1, but its node's labels say region1\/zone2/)]);
  });

  it("an empty locality (every endpoint unhealthy) is named", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: [MODEL[0], e("region1/zone2", 0, 20, 2, 0), MODEL[2]] } }));
    expect(d.causes).toEqual(["Empty locality: region1/zone2 has 2 endpoint(s) in the sidecar, none healthy: the backends are not ready, or outlier detection ejected them."]);
  });

  it("different weights or priorities point at the DestinationRule and its keys", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: [e("region1/zone1", 0, 90), e("region1/zone2", 0, 10), e("region3/zone4", 1, null)] } }));
    expect(d.causes).toHaveLength(3);
    expect(d.causes[0]).toMatch(/^istiod programmed region1\/zone1 at priority 0, weight 90; the model expects priority 0, weight 70\. The DestinationRule istiod reads differs/);
    expect(d.causes[2]).toMatch(/us\/west\/zone3\/\* read as region us, zone west/);
  });

  it("a weight Envoy leaves out of its dump is no difference", () => {
    const d = explainSplit(input({ sidecar: { nodeLocality: "region1/zone1", assignment: MODEL.map((x) => ({ ...x, weight: null })) } }));
    expect(d.causes).toEqual([]);
    expect(d.rows.every((r) => r.match)).toBe(true);
  });

  it("programmed but never reached: the path to the other cluster", () => {
    const verdict = judgeSplit({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 }, { "region1/zone1": 232, "region1/zone2": 68 });
    const d = explainSplit(input({ verdict, counters: [{ counter: "hosts.cx_connect_fail", before: 0, after: 30, delta: 30 }] }));
    expect(d.causes).toEqual([
      "region3/zone4 is programmed with healthy endpoints, yet no request arrived there: connections to it fail; check pod routes to the other cluster (the pod routes check) and unique pod CIDRs.",
      "Envoy counted 30 hosts.cx_connect_fail during the run: some paths fail and retries hide it.",
    ]);
  });

  it("unexpected localities, failures and the model's own warnings are listed", () => {
    const verdict = judgeSplit({ "region1/zone1": 1 }, { "region1/zone1": 90, "region9/zone9": 10 });
    const d = explainSplit(
      input({ verdict, failures: { "curl exit 28 (timed out)": 3 }, planDiagnostics: [{ code: "unmatched-to-key", message: 'to key "us/west/zone3/*" matches no endpoint' }] }),
    );
    expect(d.causes).toEqual([
      "Unexpected locality: region9/zone9 answered 10 requests that the model sends nowhere near it; a backend outside the plan, or a policy that is not the stack's.",
      "Failed requests: 3 × curl exit 28 (timed out).",
      'The model noted (unmatched-to-key): to key "us/west/zone3/*" matches no endpoint',
    ]);
  });

  it("an unreadable sidecar is said so, and rows are not claimed to match", () => {
    const d = explainSplit(input({ sidecar: undefined, sidecarUnreadable: "container istio-proxy not found" }));
    expect(d.causes).toEqual(["The client's sidecar endpoints could not be read (container istio-proxy not found), so only the counts are compared."]);
    expect(d.rows.every((r) => !r.match && r.sidecar === undefined)).toBe(true);
    expect(d.sidecarLocality).toBeUndefined();
  });
});

describe("overallVerdict", () => {
  const check = (id: CheckResult["id"], ok: boolean, skipped?: string): CheckResult => ({ id, title: id, ok, details: [], problems: [], ...(skipped ? { skipped } : {}) });
  const split = (ok: boolean) => ({ service: "hw", clientLocality: "r/z", ok }) as SplitResult;

  it("passes only when every check and split holds, and says what failed", () => {
    expect(overallVerdict("verify", "dev", [check("discovery", true), check("podRoutes", true, "n/a")], [split(true)])).toEqual({
      ok: true,
      verdict: "verify dev: PASS (1/1 checks, 1/1 splits hold)",
    });
    expect(overallVerdict("verify", "dev", [check("discovery", false)], [split(false)])).toEqual({
      ok: false,
      verdict: "verify dev: FAIL (0/1 checks, 0/1 splits hold; failed: discovery, split hw from r/z)",
    });
    expect(overallVerdict("drill", "dev", [], [split(true)], ["restore"]).verdict).toBe("drill dev: FAIL (1/1 splits hold; failed: restore)");
    expect(overallVerdict("verify", "dev", [], []).ok).toBe(false);
  });
});
