import { describe, expect, it } from "vitest";
import { arrOf, atMostOneOf, bool, double, duration, enumOf, int32, mapOf, obj, str, uint32, uint64 } from "../../../model/traffic/openapi/build";
import { protobufOneof } from "../../../model/traffic/openapi/branches";
import { durationRules } from "../../../model/traffic/openapi/duration";
import { destinationRuleSpecSchema, parseOpenApiSchema, trafficPolicySchema, validateAgainstSchema } from "../../../model/traffic/openapi";
import type { OpenApiSchema } from "../../../model/traffic/openapi";

/** Every property path of a schema (through properties, items `[]`, map values `{*}` and allOf/oneOf branches). */
function walk(schema: OpenApiSchema, at: string, visit: (node: OpenApiSchema, at: string) => void): void {
  visit(schema, at);
  for (const [name, sub] of Object.entries(schema.properties ?? {})) walk(sub, at ? `${at}.${name}` : name, visit);
  if (schema.items !== undefined) walk(schema.items, `${at}[]`, visit);
  if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${at}{*}`, visit);
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, at, visit);
}

function pathsWhere(predicate: (node: OpenApiSchema) => boolean): string[] {
  const found: string[] = [];
  walk(destinationRuleSpecSchema, "", (node, at) => {
    if (predicate(node)) found.push(at);
  });
  return found;
}

const DURATIONS = [
  "connectionPool.http.http2KeepAlive.interval",
  "connectionPool.http.http2KeepAlive.timeout",
  "connectionPool.http.idleTimeout",
  "connectionPool.tcp.connectTimeout",
  "connectionPool.tcp.maxConnectionDuration",
  "connectionPool.tcp.tcpKeepalive.interval",
  "connectionPool.tcp.tcpKeepalive.time",
  "loadBalancer.warmup.duration",
  "loadBalancer.warmupDurationSecs",
  "outlierDetection.baseEjectionTime",
  "outlierDetection.interval",
];
const POLICY_PLACES = [
  "trafficPolicy",
  "trafficPolicy.portLevelSettings[]",
  "subsets[].trafficPolicy",
  "subsets[].trafficPolicy.portLevelSettings[]",
];

describe("schema builders", () => {
  it("emit the keywords a protobuf-generated CRD uses for each field type", () => {
    expect(str()).toEqual({ type: "string" });
    expect(str({ maxLength: 63 })).toEqual({ type: "string", maxLength: 63 });
    expect(bool({ nullable: true })).toEqual({ type: "boolean", nullable: true });
    expect(int32()).toEqual({ type: "integer", format: "int32" });
    expect(uint32()).toEqual({ type: "integer", minimum: 0, maximum: 4294967295 });
    expect(uint32({ nullable: true, minimum: 1 })).toEqual({ type: "integer", minimum: 1, maximum: 4294967295, nullable: true });
    expect(uint64()).toEqual({ type: "integer", minimum: 0 });
    expect(double({ nullable: true, minimum: 0, maximum: 100 })).toEqual({
      type: "number",
      format: "double",
      minimum: 0,
      maximum: 100,
      nullable: true,
    });
    expect(enumOf(["A", "B"])).toEqual({ type: "string", enum: ["A", "B"] });
    expect(mapOf(int32(), { maxProperties: 2 })).toEqual({ type: "object", additionalProperties: int32(), maxProperties: 2 });
    expect(arrOf(str(), { maxItems: 3 })).toEqual({ type: "array", items: { type: "string" }, maxItems: 3 });
    expect(obj({ a: str() }, { required: ["a"] })).toEqual({ type: "object", properties: { a: { type: "string" } }, required: ["a"] });
  });

  it("duration() carries the one CEL rule the validator evaluates", () => {
    expect(durationRules(duration()).map((r) => [r.op, r.limit])).toEqual([[">=", "1ms"]]);
    expect(validateAgainstSchema("0.5ms", duration(), "d")[0].message).toMatch(/too short: the duration must be at least 1ms/);
  });

  it("atMostOneOf() is the protobuf oneof shape the validator recognises; several groups go into allOf", () => {
    const group = atMostOneOf(["a", "b"]);
    expect(protobufOneof(group.oneOf ?? [])).toEqual({ fields: ["a", "b"], noneAllowed: true });
    const one = obj({ a: str(), b: str() }, { oneofs: [group] });
    expect(one.oneOf).toBe(group.oneOf);
    const two = obj({ a: str(), b: str(), c: str(), d: str() }, { oneofs: [group, atMostOneOf(["c", "d"])] });
    expect(two.oneOf).toBeUndefined();
    expect(two.allOf).toHaveLength(2);
    expect(validateAgainstSchema({ a: "x", b: "y", c: "z" }, two, "")).toEqual([
      { path: "", message: '"a" and "b" cannot be set together: they are alternatives, set at most one of a, b.' },
    ]);
  });
});

describe("the hand-written DestinationRule spec schema", () => {
  it("uses only keywords the schema reader supports (a JSON round trip parses back to the same schema)", () => {
    const json: unknown = JSON.parse(JSON.stringify(destinationRuleSpecSchema));
    expect(parseOpenApiSchema(json, "destinationRule")).toEqual(destinationRuleSpecSchema);
  });

  it("has the duration rule on exactly the 11 duration fields, in all four places a traffic policy occurs", () => {
    const expected = POLICY_PLACES.flatMap((place) => DURATIONS.map((field) => `${place}.${field}`)).sort();
    expect(pathsWhere((node) => durationRules(node).length > 0).sort()).toEqual(expected);
    expect(expected).toHaveLength(44);
    const lb = trafficPolicySchema.properties?.loadBalancer?.properties;
    // duration-like fields without a rule in Istio's CRD stay plain strings
    expect(trafficPolicySchema.properties?.connectionPool?.properties?.tcp?.properties?.idleTimeout).toEqual({ type: "string" });
    expect(lb?.consistentHash?.properties?.httpCookie?.properties?.ttl).toEqual({ type: "string" });
    expect(trafficPolicySchema.properties?.retryBudget?.properties?.budgetInterval).toEqual({ type: "string" });
  });

  it("has the three protobuf oneof groups wherever a load balancer occurs", () => {
    const groups: string[] = [];
    walk(destinationRuleSpecSchema, "", (node, at) => {
      const oneof = node.oneOf === undefined ? undefined : protobufOneof(node.oneOf);
      if (oneof !== undefined) groups.push(`${at}: ${oneof.fields.join("|")}${oneof.noneAllowed ? "" : " (exactly one)"}`);
    });
    const expected = POLICY_PLACES.flatMap((place) => [
      `${place}.loadBalancer: simple|consistentHash`,
      `${place}.loadBalancer.consistentHash: httpHeaderName|httpCookie|useSourceIp|httpQueryParameterName`,
      `${place}.loadBalancer.consistentHash: ringHash|maglev`,
    ]);
    expect(groups.sort()).toEqual(expected.sort());
  });

  it("shares one traffic policy between spec and subsets; port-level settings are a subset of it plus `port`", () => {
    expect(destinationRuleSpecSchema.properties?.subsets?.items?.properties?.trafficPolicy).toBe(trafficPolicySchema);
    const port = trafficPolicySchema.properties?.portLevelSettings;
    expect(port?.maxItems).toBe(4096);
    expect(Object.keys(port?.items?.properties ?? {})).toEqual(["connectionPool", "loadBalancer", "outlierDetection", "port", "tls"]);
    for (const name of ["connectionPool", "loadBalancer", "outlierDetection", "tls"]) {
      expect(port?.items?.properties?.[name]).toBe(trafficPolicySchema.properties?.[name]);
    }
  });

  it("lists every message's fields alphabetically (the order unknown-key messages use)", () => {
    walk(destinationRuleSpecSchema, "", (node, at) => {
      const names = Object.keys(node.properties ?? {});
      expect(names, at).toEqual([...names].sort());
    });
  });

  it("marks the protobuf wrapper fields nullable, and nothing else", () => {
    const nullable = pathsWhere((node) => node.nullable === true).filter((p) => p.startsWith("trafficPolicy.") && !p.includes("[]"));
    expect(nullable.sort()).toEqual(
      [
        "loadBalancer.localityLbSetting.enabled",
        "loadBalancer.warmup.aggression",
        "loadBalancer.warmup.minimumPercent",
        "loadBalancer.zoneAwareLbSetting.enabled",
        "loadBalancer.zoneAwareLbSetting.minClusterSize",
        "outlierDetection.consecutive5xxErrors",
        "outlierDetection.consecutiveGatewayErrors",
        "outlierDetection.consecutiveLocalOriginFailures",
        "retryBudget.percent",
        "tls.insecureSkipVerify",
      ].map((p) => `trafficPolicy.${p}`),
    );
  });

  it("has 363 field paths (update this count, and model/traffic/schemas/README.md, when Istio adds fields)", () => {
    const fields = new Set(pathsWhere(() => true).filter((p) => p !== "" && !p.endsWith("[]") && !p.endsWith("{*}")));
    expect(fields.size).toBe(363);
  });
});
