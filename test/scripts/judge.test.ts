/**
 * judgeSplit as verify uses it: helloworld answers in, bucketed by locality, judged against a predicted split,
 * on synthetic counts for the failures users report (field guide §9).
 */
import { describe, expect, it } from "vitest";
import { FAILED, judgeSplit } from "../../model/verify/verdict";
import { bucketResponses, observedForJudge, parseResponses, versionIndex } from "../../scripts/lib/responses";

const PLAN = { "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 };
const index = versionIndex(Object.keys(PLAN));

/** The loop's output for these counts per version (plus failures). */
function answers(counts: Record<string, number>): string {
  return Object.entries(counts)
    .flatMap(([v, n]) => Array.from({ length: n }, (_, i) => (v === "timeout" ? "KMREQ 28 curl: (28) Operation timed out [http=000]" : `KMREQ 0 Hello version: ${v}, instance: hw-${i % 3} [http=200]`)))
    .join("\n");
}

function judge(counts: Record<string, number>, predicted: Record<string, number> = PLAN) {
  const records = parseResponses(answers(counts));
  const { counts: observed } = bucketResponses(records, index);
  return judgeSplit(predicted, observedForJudge(observed, predicted), { alpha: 0.001 });
}

describe("the split verdict", () => {
  it("a split within sampling noise passes (300 requests, 70/20/10 predicted)", () => {
    const v = judge({ "region1.zone1": 201, "region1.zone2": 66, "region3.zone4": 33 });
    expect(v.ok).toBe(true);
    expect(v.rows.map((r) => [r.locality, r.observed, r.ok])).toEqual([
      ["region1/zone1", 201, true],
      ["region1/zone2", 66, true],
      ["region3/zone4", 33, true],
    ]);
    expect(v.test).toMatch(/^exact binomial per locality, two-sided, Bonferroni-corrected, alpha=0\.001 \(k=3\); chi-square GOF p=[\d.e-]+ \(df=2\); N=300$/);
  });

  it("the remote 10% that never arrives fails, and only that row", () => {
    const v = judge({ "region1.zone1": 232, "region1.zone2": 68 });
    expect(v.ok).toBe(false);
    expect(v.rows.filter((r) => !r.ok).map((r) => r.locality)).toEqual(["region3/zone4"]);
    expect(v.rows.find((r) => r.locality === "region3/zone4")?.low).toBeGreaterThan(0);
  });

  it("a share that vanished into the client's own zone (a `to` key that matched nothing) fails", () => {
    // Predicted 70/20/10, but the 20% went to zone1: the weighted split "does not work across the mesh".
    const v = judge({ "region1.zone1": 270, "region3.zone4": 30 });
    expect(v.ok).toBe(false);
    expect(v.rows.filter((r) => !r.ok).map((r) => r.locality).sort()).toEqual(["region1/zone1", "region1/zone2"]);
  });

  it("an unexpected locality answering fails, even once", () => {
    const v = judge({ "region1.zone1": 210, "region1.zone2": 60, "region3.zone4": 29, "region2.zone3": 1 });
    expect(v.ok).toBe(false);
    expect(v.rows.find((r) => r.locality === "unknown:region2.zone3")).toMatchObject({ predicted: 0, observed: 1, ok: false });
  });

  it("nothing answered fails: every request timed out", () => {
    const v = judge({ timeout: 300 });
    expect(v.ok).toBe(false);
    expect(v.rows.find((r) => r.locality === FAILED)).toMatchObject({ predicted: 0, observed: 300, ok: false });
  });

  it("nothing answered at all (N = 0) fails", () => {
    const v = judgeSplit(PLAN, {}, { alpha: 0.001 });
    expect(v.ok).toBe(false);
    expect(v.test).toMatch(/no responses observed \(N=0\)/);
  });

  it("a predicted failing fraction is judged as a locality of its own", () => {
    const half = { "region1/zone1": 0.5 };
    expect(judge({ "region1.zone1": 150, timeout: 150 }, half).ok).toBe(true);
    expect(judge({ "region1.zone1": 300 }, half).ok).toBe(false);
  });
});
