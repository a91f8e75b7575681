/**
 * The statistics behind the verify command: is an observed per-locality split of responses consistent with the
 * split the model predicts?
 *
 * Method. Let N be the total number of responses counted. Under the prediction, the count of locality i is
 * X_i ~ Binomial(N, p_i). Each locality gets an exact two-sided binomial test with equal tails: the count x is
 * plausible when P(X <= x) > a/2 and P(X >= x) > a/2. Its acceptance interval [lo, hi] is therefore a pair of
 * exact binomial quantiles, and `low`/`high` are lo/N and hi/N. The significance is Bonferroni-corrected:
 * a = alpha / k, where k counts the localities whose prediction is uncertain (0 < p < 1). A degenerate
 * prediction has no sampling noise and uses no share of alpha: p = 0 accepts only 0 responses, p = 1 only N.
 * Bonferroni (not Holm) so that every row has one fixed interval a table can print.
 *
 * An overall chi-square goodness-of-fit p-value (df = localities with p > 0, minus 1) is reported as `pValue`
 * for context; it does not decide `ok`. Any response from a predicted-0 locality makes it 0.
 *
 * Binomial probabilities are summed in log space (log-gamma, scaled by the largest term), so N = 100000 neither
 * overflows nor underflows where it matters; the chi-square tail is the regularized upper incomplete gamma.
 */

/** The observed key that stands for requests that failed; see {@link judgeSplit}. */
export const FAILED = "(failed)";

/** One locality in the verdict table. */
export interface SplitRow {
  locality: string;
  /** Predicted share after normalisation (see {@link judgeSplit}). */
  predicted: number;
  /** Responses counted from this locality. */
  observed: number;
  /** observed / N (0 when N = 0). */
  share: number;
  /** Smallest and largest accepted share at the corrected significance ([0, 1] when N = 0). */
  low: number;
  high: number;
  ok: boolean;
}

/** The result of {@link judgeSplit}. */
export interface SplitVerdict {
  ok: boolean;
  /** A sentence naming the test, the significance, the chi-square p-value and N. */
  test: string;
  /** Chi-square goodness-of-fit p-value over all localities; absent when N = 0. */
  pValue?: number;
  /** Union of predicted and observed localities, sorted by locality. */
  rows: SplitRow[];
}

const SUM_TOLERANCE = 1e-9;

/**
 * Compare observed response counts per locality with the predicted shares. ok is false when any locality's
 * count is implausible under the prediction (including a predicted-0 locality that answered, and a predicted
 * share that never arrived), at the stated significance. ok is also false when nothing answered (N = 0).
 *
 * Predicted shares should sum to 1. If they sum to less and `observed` has a {@link FAILED} key, the missing
 * mass is the predicted share of that category; otherwise (or if they sum to more) they are renormalised over
 * their sum, and `test` says so. A locality predicted but absent from `observed` counts as 0 responses.
 *
 * @param opts.alpha family-wise significance, in (0, 1). @default 0.001
 * @throws RangeError naming the key and value of a negative, non-finite or (for counts) fractional number, a
 *   predicted share above 1, predicted shares summing to 0, or an alpha outside (0, 1).
 */
