import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { acceptanceRange, binomialTails, chiSquareSurvival, FAILED, judgeSplit, logGamma } from "../../../model/verify/verdict";

/** Binomial pmf by a plain loop (no log-gamma), good for small n: independent of the module's method. */
function pmfByLoop(n: number, p: number): number[] {
  const pmf: number[] = [];
  for (let k = 0; k <= n; k++) {
    let c = 1;
    for (let j = 1; j <= k; j++) c = (c * (n - k + j)) / j;
    pmf.push(c * p ** k * (1 - p) ** (n - k));
  }
  return pmf;
}

/** Equal-tailed acceptance bounds by plain summation. */
function boundsByLoop(n: number, p: number, level: number): [number, number] {
  const pmf = pmfByLoop(n, p);
  let lo = 0;
  for (let cum = pmf[0]; cum <= level / 2; cum += pmf[lo]) lo++;
  let hi = n;
  for (let cum = pmf[n]; cum <= level / 2; cum += pmf[hi]) hi--;
  return [lo, hi];
}

const row = (v: ReturnType<typeof judgeSplit>, locality: string) => {
  const r = v.rows.find((x) => x.locality === locality);
  if (!r) throw new Error(`no row ${locality}`);
  return r;
};

describe("judgeSplit", () => {
  const split = { c1: 0.7, c2: 0.2, c3: 0.1 };

  it("passes a 70/20/10 split observed as 205/62/33 of 300", () => {
    const v = judgeSplit(split, { c1: 205, c2: 62, c3: 33 });
    expect(v.ok).toBe(true);
    expect(v.rows.map((r) => [r.locality, r.observed, r.ok])).toEqual([["c1", 205, true], ["c2", 62, true], ["c3", 33, true]]);
    expect(row(v, "c1").share).toBeCloseTo(205 / 300, 12);
    const stat = 25 / 210 + 4 / 60 + 9 / 30; // (O-E)^2/E with E = 210, 60, 30
    expect(v.pValue).toBeCloseTo(Math.exp(-stat / 2), 12); // chi-square with 2 df: survival is exp(-x/2)
    expect(v.test).toBe(
      "exact binomial per locality, two-sided, Bonferroni-corrected, alpha=0.001 (k=3); chi-square GOF p=0.78 (df=2); N=300",
    );
  });

  it("fails when the 10% to c3 never arrives, with exact acceptance bounds on that row", () => {
    const v = judgeSplit(split, { c1: 215, c2: 85 });
    expect(v.ok).toBe(false);
    const [lo, hi] = boundsByLoop(300, 0.1, 0.001 / 3);
    expect(row(v, "c3")).toEqual({ locality: "c3", predicted: 0.1, observed: 0, share: 0, low: lo / 300, high: hi / 300, ok: false });
    expect([lo, hi]).toEqual([13, 50]);
    expect(row(v, "c1").ok).toBe(true);
    expect(v.test).toMatch(/; implausible: c3$/);
  });

  it("fails when a remote locality's whole share vanishes to the local one", () => {
    const v = judgeSplit({ "region1/zone1": 0.8, "region2/zone3": 0.2 }, { "region1/zone1": 1000 });
    expect(v.ok).toBe(false);
    expect(v.rows.map((r) => [r.locality, r.observed, r.share, r.ok])).toEqual([
      ["region1/zone1", 1000, 1, false],
      ["region2/zone3", 0, 0, false],
    ]);
    const stat = 200 ** 2 / 800 + 200 ** 2 / 200; // 250
    expect((v.pValue ?? 1) / chiSquareSurvival(stat, 1)).toBeCloseTo(1, 9);
    expect(v.pValue).toBeLessThan(1e-50);
  });

  it("fails when a locality the model predicts 0 for answers, even once", () => {
    const v = judgeSplit({ a: 0.5, b: 0.5 }, { a: 150, b: 149, c: 1 });
    expect(v.ok).toBe(false);
    expect(row(v, "c")).toEqual({ locality: "c", predicted: 0, observed: 1, share: 1 / 300, low: 0, high: 0, ok: false });
    expect(row(v, "a").ok).toBe(true);
    expect(v.pValue).toBe(0);
    expect(v.test).toContain("(k=2)");
  });

  it("fails with a clear sentence when nothing answered", () => {
    const v = judgeSplit(split, {});
    expect(v.ok).toBe(false);
    expect(v.pValue).toBeUndefined();
    expect(v.test).toMatch(/^no responses observed \(N=0\)/);
    expect(v.rows.map((r) => [r.locality, r.share, r.low, r.high, r.ok])).toEqual([
      ["c1", 0, 0, 1, false],
      ["c2", 0, 0, 1, false],
      ["c3", 0, 0, 1, false],
    ]);
    expect(judgeSplit(split, { c1: 0, c2: 0 }).ok).toBe(false);
  });

  it("accepts exactly all responses for a 100% locality and none for a 0% one", () => {
    const v = judgeSplit({ a: 1, b: 0 }, { a: 500 });
    expect(v.ok).toBe(true);
    expect(v.pValue).toBe(1);
    expect(v.rows).toEqual([
      { locality: "a", predicted: 1, observed: 500, share: 1, low: 1, high: 1, ok: true },
      { locality: "b", predicted: 0, observed: 0, share: 0, low: 0, high: 0, ok: true },
    ]);
    expect(v.test).toContain("alpha=0.001 (k=1)");
    const leak = judgeSplit({ a: 1, b: 0 }, { a: 499, b: 1 });
    expect(leak.rows.map((r) => r.ok)).toEqual([false, false]);
  });

  it("lists the union of localities sorted by name; predicted-0 and unobserved rows pass", () => {
    const v = judgeSplit({ zeta: 0.5, alpha: 0.5, idle: 0 }, { mid: 0, alpha: 50, zeta: 50 });
    expect(v.rows.map((r) => r.locality)).toEqual(["alpha", "idle", "mid", "zeta"]);
    expect(v.rows.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(v.ok).toBe(true);
  });

  it("treats missing predicted mass as the \"(failed)\" category when failures were counted", () => {
    const v = judgeSplit({ a: 0.6, b: 0.3 }, { a: 180, b: 90, [FAILED]: 30 });
    expect(v.ok).toBe(true);
    expect(v.rows.map((r) => r.locality)).toEqual([FAILED, "a", "b"]);
    expect(row(v, FAILED).predicted).toBeCloseTo(0.1, 12);
    expect(v.test).toMatch(/^predicted shares sum to 0.9; the missing 0.1 is predicted for "\(failed\)"; /);
    expect(judgeSplit({ a: 0.6, b: 0.3 }, { a: 180, b: 120, [FAILED]: 0 }).rows[0]?.ok).toBe(false);
  });

  it("renormalises predicted shares that do not sum to 1 and says so", () => {
    const v = judgeSplit({ a: 0.6, b: 0.3 }, { a: 200, b: 100 });
    expect(v.ok).toBe(true);
    expect(row(v, "a").predicted).toBeCloseTo(2 / 3, 12);
    expect(row(v, "b").predicted).toBeCloseTo(1 / 3, 12);
    expect(v.pValue).toBeCloseTo(1, 12);
    expect(v.test).toMatch(/^predicted shares sum to 0.9, renormalised to 1/);
  });

  it("puts the boundary exactly where the binomial quantile says, and alpha moves it", () => {
    const [lo, hi] = boundsByLoop(300, 0.1, 0.001 / 2);
    expect(judgeSplit({ a: 0.9, b: 0.1 }, { a: 300 - lo, b: lo }).ok).toBe(true);
    expect(judgeSplit({ a: 0.9, b: 0.1 }, { a: 301 - lo, b: lo - 1 }).ok).toBe(false);
    expect(judgeSplit({ a: 0.9, b: 0.1 }, { a: 300 - hi, b: hi }).ok).toBe(true);
    expect(judgeSplit({ a: 0.9, b: 0.1 }, { a: 299 - hi, b: hi + 1 }).ok).toBe(false);
    const borderline = { a: 130, b: 170 }; // z about 2.3 for a fair split
    expect(judgeSplit({ a: 0.5, b: 0.5 }, borderline).ok).toBe(true);
    const strict = judgeSplit({ a: 0.5, b: 0.5 }, borderline, { alpha: 0.05 });
    expect(strict.ok).toBe(false);
    expect(strict.test).toContain("alpha=0.05 (k=2)");
  });

  it("has intervals that contain the predicted share and shrink as N grows, up to N = 100000", () => {
    const widths = [300, 3000, 30000, 100000].map((n) => {
      const v = judgeSplit(split, { c1: 0.7 * n, c2: 0.2 * n, c3: 0.1 * n });
      expect(v.ok).toBe(true);
      for (const r of v.rows) expect(r.low < r.predicted && r.predicted < r.high).toBe(true);
      return row(v, "c3").high - row(v, "c3").low;
    });
    expect(widths[0]).toBeCloseTo(37 / 300, 12);
    for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThan(widths[i - 1] ?? 0);
  });

  it("is ok whenever each count is round(N * p) (property)", () => {
    const arb = fc.record({
      weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 }),
      n: fc.integer({ min: 1, max: 20000 }),
    });
    fc.assert(
      fc.property(arb, ({ weights, n }) => {
        const sum = weights.reduce((s, w) => s + w, 0);
        fc.pre(sum > 0);
        const predicted = Object.fromEntries(weights.map((w, i) => [`l${i}`, w / sum]));
        const observed = Object.fromEntries(weights.map((w, i) => [`l${i}`, Math.round((n * w) / sum)]));
        fc.pre(Object.values(observed).some((c) => c > 0));
        return judgeSplit(predicted, observed).ok;
      }),
      { numRuns: 200 },
    );
  });

  it("rejects alpha outside (0, 1) with a RangeError naming it", () => {
    for (const alpha of [0, 1, -0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => judgeSplit(split, { c1: 1 }, { alpha })).toThrow(RangeError);
      expect(() => judgeSplit(split, { c1: 1 }, { alpha })).toThrow(`judgeSplit: opts.alpha = ${alpha} is not allowed`);
    }
  });

  it("rejects bad shares and counts with a RangeError naming the key and value", () => {
    expect(() => judgeSplit({ a: -0.1, b: 1.1 }, { a: 1 })).toThrow('predicted["a"] = -0.1 is not allowed');
    expect(() => judgeSplit({ a: 1.5 }, { a: 1 })).toThrow('predicted["a"] = 1.5 is not allowed; a predicted share');
    expect(() => judgeSplit({ a: 1 }, { a: Number.NaN })).toThrow('observed["a"] = NaN is not allowed');
    expect(() => judgeSplit({ a: 1 }, { b: Number.POSITIVE_INFINITY })).toThrow('observed["b"] = Infinity');
    expect(() => judgeSplit({ a: 1 }, { a: 2.5 })).toThrow('observed["a"] = 2.5 is not allowed; use a whole number');
    expect(() => judgeSplit({ a: 0 }, { a: 3 })).toThrow(RangeError);
    expect(judgeSplit({}, { [FAILED]: 10 }).ok).toBe(true);
  });
});

