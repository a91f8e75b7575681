// Runs every vector in test/fixtures/locality-vectors (copied verbatim from the field guide) against the model.
// Each vector is one test. A vector whose shape the dispatcher does not know, or whose `expected` holds a key no
// check consumes, FAILS: nothing is skipped silently.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type LocalityLbSetting,
  applyLocalityLbSetting,
  applyZoneAwareLbSetting,
  effectiveLocalityLbSetting,
  envoyEffectiveLocalityWeights,
  envoyLocalityShares,
  envoyPriorityLoad,
  envoyTrafficShares,
  failoverPriorityCacheKey,
  predictTraffic,
  validateLocalities,
  validateLocalityLbSetting,
} from "../../../model/traffic/locality";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
interface Vector {
  id: string;
  category: string;
  level?: string;
  input: Obj;
  expected: Obj;
  expected_istio_1_30?: Obj;
  expected_other_versions?: Obj;
}

// Vectors believed wrong per their cited source, with the reason. Each one still runs and must keep failing
// (the test asserts that it does), so a fix to the model or the vector shows up. Currently none.
const KNOWN_WRONG: Record<string, string> = {};

// Keys of `expected` that carry no checkable value (free text or the vector's own bookkeeping).
const INFORMATIONAL = new Set(["envoy_response", "test_expectation", "model_matches_test", "source", "doc_code_mismatch", "tolerance_percent_points"]);

const FIXTURES = join(__dirname, "../..", "fixtures", "locality-vectors");

function load(file: string): Vector[] {
  const data = obj(JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Json);
  return arr(data.vectors).map((v) => {
    const o = obj(v);
    return { ...(o as object), id: str(o.id), category: str(o.category), input: obj(o.input), expected: obj(o.expected) } as Vector;
  });
}

// ---- JSON access: every read checks the shape and throws (failing the test) on anything unexpected ----

function obj(j: Json | undefined): Obj {
  if (j === null || j === undefined || typeof j !== "object" || Array.isArray(j)) throw new Error(`expected an object, got ${JSON.stringify(j)}`);
  return j;
}
function arr(j: Json | undefined): Json[] {
  if (!Array.isArray(j)) throw new Error(`expected an array, got ${JSON.stringify(j)}`);
  return j;
}
function str(j: Json | undefined): string {
  if (typeof j !== "string") throw new Error(`expected a string, got ${JSON.stringify(j)}`);
  return j;
}
function num(j: Json | undefined): number {
  if (typeof j !== "number") throw new Error(`expected a number, got ${JSON.stringify(j)}`);
  return j;
}
function bool(j: Json | undefined): boolean {
  if (typeof j !== "boolean") throw new Error(`expected a boolean, got ${JSON.stringify(j)}`);
  return j;
}
function strings(j: Json | undefined): string[] {
  return arr(j).map(str);
}
function labels(j: Json | undefined): Record<string, string> | undefined {
  if (j === undefined) return undefined;
  return Object.fromEntries(Object.entries(obj(j)).map(([k, v]) => [k, str(v)]));
}
function onlyKeys(o: Obj, allowed: string[], what: string): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`${what}: unknown keys ${unknown.join(", ")}`);
}

function setting(j: Json | undefined): LocalityLbSetting | null {
  if (j === null || j === undefined) return null;
  const o = obj(j);
  onlyKeys(o, ["enabled", "distribute", "failover", "failoverPriority"], "localityLbSetting");
  const s: LocalityLbSetting = {};
  if (o.enabled !== undefined) s.enabled = bool(o.enabled);
  if (o.distribute !== undefined) {
    s.distribute = arr(o.distribute).map((d) => ({
      from: str(obj(d).from),
      to: Object.fromEntries(Object.entries(obj(obj(d).to)).map(([k, v]) => [k, num(v)])),
    }));
  }
  if (o.failover !== undefined) s.failover = arr(o.failover).map((f) => ({ from: str(obj(f).from), to: str(obj(f).to) }));
  if (o.failoverPriority !== undefined) s.failoverPriority = strings(o.failoverPriority);
  return s;
}

function outlier(j: Json | undefined): boolean | { minHealthPercent?: number } {
  if (j === undefined || typeof j === "boolean") return j === true;
  const o = obj(j);
  return o.minHealthPercent === undefined ? {} : { minHealthPercent: num(o.minHealthPercent) };
}

// ---- comparison helpers ----

