import { describe, expect, it } from "vitest";
import { httpRouteSchema, meshConfigSchema, validateAgainstSchema, type OpenApiSchema } from "../../../model/traffic/openapi";

/** Field paths of a schema (through properties, items `[]` and map values `{*}`). */
function fields(schema: OpenApiSchema, at = "", out: string[] = []): string[] {
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    const path = at ? `${at}.${name}` : name;
    out.push(path);
    fields(sub, path, out);
  }
  if (schema.items) fields(schema.items, `${at}[]`, out);
  if (typeof schema.additionalProperties === "object") fields(schema.additionalProperties, `${at}{*}`, out);
  return out;
}

describe("VirtualService http route schema (Istio 1.31 CRD, model/traffic/schemas/virtualService.ts)", () => {
  it("has 134 field paths under spec.http[] (update this count, and the schemas README, when Istio adds fields)", () => {
    expect(fields(httpRouteSchema)).toHaveLength(134);
  });

  it("durations carry the CRD's >= 1ms rule: a bare number or 0s is rejected", () => {
    expect(validateAgainstSchema({ timeout: "5s", retries: { perTryTimeout: "500ms" } }, httpRouteSchema, "h")).toEqual([]);
    const bad = validateAgainstSchema({ timeout: "5", fault: { delay: { fixedDelay: "0s" } } }, httpRouteSchema, "h").map((e) => e.path);
    expect(bad).toEqual(["h.timeout", "h.fault.delay.fixedDelay"]);
  });

  it("oneofs: a StringMatch takes one of exact|prefix|regex; redirect port|derivePort; abort one status kind", () => {
    const bad = (v: unknown) => validateAgainstSchema(v, httpRouteSchema, "h").map((e) => e.path);
    expect(bad({ match: [{ headers: { x: { exact: "a", regex: "b" } } }] })).toEqual(["h.match[0].headers.x"]);
    expect(bad({ redirect: { port: 8080, derivePort: "FROM_REQUEST_PORT" } })).toEqual(["h.redirect"]);
    expect(bad({ fault: { abort: { httpStatus: 503, grpcStatus: "UNAVAILABLE" } } })).toEqual(["h.fault.abort"]);
  });

  it("a destination needs a host; weights are int32; an unknown key names the allowed ones", () => {
    const problems = validateAgainstSchema({ route: [{ destination: { subset: "a" }, weight: 1.5 }], retires: {} }, httpRouteSchema, "h");
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(["h.route[0].destination.host", "h.route[0].weight", "h.retires"]));
    expect(problems.find((p) => p.path === "h.retires")?.message).toMatch(/Did you mean "retries"\?/);
  });
});

describe("MeshConfig schema (the modelled part)", () => {
  it("serviceSettings: settings.clusterLocal (bool) and hosts (strings), nothing else", () => {
    expect(fields(meshConfigSchema)).toEqual(["serviceSettings", "serviceSettings[].hosts", "serviceSettings[].settings", "serviceSettings[].settings.clusterLocal"]);
    const problems = validateAgainstSchema({ serviceSettings: [{ settings: { clusterLocal: "yes" }, hosts: "a" }] }, meshConfigSchema, "m");
    expect(problems.map((p) => p.path).sort()).toEqual(["m.serviceSettings[0].hosts", "m.serviceSettings[0].settings.clusterLocal"]);
  });
});
