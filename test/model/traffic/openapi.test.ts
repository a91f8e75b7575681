import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  destinationRuleSpecSchema,
  parseDuration,
  parseOpenApiSchema,
  trafficPolicySchema,
  validateAgainstSchema,
  type OpenApiSchema,
} from "../../../model/traffic/openapi";

const P = "traffic.policies[0].trafficPolicy";

/** Validates a trafficPolicy written as YAML (as users write it in the stack config). */
function lint(yamlText: string, path = P) {
  return validateAgainstSchema(parse(yamlText), trafficPolicySchema, path);
}

// Also passes Istio's webhook rules (pkg/config/validation/agent): "distribute" and "failover" are never in the
// same localityLbSetting, failoverPriority next to failover names no region/zone/subzone label, weights sum to 100.
const REALISTIC = `
loadBalancer:
  simple: ROUND_ROBIN
  localityLbSetting:
    enabled: true
    failover:
      - from: us-west
        to: us-east
    failoverPriority:
      - topology.istio.io/network
      - topology.istio.io/cluster
  warmup:
    duration: 30s
    aggression: 1.5
outlierDetection:
  consecutive5xxErrors: 5
  consecutiveGatewayErrors: null
  interval: 10s
  baseEjectionTime: 1m30s
  maxEjectionPercent: 100
  minHealthPercent: 0
  splitExternalLocalOriginErrors: true
  consecutiveLocalOriginFailures: 3
  outlierDetectionHttpErrorCodes: [500, 503]
connectionPool:
  tcp:
    maxConnections: 100
    connectTimeout: 250ms
    tcpKeepalive:
      time: 7200s
      interval: 75s
      probes: 9
  http:
    http1MaxPendingRequests: 1024
    http2MaxRequests: 1024
    maxRequestsPerConnection: 10
    idleTimeout: 1h
    h2UpgradePolicy: UPGRADE
tls:
  mode: ISTIO_MUTUAL
  sni: reviews.default.svc.cluster.local
  subjectAltNames: ["spiffe://cluster.local/ns/default/sa/reviews"]
portLevelSettings:
  - port:
      number: 9080
    loadBalancer:
      simple: LEAST_REQUEST
      localityLbSetting:
        distribute:
          - from: us-west/zone1/*
            to:
              "us-west/zone1/*": 80
              "us-west/zone2/*": 20
          - from: us-west/zone2/*
            to:
              "us-west/zone2/*": 100
    outlierDetection:
      consecutive5xxErrors: 3
      interval: 5s
    connectionPool:
      tcp:
        maxConnections: 10
  - port:
      number: 9443
    loadBalancer:
      consistentHash:
        httpCookie:
          name: user
          ttl: 0s
        ringHash:
          minimumRingSize: 1024
    tls:
      mode: SIMPLE
      credentialName: reviews-client
`;

describe("the bundled Istio DestinationRule schema", () => {
  it("loads, covers the fields we use, and is a structural object schema", () => {
    expect(destinationRuleSpecSchema.type).toBe("object");
    expect(destinationRuleSpecSchema.required).toEqual(["host"]);
    expect(Object.keys(destinationRuleSpecSchema.properties ?? {}).sort()).toEqual([
      "exportTo",
      "host",
      "subsets",
      "trafficPolicy",
      "workloadSelector",
    ]);
    expect(trafficPolicySchema).toBe(destinationRuleSpecSchema.properties?.trafficPolicy);
    const lb = trafficPolicySchema.properties?.loadBalancer?.properties;
    expect(Object.keys(lb?.localityLbSetting?.properties ?? {}).sort()).toEqual([
      "distribute",
      "enabled",
      "failover",
      "failoverPriority",
    ]);
    expect(lb?.simple?.enum).toContain("ROUND_ROBIN");
  });

  it("rejects schema keywords the validator does not implement instead of half-checking them", () => {
    expect(() => parseOpenApiSchema({ type: "string", const: "x" })).toThrow(/keyword "const" is not supported/);
    expect(() => parseOpenApiSchema({ type: "date" })).toThrow(/unsupported type "date"/);
  });
});