/** Tolerance for a fraction written with N decimals: half a unit in the last place (at least 1e-6). */
function tolerance(x: number): number {
  const decimals = (String(x).split(".")[1] ?? "").length;
  return Math.max(1e-6, 0.5 * 10 ** -decimals + 1e-12);
}

function expectShares(actual: Record<string, number>, expected: Obj, what: string): void {
  for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
    const want = expected[key] === undefined ? 0 : num(expected[key]);
    const got = actual[key] ?? 0;
    expect(Math.abs(got - want), `${what} ${key}: got ${got}, want ${want}`).toBeLessThanOrEqual(tolerance(want));
  }
}

function expectNumbers(actual: number[], expected: Json | undefined, tol: number, what: string): void {
  const want = arr(expected).map(num);
  expect(actual.length, `${what} length`).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs((actual[i] ?? NaN) - w), `${what}[${i}]: got ${actual[i]}, want ${w}`).toBeLessThanOrEqual(tol));
}

/** Tracks which keys of an expected block were checked, so an unknown key fails the vector. */
class Expected {
  private readonly used = new Set<string>();
  constructor(readonly block: Obj, private readonly what: string) {}
  take(key: string): Json | undefined {
    this.used.add(key);
    return this.block[key];
  }
  has(key: string): boolean {
    return this.block[key] !== undefined;
  }
  done(): void {
    const left = Object.keys(this.block).filter((k) => !this.used.has(k) && !INFORMATIONAL.has(k));
    expect(left, `${this.what}: expected keys no check consumed`).toEqual([]);
  }
}

// ---- Istio dispatchers ----

function claGroups(input: Obj): { locality: string; weight: number | null; endpoints: number | { labels?: Record<string, string>; weight?: number }[] }[] {
  return arr(input.cla).map((g) => {
    const o = obj(g);
    onlyKeys(o, ["locality", "load_balancing_weight", "lb_endpoints"], "cla group");
    const eps = o.lb_endpoints;
    return {
      locality: o.locality === null ? "" : str(o.locality),
      weight: o.load_balancing_weight === null ? null : num(o.load_balancing_weight),
      endpoints: typeof eps === "number" ? eps : arr(eps).map((e) => ({ labels: labels(obj(e).labels), weight: num(obj(e).load_balancing_weight) })),
    };
  });
}

function addressOf(input: Obj, group: number, index: number): string {
  const eps = obj(arr(input.cla)[group]).lb_endpoints;
  return typeof eps === "number" ? `#${index}` : str(obj(arr(eps)[index]).address);
}

function clientOf(input: Obj): { locality: string; labels?: Record<string, string> } {
  const c = obj(input.client);
  onlyKeys(c, ["locality", "labels", "note"], "client");
  return { locality: str(c.locality), labels: labels(c.labels) };
}

function runCla(v: Vector, exp: Obj, istioVersion: string | undefined, what: string): void {
  const input = v.input;
  onlyKeys(input, ["client", "localityLbSetting_scope", "localityLbSetting", "zoneAwareLbSetting", "outlierDetection", "enableFailover_arg", "cla"], "cla input");
  const client = clientOf(input);
  const groups = claGroups(input);
  let out;
  if (input.zoneAwareLbSetting !== undefined) {
    const za = obj(input.zoneAwareLbSetting);
    onlyKeys(za, ["enabled", "failover", "failoverPriority"], "zoneAwareLbSetting");
    out = applyZoneAwareLbSetting({
      client, groups, istioVersion,
      setting: {
        enabled: za.enabled === undefined ? undefined : bool(za.enabled),
        failover: za.failover === undefined ? undefined : arr(za.failover).map((f) => ({ from: str(obj(f).from), to: str(obj(f).to) })),
        failoverPriority: za.failoverPriority === undefined ? undefined : strings(za.failoverPriority),
      },
    });
  } else {
    const enableFailover = input.enableFailover_arg === undefined ? outlier(input.outlierDetection) !== false : bool(input.enableFailover_arg);
    out = applyLocalityLbSetting({ client, groups, istioVersion, setting: setting(input.localityLbSetting), enableFailover });
  }
  const e = new Expected(exp, what);
  const envoy = new Expected(obj(e.take("envoy")), `${what}.envoy`);
  const want = arr(envoy.take("load_assignment")).map(obj);
  expect(out.map((g) => g.locality), `${what} localities`).toEqual(want.map((w) => (w.locality === null ? "" : str(w.locality))));
  want.forEach((w, i) => {
    const got = out[i];
    if (!got) throw new Error(`${what}: missing entry ${i}`);
    expect(got.priority, `${what}[${i}].priority`).toBe(num(w.priority));
    expect(got.weight, `${what}[${i}].weight`).toBe(w.load_balancing_weight === null ? null : num(w.load_balancing_weight));
    const eps = w.lb_endpoints;
    if (Array.isArray(eps)) {
      expect(got.endpointIndexes.map((k) => addressOf(input, got.group, k)), `${what}[${i}] addresses`).toEqual(strings(eps));
    } else {
      expect(got.endpoints, `${what}[${i}].endpoints`).toBe(typeof eps === "string" && eps.startsWith("removed") ? 0 : num(eps));
    }
  });
  envoy.done();
  if (e.has("test_asserts_weights")) {
    expect(out.map((g) => g.weight ?? 0), `${what} test weights`).toEqual(arr(e.take("test_asserts_weights")).map(num));
  }
  if (e.has("raw_priorities")) {
    // Compaction of the raw (pre-compaction) priorities must give the programmed ones.
    const raw = arr(e.take("raw_priorities")).map(num);
    const rank = [...new Set(raw)].sort((a, b) => a - b);
    expect(out.map((g) => g.priority), `${what} compacted raw priorities`).toEqual(raw.map((p) => rank.indexOf(p)));
  }
  e.done();
}