describe("binomial tails", () => {
  it("P(X <= 0 | n=300, p=0.1) = 0.9^300, about 1.87e-14", () => {
    const { lower, upper } = binomialTails(0, 300, 0.1);
    expect(lower / 0.9 ** 300).toBeCloseTo(1, 9);
    expect(lower).toBeCloseTo(1.8739e-14, 17);
    expect(upper).toBe(1);
    expect(binomialTails(300, 300, 0.1).upper / 1e-300).toBeCloseTo(1, 9);
  });

  it("matches a plain loop for small n, both tails", () => {
    for (const n of [1, 5, 12, 40]) {
      for (const p of [0.03, 0.5, 0.77]) {
        const pmf = pmfByLoop(n, p);
        for (let x = 0; x <= n; x++) {
          const lower = pmf.slice(0, x + 1).reduce((s, v) => s + v, 0);
          const upper = pmf.slice(x).reduce((s, v) => s + v, 0);
          expect(binomialTails(x, n, p).lower).toBeCloseTo(lower, 12);
          expect(binomialTails(x, n, p).upper).toBeCloseTo(upper, 12);
        }
      }
    }
    expect(binomialTails(2, 4, 0.5)).toEqual({ lower: expect.closeTo(11 / 16, 14), upper: expect.closeTo(11 / 16, 14) });
  });

  it("handles degenerate shares and huge n without NaN", () => {
    expect(binomialTails(0, 10, 0)).toEqual({ lower: 1, upper: 1 });
    expect(binomialTails(1, 10, 0)).toEqual({ lower: 1, upper: 0 });
    expect(binomialTails(9, 10, 1)).toEqual({ lower: 0, upper: 1 });
    expect(binomialTails(0, 100000, 0.1).lower).toBe(0); // 0.9^100000 is below the smallest double
    expect(binomialTails(10000, 100000, 0.1).lower).toBeCloseTo(0.5, 2);
    // normal approximation: 10000 +- 3.59 * sqrt(9000) = 9660..10340
    expect(acceptanceRange(100000, 0.1, 0.001 / 3)).toEqual([9661, 10342]);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });
});

describe("chiSquareSurvival", () => {
  it("matches table critical values", () => {
    expect(chiSquareSurvival(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(11.07, 5)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(23.209, 10)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(124.342, 100)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });

  it("equals exp(-x/2) for 2 degrees of freedom, in the body and the far tail", () => {
    for (const x of [0.1, 1, 2.5, 10, 60, 600]) expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
  });
});