export function judgeSplit(
  predicted: Record<string, number>,
  observed: Record<string, number>,
  opts: { alpha?: number } = {},
): SplitVerdict {
  const alpha = opts.alpha ?? 0.001;
  if (typeof alpha !== "number" || !(alpha > 0 && alpha < 1)) {
    throw new RangeError(`judgeSplit: opts.alpha = ${String(alpha)} is not allowed; use a number in (0, 1), e.g. 0.001`);
  }
  validateRecord("predicted", predicted, false);
  validateRecord("observed", observed, true);
  const { shares, note } = normalise(predicted, observed);
  const names = [...new Set([...Object.keys(shares), ...Object.keys(observed)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = Object.values(observed).reduce((s, c) => s + c, 0);
  const k = Math.max(1, names.filter((name) => (shares[name] ?? 0) > 0 && (shares[name] ?? 0) < 1).length);
  const rows = names.map((name) => judgeRow(name, shares[name] ?? 0, observed[name] ?? 0, n, alpha / k));
  const gof = n > 0 ? chiSquareGof(rows, n) : undefined;
  const failing = rows.filter((r) => !r.ok).map((r) => r.locality);
  const test =
    note +
    (n === 0 ? "no responses observed (N=0), so the predicted split cannot be confirmed; " : "") +
    `exact binomial per locality, two-sided, Bonferroni-corrected, alpha=${alpha} (k=${k})` +
    (gof ? `; chi-square GOF p=${fmt(gof.p)} (df=${gof.df})` : "") +
    `; N=${n}` +
    (failing.length > 0 ? `; implausible: ${failing.join(", ")}` : "");
  return { ok: n > 0 && failing.length === 0, test, ...(gof ? { pValue: gof.p } : {}), rows };
}

function validateRecord(what: string, record: Record<string, number>, counts: boolean): void {
  for (const [key, value] of Object.entries(record)) {
    const where = `judgeSplit: ${what}[${JSON.stringify(key)}] = ${String(value)}`;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`${where} is not allowed; use a finite number >= 0`);
    }
    if (counts && !Number.isInteger(value)) throw new RangeError(`${where} is not allowed; use a whole number of responses`);
    if (!counts && value > 1) throw new RangeError(`${where} is not allowed; a predicted share is a fraction in [0, 1]`);
  }
}

function normalise(predicted: Record<string, number>, observed: Record<string, number>): { shares: Record<string, number>; note: string } {
  const sum = Object.values(predicted).reduce((s, p) => s + p, 0);
  const shares: Record<string, number> = { ...predicted };
  if (Math.abs(sum - 1) <= SUM_TOLERANCE) return { shares, note: "" };
  if (sum < 1 && Object.hasOwn(observed, FAILED)) {
    shares[FAILED] = (shares[FAILED] ?? 0) + (1 - sum);
    return { shares, note: `predicted shares sum to ${fmt(sum)}; the missing ${fmt(1 - sum)} is predicted for "${FAILED}"; ` };
  }
  if (sum <= 0) {
    throw new RangeError(`judgeSplit: predicted shares sum to ${sum}; predict at least one locality, or count "${FAILED}" in observed`);
  }
  for (const key of Object.keys(shares)) shares[key] = (shares[key] ?? 0) / sum;
  const why = sum < 1 ? ` (no "${FAILED}" count observed)` : "";
  return { shares, note: `predicted shares sum to ${fmt(sum)}, renormalised to 1${why}; ` };
}

function judgeRow(locality: string, p: number, x: number, n: number, level: number): SplitRow {
  if (n === 0) return { locality, predicted: p, observed: 0, share: 0, low: 0, high: p === 0 ? 0 : 1, ok: p === 0 };
  const [lo, hi] = acceptanceRange(n, p, level);
  return { locality, predicted: p, observed: x, share: x / n, low: lo / n, high: hi / n, ok: lo <= x && x <= hi };
}

/**
 * The counts a two-sided equal-tailed exact binomial test at `level` accepts under Binomial(n, p): the smallest
 * lo with P(X <= lo) > level/2 and the largest hi with P(X >= hi) > level/2.
 */
export function acceptanceRange(n: number, p: number, level: number): [number, number] {
  if (p <= 0) return [0, 0];
  if (p >= 1) return [n, n];
  const { lower, upper } = binomialCumulative(n, p);
  let lo = 0;
  while (lower[lo] <= level / 2) lo++;
  let hi = n;
  while (upper[hi] <= level / 2) hi--;
  return [lo, hi];
}

/** Exact binomial tails for X ~ Binomial(n, p): lower = P(X <= x), upper = P(X >= x). */
export function binomialTails(x: number, n: number, p: number): { lower: number; upper: number } {
  if (x < 0) return { lower: 0, upper: 1 };
  if (x > n) return { lower: 1, upper: 0 };
  if (p <= 0) return { lower: 1, upper: x === 0 ? 1 : 0 };
  if (p >= 1) return { lower: x === n ? 1 : 0, upper: 1 };
  const { lower, upper } = binomialCumulative(n, p);
  return { lower: lower[x], upper: upper[x] };
}

/** Cumulative sums from both ends, each summed from its own small end so tiny tails keep their precision. */
function binomialCumulative(n: number, p: number): { lower: Float64Array; upper: Float64Array } {
  const terms = new Float64Array(n + 1);
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logNFact = logGamma(n + 1);
  let max = -Infinity;
  for (let k = 0; k <= n; k++) {
    terms[k] = logNFact - logGamma(k + 1) - logGamma(n - k + 1) + k * logP + (n - k) * logQ;
    max = Math.max(max, terms[k]);
  }
  for (let k = 0; k <= n; k++) terms[k] = Math.exp(terms[k] - max);
  const lower = new Float64Array(n + 1);
  const upper = new Float64Array(n + 1);
  let acc = 0;
  for (let k = 0; k <= n; k++) lower[k] = acc += terms[k];
  const total = acc;
  acc = 0;
  for (let k = n; k >= 0; k--) upper[k] = acc += terms[k];
  for (let k = 0; k <= n; k++) {
    lower[k] = Math.min(1, lower[k] / total);
    upper[k] = Math.min(1, upper[k] / total);
  }
  return { lower, upper };
}

function chiSquareGof(rows: SplitRow[], n: number): { p: number; df: number } {
  const live = rows.filter((r) => r.predicted > 0);
  const df = live.length - 1;
  if (rows.some((r) => r.predicted === 0 && r.observed > 0)) return { p: 0, df };
  if (df === 0) return { p: 1, df };
  const stat = live.reduce((s, r) => s + (r.observed - n * r.predicted) ** 2 / (n * r.predicted), 0);
  return { p: chiSquareSurvival(stat, df), df };
}

/** P(Q > x) for Q ~ chi-square with df degrees of freedom: the regularized upper incomplete gamma Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** Regularized upper incomplete gamma Q(a, x): series below a + 1, Lentz continued fraction above. */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let ap = a + 1; Math.abs(term) > Math.abs(sum) * 1e-16 && ap < a + 10000; ap++) {
      term *= x / ap;
      sum += term;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    h *= d * c;
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Two significant digits without trailing zeros: 0.42, 1, 1.9e-14. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(2)));
}