function runTopology(v: Vector, exp: Obj, istioVersion: string | undefined, what: string): void {
  const input = v.input;
  onlyKeys(input, ["client", "endpoints", "localityLbSetting_scope", "localityLbSetting", "mesh_localityLbSetting", "outlierDetection",
    "service_trafficDistribution", "istio_version_modelled", "lb_simple", "service_entry_resolution"], "topology input");
  const scope = input.localityLbSetting_scope === undefined ? "destinationRule" : str(input.localityLbSetting_scope);
  if (scope !== "destinationRule" && scope !== "meshConfig") throw new Error(`unknown scope ${scope}`);
  const od = outlier(input.outlierDetection);
  // Cluster-level vectors only check CDS flags: no client and no endpoints.
  const client = v.level === "cluster" && input.client === undefined ? { locality: "" } : clientOf(input);
  const prediction = predictTraffic({
    client,
    endpoints: input.endpoints === undefined ? [] : arr(input.endpoints).map((j) => {
      const e = obj(j);
      // role and service only describe the integration test's echo deployments.
      onlyKeys(e, ["locality", "count", "healthy", "weight", "labels", "role", "service"], "endpoint");
      return {
        locality: str(e.locality), count: num(e.count),
        healthy: e.healthy === undefined ? undefined : num(e.healthy),
        weight: e.weight === undefined ? undefined : num(e.weight),
        labels: labels(e.labels),
      };
    }),
    localityLbSetting: setting(input.localityLbSetting),
    localityLbSettingScope: scope === "meshConfig" ? "mesh" : "destinationRule",
    meshLocalityLbSetting: input.mesh_localityLbSetting === undefined ? undefined : setting(input.mesh_localityLbSetting),
    serviceTrafficDistribution: input.service_trafficDistribution === undefined || input.service_trafficDistribution === null ? null : str(input.service_trafficDistribution),
    outlierDetection: od,
    istioVersion,
  });
  const e = new Expected(exp, what);
  const envoy = new Expected(obj(e.take("envoy")), `${what}.envoy`);
  if (envoy.has("load_assignment")) {
    const want = arr(envoy.take("load_assignment")).map(obj);
    expect(prediction.assignment.map((a) => a.locality), `${what} localities`).toEqual(want.map((w) => str(w.locality)));
    want.forEach((w, i) => {
      const got = prediction.assignment[i];
      if (!got) throw new Error(`${what}: missing entry ${i}`);
      onlyKeys(w, ["locality", "priority", "load_balancing_weight", "lb_endpoints", "healthy"], "load_assignment entry");
      expect(got.priority, `${what}[${i}].priority`).toBe(num(w.priority));
      expect(got.weight, `${what}[${i}].weight`).toBe(w.load_balancing_weight === null ? null : num(w.load_balancing_weight));
      expect(got.endpoints, `${what}[${i}].endpoints`).toBe(num(w.lb_endpoints));
      if (w.healthy !== undefined) expect(got.healthy, `${what}[${i}].healthy`).toBe(num(w.healthy));
    });
  }
  expect(prediction.localityWeightedLb, `${what} locality_weighted_lb_config`).toBe(bool(envoy.take("locality_weighted_lb_config")));
  if (envoy.has("healthy_panic_threshold")) expect(prediction.panicThreshold, `${what} PT`).toBe(num(envoy.take("healthy_panic_threshold")));
  envoy.done();
  if (e.has("traffic_share")) expectShares(prediction.shares, obj(e.take("traffic_share")), `${what} share`);
  if (e.has("priority_load_percent")) expect(prediction.priorityLoad.healthyLoad, `${what} priority load`).toEqual(arr(e.take("priority_load_percent")).map(num));
  if (e.has("panic")) expect(prediction.priorityLoad.panic, `${what} panic`).toEqual(arr(e.take("panic")).map(bool));
  if (e.has("requests_fail")) {
    const fail = bool(e.take("requests_fail"));
    expect(Object.keys(prediction.shares).length === 0, `${what} requests fail`).toBe(fail);
    if (fail) expect(prediction.diagnostics.map((d) => d.code), `${what} diagnostics`).toContain("no-endpoints");
  }
  if (e.has("validation")) {
    const val = new Expected(obj(e.take("validation")), `${what}.validation`);
    const hasOd = scope === "meshConfig" || od !== false;
    const result = validateLocalityLbSetting(setting(input.localityLbSetting), hasOd);
    expect(result.errors.length > 0, `${what} validation error: ${result.errors.join("; ")}`).toBe(bool(val.take("error")));
    expect(result.warnings.length > 0, `${what} validation warning`).toBe(bool(val.take("warning")));
    if (val.has("message")) expect([...result.errors, ...result.warnings]).toContain(str(val.take("message")));
    val.done();
  }
  e.done();
}