describe("validateAgainstSchema with trafficPolicySchema", () => {
  it("accepts a realistic trafficPolicy (locality distribute/failover/failoverPriority, outlier detection, pools, tls, port settings)", () => {
    expect(lint(REALISTIC)).toEqual([]);
  });

  it("accepts a whole DestinationRule spec {host, trafficPolicy, subsets} against the spec schema", () => {
    const spec = {
      host: "reviews.default.svc.cluster.local",
      exportTo: ["."],
      trafficPolicy: parse(REALISTIC),
      subsets: [{ name: "v1", labels: { version: "v1" }, trafficPolicy: { loadBalancer: { simple: "LEAST_REQUEST" } } }],
      workloadSelector: { matchLabels: { app: "reviews" } },
    };
    expect(validateAgainstSchema(spec, destinationRuleSpecSchema, "destinationRules[0].spec")).toEqual([]);
  });

  it("reports a misspelled top-level section with a did-you-mean and the allowed keys", () => {
    expect(lint("outlierDetecton:\n  interval: 10s\n")).toEqual([
      {
        path: `${P}.outlierDetecton`,
        message:
          'unknown key "outlierDetecton". Did you mean "outlierDetection"? Allowed keys here: connectionPool, loadBalancer, outlierDetection, portLevelSettings, proxyProtocol, retryBudget, tls, tunnel.',
      },
    ]);
  });

  it("reports typos two and four levels deep, and inside list items", () => {
    const problems = lint(`
outlierDetection:
  consecutive5xxError: 5
loadBalancer:
  localityLbSettings:
    enabled: true
portLevelSettings:
  - port: { number: 80 }
    connectionPool:
      tcp:
        maxConection: 10
  - port: { numbr: 81 }
`);
    expect(problems.map((p) => p.path)).toEqual([
      `${P}.outlierDetection.consecutive5xxError`,
      `${P}.loadBalancer.localityLbSettings`,
      `${P}.portLevelSettings[0].connectionPool.tcp.maxConection`,
      `${P}.portLevelSettings[1].port.numbr`,
    ]);
    expect(problems[0].message).toMatch(/^unknown key "consecutive5xxError"\. Did you mean "consecutive5xxErrors"\?/);
    expect(problems[1].message).toMatch(/^unknown key "localityLbSettings"\. Did you mean "localityLbSetting"\?/);
    expect(problems[2].message).toMatch(/Did you mean "maxConnections"\?/);
    expect(problems[3].message).toBe('unknown key "numbr". Did you mean "number"? Allowed keys here: number.');
  });

  it("reports a typo inside a locality distribute entry", () => {
    expect(lint(`loadBalancer:\n  localityLbSetting:\n    distribute:\n      - form: us-west/*\n        to: {"us-east/*": 100}\n`)).toEqual([
      {
        path: `${P}.loadBalancer.localityLbSetting.distribute[0].form`,
        message: 'unknown key "form". Did you mean "from"? Allowed keys here: from, to.',
      },
    ]);
  });

  it("uses bracketed paths for map keys that are not identifiers, and checks uint32 map values", () => {
    const problems = lint(`
loadBalancer:
  localityLbSetting:
    distribute:
      - from: "us-west/zone1/*"
        to:
          "us/west/zone3/*": -5
          zone4: "20"
`);
    expect(problems).toEqual([
      {
        path: `${P}.loadBalancer.localityLbSetting.distribute[0].to["us/west/zone3/*"]`,
        message: "must be a whole number from 0 to 4294967295, got -5.",
      },
      {
        path: `${P}.loadBalancer.localityLbSetting.distribute[0].to.zone4`,
        message: 'must be a whole number, got a string: "20" (a quoted string; remove the quotes).',
      },
    ]);
  });

  it("rejects an enum value and suggests the right spelling (ROUNDROBIN -> ROUND_ROBIN)", () => {
    expect(lint("loadBalancer:\n  simple: ROUNDROBIN\n")).toEqual([
      {
        path: `${P}.loadBalancer.simple`,
        message:
          '"ROUNDROBIN" is not allowed. Did you mean "ROUND_ROBIN"? Use one of: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST".',
      },
    ]);
    expect(lint("tls:\n  mode: istio_mutual\n")[0]).toMatchObject({
      path: `${P}.tls.mode`,
      message: expect.stringContaining('Did you mean "ISTIO_MUTUAL"?'),
    });
  });

  it("rejects simple together with consistentHash (protobuf oneof encoded as oneOf/not/anyOf/required)", () => {
    expect(lint("loadBalancer:\n  simple: RANDOM\n  consistentHash:\n    useSourceIp: true\n")).toEqual([
      {
        path: `${P}.loadBalancer`,
        message:
          '"simple" and "consistentHash" cannot be set together: they are alternatives, set at most one of simple, consistentHash.',
      },
    ]);
  });

  it("rejects two hash keys and two ring algorithms in consistentHash (oneOfs nested in allOf), but allows neither", () => {
    const problems = lint(`
loadBalancer:
  consistentHash:
    httpHeaderName: x-user
    httpQueryParameterName: user
    ringHash: {}
    maglev: { tableSize: 65537 }
`);
    expect(problems).toEqual([
      {
        path: `${P}.loadBalancer.consistentHash`,
        message:
          '"httpHeaderName" and "httpQueryParameterName" cannot be set together: they are alternatives, set at most one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName.',
      },
      {
        path: `${P}.loadBalancer.consistentHash`,
        message: '"ringHash" and "maglev" cannot be set together: they are alternatives, set at most one of ringHash, maglev.',
      },
    ]);
    expect(lint("loadBalancer:\n  consistentHash:\n    minimumRingSize: 1024\n")).toEqual([]);
  });

  it("reports wrong types with the expected type and the offending value", () => {
    const problems = lint(`
outlierDetection: 5
tls:
  mode: SIMPLE
  subjectAltNames: spiffe://cluster.local/ns/a/sa/b
  insecureSkipVerify: "yes"
connectionPool:
  http:
    useClientProtocol: "true"
`);
    expect(problems).toEqual([
      { path: `${P}.outlierDetection`, message: "must be a mapping (YAML key: value pairs), got a whole number: 5." },
      { path: `${P}.tls.subjectAltNames`, message: 'must be a list, got a string: "spiffe://cluster.local/ns/a/sa/b".' },
      {
        path: `${P}.tls.insecureSkipVerify`,
        message: 'must be true or false, got a string: "yes" (YAML 1.2 reads this as a string; write true or false).',
      },
      {
        path: `${P}.connectionPool.http.useClientProtocol`,
        message: 'must be true or false, got a string: "true" (a quoted string; remove the quotes).',
      },
    ]);
  });

  it("treats consecutive5xxErrors as a nullable uint32 wrapper and int32 fields by their format", () => {
    expect(lint("outlierDetection:\n  consecutive5xxErrors: null\n")).toEqual([]);
    expect(lint("outlierDetection:\n  consecutive5xxErrors: 4294967295\n")).toEqual([]);
    expect(lint("outlierDetection:\n  consecutive5xxErrors: 4294967296\n  consecutiveErrors: 2.5\n  maxEjectionPercent: 3000000000\n")).toEqual([
      { path: `${P}.outlierDetection.consecutive5xxErrors`, message: "must be a whole number from 0 to 4294967295, got 4294967296." },
      { path: `${P}.outlierDetection.consecutiveErrors`, message: "must be a whole number, got a number: 2.5." },
      {
        path: `${P}.outlierDetection.maxEjectionPercent`,
        message: "must be a whole number from -2147483648 to 2147483647 (int32), got 3000000000.",
      },
    ]);
  });

  it("rejects null for non-nullable fields (an empty YAML value)", () => {
    expect(lint("outlierDetection:\n  interval:\n")).toEqual([
      {
        path: `${P}.outlierDetection.interval`,
        message:
          'must be a duration string such as "10s", "1m30s" or "500ms", got an empty value (null). Give it a value or remove the key.',
      },
    ]);
  });

  it("checks durations the way Istio's CEL rule duration(self) >= duration('1ms') does", () => {
    expect(lint(`outlierDetection:\n  interval: 10\n  baseEjectionTime: "30"\n  connectionPool: {}\n`).slice(0, 2)).toEqual([
      {
        path: `${P}.outlierDetection.interval`,
        message:
          'must be a duration string such as "10s", "1m30s" or "500ms", got a whole number: 10 (durations need a unit; did you mean "10s"?).',
      },
      {
        path: `${P}.outlierDetection.baseEjectionTime`,
        message:
          '"30" is not a valid duration. Did you mean "30s"? Write a number followed by a unit (h, m, s, ms, us, ns), e.g. "10s", "1m30s" or "500ms".',
      },
    ]);
    expect(lint("connectionPool:\n  tcp:\n    connectTimeout: 500us\n    tcpKeepalive:\n      time: 1d\n")).toEqual([
      { path: `${P}.connectionPool.tcp.connectTimeout`, message: '"500us" is too short: the duration must be at least 1ms.' },
      {
        path: `${P}.connectionPool.tcp.tcpKeepalive.time`,
        message: '"1d" is not a valid duration. Write a number followed by a unit (h, m, s, ms, us, ns), e.g. "10s", "1m30s" or "500ms".',
      },
    ]);
    // Fields without the CEL rule are plain strings in the schema, so they are not duration-checked.
    expect(lint("connectionPool:\n  tcp:\n    idleTimeout: whenever\n")).toEqual([]);
    expect(parseDuration("1m30s")).toBe(90e9);
    expect(parseDuration("1.5h")).toBe(5400e9);
    expect(parseDuration("-2ms")).toBe(-2e6);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("10")).toBeUndefined();
    expect(parseDuration(".s")).toBeUndefined();
  });

  it("reports missing required keys (warmup.duration, httpCookie.name, tunnel target)", () => {
    expect(
      lint(`
loadBalancer:
  warmup: { aggression: 2 }
  consistentHash:
    httpCookie: { ttl: 10s }
tunnel: { protocol: CONNECT }
`),
    ).toEqual([
      { path: `${P}.loadBalancer.warmup.duration`, message: "is required but missing." },
      { path: `${P}.loadBalancer.consistentHash.httpCookie.name`, message: "is required but missing." },
      { path: `${P}.tunnel.targetHost`, message: "is required but missing." },
      { path: `${P}.tunnel.targetPort`, message: "is required but missing." },
    ]);
  });

  it("checks list items and maxItems, and numeric item ranges", () => {
    const problems = lint(`
outlierDetection:
  outlierDetectionHttpErrorCodes: [500, 99, 600]
portLevelSettings: ${JSON.stringify(Array.from({ length: 4097 }, (_, i) => ({ port: { number: i + 1 } })))}
`);
    expect(problems).toEqual([
      { path: `${P}.outlierDetection.outlierDetectionHttpErrorCodes[1]`, message: "must be a whole number from 100 to 599, got 99." },
      { path: `${P}.outlierDetection.outlierDetectionHttpErrorCodes[2]`, message: "must be a whole number from 100 to 599, got 600." },
      { path: `${P}.portLevelSettings`, message: "has 4097 entries; at most 4096 are allowed." },
    ]);
  });

  it("returns every problem at once, in document order", () => {
    const problems = lint(`
loadBalancer:
  simple: LEAST_CONNECTION
  consistentHash: { useSourceIp: yes }
outlierDetecton: {}
outlierDetection:
  consecutive5xxErrors: -1
  interval: 5
connectionPool:
  tcp: { maxConnections: "100", connectTimout: 1s }
tls: { mode: MUTAL, sni: 443 }
`);
    expect(problems.map((p) => p.path)).toEqual([
      `${P}.loadBalancer.simple`,
      `${P}.loadBalancer.consistentHash.useSourceIp`,
      `${P}.loadBalancer`,
      `${P}.outlierDetecton`,
      `${P}.outlierDetection.consecutive5xxErrors`,
      `${P}.outlierDetection.interval`,
      `${P}.connectionPool.tcp.maxConnections`,
      `${P}.connectionPool.tcp.connectTimout`,
      `${P}.tls.mode`,
      `${P}.tls.sni`,
    ]);
    expect(problems[0].message).toContain('Did you mean "LEAST_CONN"?');
    expect(problems[1].message).toBe(
      'must be true or false, got a string: "yes" (YAML 1.2 reads this as a string; write true or false).',
    );
    expect(problems[2].message).toBe(
      '"simple" and "consistentHash" cannot be set together: they are alternatives, set at most one of simple, consistentHash.',
    );
    expect(problems[7].message).toContain('Did you mean "connectTimeout"?');
    expect(problems[8].message).toContain('Did you mean "MUTUAL"?');
    expect(problems[9].message).toBe("must be a string, got a whole number: 443.");
  });

  it("validates a DR spec: host required, subsets need a name, label values limited to 63 characters", () => {
    const problems = validateAgainstSchema(
      {
        trafficPolicy: { loadBalancer: { simple: "RANDOM" } },
        subsets: [{ labels: { version: "v1" }, trafficPolicy: { outlierDetection: { intervall: "5s" } } }],
        workloadSelector: { matchLabels: { app: "x".repeat(64) } },
        hots: "reviews",
      },
      destinationRuleSpecSchema,
      "dr.spec",
    );
    expect(problems).toEqual([
      {
        path: "dr.spec.subsets[0].trafficPolicy.outlierDetection.intervall",
        message: expect.stringMatching(/^unknown key "intervall"\. Did you mean "interval"\?/),
      },
      { path: "dr.spec.subsets[0].name", message: "is required but missing." },
      { path: "dr.spec.workloadSelector.matchLabels.app", message: `"${"x".repeat(64)}" is 64 characters long; at most 63 are allowed.` },
      {
        path: "dr.spec.hots",
        message: 'unknown key "hots". Did you mean "host"? Allowed keys here: exportTo, host, subsets, trafficPolicy, workloadSelector.',
      },
      { path: "dr.spec.host", message: "is required but missing." },
    ]);
  });

  it("uses the caller's prefix as given, including an empty one", () => {
    expect(validateAgainstSchema({ tls: { mod: "SIMPLE" } }, trafficPolicySchema, "")[0].path).toBe("tls.mod");
    expect(validateAgainstSchema({ "a/b": 1 }, { type: "object", properties: { ab: { type: "integer" } } }, "")[0]).toEqual({
      path: '["a/b"]',
      message: 'unknown key "a/b". Did you mean "ab"? Allowed keys here: ab.',
    });
    expect(validateAgainstSchema("x", trafficPolicySchema, "policy")).toEqual([
      { path: "policy", message: 'must be a mapping (YAML key: value pairs), got a string: "x".' },
    ]);
  });
});