function runSetting(v: Vector, what: string): void {
  const input = v.input;
  const e = new Expected(v.expected, what);
  const mesh = setting(input.mesh_localityLbSetting);
  const destinationRule = setting(input.dr_localityLbSetting);
  if (e.has("failover_priority_key")) {
    onlyKeys(input, ["outlierDetection", "dr_localityLbSetting", "mesh_localityLbSetting", "proxy_labels"], "fp-labels input");
    const key = failoverPriorityCacheKey({ proxyLabels: labels(input.proxy_labels) ?? {}, outlierDetection: outlier(input.outlierDetection), destinationRule, mesh });
    const want = e.take("failover_priority_key");
    expect(key, `${what} key`).toBe(want === null ? null : str(want));
    expect(key !== null, `${what} applied`).toBe(bool(e.take("failoverPriority_applied")));
  } else {
    onlyKeys(input, ["mesh_localityLbSetting", "dr_localityLbSetting", "service_trafficDistribution"], "setting input");
    const td = input.service_trafficDistribution;
    const got = effectiveLocalityLbSetting({ mesh, destinationRule, serviceTrafficDistribution: td === null || td === undefined ? null : str(td) });
    expect(got.setting, `${what} setting`).toEqual(setting(e.take("effective_localityLbSetting")));
    expect(got.forceFailover, `${what} force`).toBe(bool(e.take("force_failover")));
  }
  e.done();
}

function runValidation(v: Vector, what: string): void {
  const e = new Expected(v.expected, what);
  if (v.category === "validation-localities") {
    onlyKeys(v.input, ["localities"], "localities input");
    expect(validateLocalities(strings(v.input.localities)) === undefined, what).toBe(bool(e.take("valid")));
  } else {
    onlyKeys(v.input, ["localityLbSetting", "outlierDetection"], "validation input");
    const result = validateLocalityLbSetting(setting(v.input.localityLbSetting), outlier(v.input.outlierDetection) !== false);
    expect(result.errors.length > 0, `${what} error: ${result.errors.join("; ")}`).toBe(bool(e.take("error")));
    expect(result.warnings.length > 0, `${what} warning`).toBe(bool(e.take("warning")));
  }
  e.done();
}

function versionOf(v: Vector): string | undefined {
  const m = v.input.istio_version_modelled;
  return m === undefined ? undefined : str(m);
}

function runIstio(v: Vector): void {
  if (v.category === "validation" || v.category === "validation-localities") return runValidation(v, v.id);
  const run = v.level === "cla" ? runCla : v.level === "topology" || v.level === "cluster" ? runTopology : undefined;
  if (v.level === "setting") return runSetting(v, v.id);
  if (!run) throw new Error(`unknown vector shape: category ${v.category}, level ${String(v.level)}`);
  run(v, v.expected, versionOf(v), v.id);
  if (v.expected_istio_1_30) run(v, v.expected_istio_1_30, "1.30.3", `${v.id} @1.30`);
  for (const [version, block] of Object.entries(v.expected_other_versions ?? {})) run(v, obj(block), version, `${v.id} @${version}`);
}

// ---- Envoy dispatchers ----

function runPriority(v: Vector): void {
  onlyKeys(v.input, ["priorities", "overprovisioning_factor_percent", "panic_threshold_percent"], "priority input");
  const priorities = arr(v.input.priorities).map((j) => {
    const p = obj(j);
    onlyKeys(p, ["hosts", "healthy", "degraded", "excluded"], "priority");
    return { hosts: num(p.hosts), healthy: num(p.healthy), degraded: num(p.degraded ?? 0), excluded: num(p.excluded ?? 0) };
  });
  const overprovisioningFactor = v.input.overprovisioning_factor_percent === undefined ? undefined : num(v.input.overprovisioning_factor_percent);
  const at = (panicThreshold: number | undefined) => envoyPriorityLoad(priorities, { overprovisioningFactor, panicThreshold });
  const pt = v.input.panic_threshold_percent === undefined ? undefined : num(v.input.panic_threshold_percent);
  const e = new Expected(v.expected, v.id);
  const check = (block: Obj, panicThreshold: number | undefined, tol: number, what: string): void => {
    const got = at(panicThreshold);
    const b = new Expected(block, what);
    if (b.has("healthy_priority_load")) expectNumbers(got.healthyLoad, b.take("healthy_priority_load"), tol, `${what} healthy load`);
    if (b.has("degraded_priority_load")) expectNumbers(got.degradedLoad, b.take("degraded_priority_load"), tol, `${what} degraded load`);
    if (b.has("priority_health")) expectNumbers(got.health, b.take("priority_health"), tol, `${what} health`);
    if (b.has("panic")) expect(got.panic, `${what} panic`).toEqual(arr(b.take("panic")).map(bool));
    if (b.has("normalized_total_availability")) expectNumbers([got.normalizedTotalAvailability], [b.take("normalized_total_availability") ?? null], tol, `${what} NTA`);
    b.done();
  };
  check(obj(e.take("code")), pt, 0, `${v.id} code`);
  if (e.has("code_with_panic_threshold_0")) check(obj(e.take("code_with_panic_threshold_0")), 0, 0, `${v.id} code PT0`);
  if (e.has("test")) check(obj(e.take("test")), pt, 0, `${v.id} unit test`);
  // Doc rows: within ±1 point, unless the vector records that the doc disagrees with the code (code is the oracle).
  const doc = e.take("doc");
  if (doc !== undefined && e.block.doc_code_mismatch !== true) check(obj(doc), pt, 1, `${v.id} doc`);
  e.done();
}

function runLocalityWeight(v: Vector): void {
  onlyKeys(v.input, ["locality_weighted_lb_config", "overprovisioning_factor_percent", "localities"], "locality input");
  expect(bool(v.input.locality_weighted_lb_config), "only locality-weighted vectors are known").toBe(true);
  const names = arr(v.input.localities).map((j) => str(obj(j).name));
  const localities = arr(v.input.localities).map((j) => {
    const l = obj(j);
    onlyKeys(l, ["name", "weight", "hosts", "healthy", "excluded"], "locality");
    return { weight: num(l.weight), hosts: num(l.hosts), healthy: num(l.healthy), excluded: num(l.excluded ?? 0) };
  });
  const opts = { overprovisioningFactor: v.input.overprovisioning_factor_percent === undefined ? undefined : num(v.input.overprovisioning_factor_percent) };
  const shares = envoyLocalityShares(localities, opts);
  const effective = envoyEffectiveLocalityWeights(localities, opts);
  const byName = (values: number[]): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, values[i] ?? NaN]));
  const e = new Expected(v.expected, v.id);
  if (e.has("code")) {
    const code = new Expected(obj(e.take("code")), `${v.id} code`);
    expectShares(byName(shares), obj(code.take("fraction")), `${v.id} fraction`);
    if (code.has("effective_weight")) expectShares(byName(effective), obj(code.take("effective_weight")), `${v.id} effective weight`);
    code.done();
  }
  if (e.has("test")) runLocalityTest(new Expected(obj(e.take("test")), `${v.id} test`), byName(shares), effective);
  const doc = e.take("doc");
  if (doc !== undefined && e.block.doc_code_mismatch !== true) {
    const tol = e.block.tolerance_percent_points === undefined ? 1 : num(e.block.tolerance_percent_points);
    const d = obj(doc);
    onlyKeys(d, ["percent"], "locality doc");
    for (const [n, pct] of Object.entries(obj(d.percent))) expect(Math.abs(100 * (byName(shares)[n] ?? NaN) - num(pct)), `${v.id} doc ${n}`).toBeLessThanOrEqual(tol);
  }
  e.done();
}