describe("validateAgainstSchema with other structural-schema features", () => {
  it("supports x-kubernetes-int-or-string, preserve-unknown-fields, exclusive bounds and length limits", () => {
    const schema: OpenApiSchema = {
      type: "object",
      properties: {
        port: { "x-kubernetes-int-or-string": true },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "string" } } },
        ratio: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 1 },
        name: { type: "string", minLength: 1, maxLength: 3 },
        count: { type: "integer", format: "uint32" },
        tags: { type: "array", minItems: 1, items: { type: "string" } },
        empty: { type: "object" },
      },
    };
    expect(validateAgainstSchema({ port: 80, extra: { anything: [1], known: "k" }, ratio: 1, name: "abc", count: 0, tags: ["a"] }, schema, "x")).toEqual(
      [],
    );
    expect(validateAgainstSchema({ port: "http", extra: { known: 1 } }, schema, "x")).toEqual([
      { path: "x.extra.known", message: "must be a string, got a whole number: 1." },
    ]);
    expect(
      validateAgainstSchema({ port: 1.5, ratio: 0, name: "abcd", count: -1, tags: [], empty: { a: 1 } }, schema, "x"),
    ).toEqual([
      { path: "x.port", message: "must be a whole number or a string, got a number: 1.5." },
      { path: "x.ratio", message: "must be a number greater than 0 and at most 1, got 0." },
      { path: "x.name", message: '"abcd" is 4 characters long; at most 3 are allowed.' },
      { path: "x.count", message: "must be a whole number from 0 to 4294967295 (uint32), got -1." },
      { path: "x.tags", message: "has 0 entries; at least 1 are required." },
      { path: "x.empty.a", message: 'unknown key "a": this mapping takes no keys.' },
    ]);
  });

  it("supports a generic oneOf and an anyOf of required branches", () => {
    const schema: OpenApiSchema = {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" }, n: { type: "integer" } },
      anyOf: [{ required: ["a"] }, { required: ["b"] }],
      oneOf: [{ properties: { n: { minimum: 10 } } }, { properties: { n: { maximum: 20 } } }],
    };
    expect(validateAgainstSchema({ a: "x", n: 5 }, schema, "s")).toEqual([]);
    expect(validateAgainstSchema({ n: 15 }, schema, "s")).toEqual([
      { path: "s", message: '{"n":15} is ambiguous: it matches 2 of the allowed forms, but must match exactly one.' },
      { path: "s", message: "must set at least one of a, b." },
    ]);
  });
});