// Unit-test assertions: deterministic picks match the fraction to within one pick.
function runLocalityTest(t: Expected, shares: Record<string, number>, effective: number[]): void {
  if (t.has("picks_out_of_100")) {
    for (const [n, picks] of Object.entries(obj(t.take("picks_out_of_100")))) expect(Math.abs(100 * (shares[n] ?? 0) - num(picks)), `picks ${n}`).toBeLessThanOrEqual(1);
  }
  if (t.has("pick_sequence")) {
    const seq = strings(t.take("pick_sequence"));
    for (const n of Object.keys(shares)) {
      const count = seq.filter((s) => s === n).length;
      expect(Math.abs(seq.length * (shares[n] ?? 0) - count), `sequence ${n}`).toBeLessThanOrEqual(1);
    }
  }
  if (t.has("choose_healthy_locality")) {
    expect(t.take("choose_healthy_locality"), "only a null choice is known").toBeNull();
    expect(effective.every((w) => w === 0), "no locality has an effective weight").toBe(true);
    expect(Object.values(shares).every((s) => s === 0), "no share").toBe(true);
  }
  t.done();
}

function runSandbox(v: Vector): void {
  onlyKeys(v.input, ["load_assignment", "hosts", "lb_policy", "active_health_check", "locality_weighted_lb_config", "panic_threshold_percent"], "sandbox input");
  const hosts = obj(v.input.hosts);
  const entries = arr(v.input.load_assignment).map((j) => {
    const a = obj(j);
    onlyKeys(a, ["locality", "priority", "load_balancing_weight", "host"], "sandbox entry");
    const h = obj(hosts[str(a.host)]);
    return { locality: str(a.host), priority: num(a.priority), weight: num(a.load_balancing_weight), hosts: num(h.count), healthy: num(h.healthy) };
  });
  const { shares } = envoyTrafficShares(entries, {
    localityWeightedLb: bool(v.input.locality_weighted_lb_config),
    panicThreshold: num(v.input.panic_threshold_percent),
  });
  const percent = (key: string): number => 100 * (shares[`backend-${key}`] ?? 0);
  const e = new Expected(v.expected, v.id);
  const code = obj(e.take("code_percent"));
  const keys = new Set([...Object.keys(code), ...Object.keys(shares).map((h) => h.replace(/^backend-/, ""))]);
  for (const k of keys) expect(Math.abs(percent(k) - num(code[k] ?? 0)), `${v.id} code ${k}`).toBeLessThanOrEqual(1e-6);
  const tol = num(e.block.tolerance_percent_points);
  for (const [k, observed] of Object.entries(obj(e.take("observed_percent")))) {
    expect(Math.abs(percent(k) - num(observed)), `${v.id} observed ${k}`).toBeLessThanOrEqual(tol);
  }
  e.done();
}

function runEnvoy(v: Vector): void {
  if (v.category === "priority-load" || v.category === "degraded") return runPriority(v);
  if (v.category === "locality-weight") return runLocalityWeight(v);
  if (v.category === "sandbox") return runSandbox(v);
  throw new Error(`unknown vector category ${v.category}`);
}

// ---- the suites ----

function suite(file: string, run: (v: Vector) => void): void {
  const vectors = load(file);
  describe(file, () => {
    it("has vectors with unique ids", () => {
      expect(vectors.length).toBeGreaterThan(0);
      expect(new Set(vectors.map((v) => v.id)).size).toBe(vectors.length);
    });
    it.each(vectors.map((v) => [v.id, v] as const))("%s", (id, v) => {
      const reason = KNOWN_WRONG[id];
      if (reason === undefined) return run(v);
      expect(() => run(v), `${id} is listed as known wrong (${reason}) but now passes`).toThrow();
    });
  });
}

suite("vectors-istio.json", runIstio);
suite("vectors-envoy.json", runEnvoy);
