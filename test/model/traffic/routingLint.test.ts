import { describe, expect, it } from "vitest";
import { httpRouteSchema, meshConfigSchema, subsetSchema, validateAgainstSchema } from "../../../model/traffic/openapi";
import { expectProblem, parse, problemsOf, stackRaw } from "../../helpers/configs";

const R = "traffic.routes[0]";
const stack = () => stackRaw("cluster-local");

describe("the cluster-local stack", () => {
  it("parses with no warning: routes, subsets and meshConfig as written", () => {
    const spec = parse(stack(), "cluster-local");
    expect(spec.warnings).toEqual([]);
    expect(spec.traffic.meshConfig).toEqual({ serviceSettings: [{ settings: { clusterLocal: true }, hosts: ["cache.sample.svc.cluster.local"] }] });
    expect(spec.traffic.routes.map((r) => [r.service, r.http.map((h) => h.name)])).toEqual([["helloworld", ["from-site-a", "from-site-b"]]]);
    expect(spec.traffic.policies[0].subsets?.map((s) => s.name)).toEqual(["site-a", "site-b"]);
  });
});

describe("Istio 1.31's schemas: unknown keys and wrong types are errors, with their paths", () => {
  it("meshConfig: serviceSettings field for field; another MeshConfig key is not modelled, so it is an error", () => {
    const raw = stack();
    raw.traffic.meshConfig.serviceSettings[0].settings = { clusterLocl: true };
    raw.traffic.meshConfig.outboundTrafficPolicy = { mode: "REGISTRY_ONLY" };
    const paths = problemsOf(raw).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["traffic.meshConfig.serviceSettings[0].settings.clusterLocl", "traffic.meshConfig.outboundTrafficPolicy"]));
  });

  it("subsets: name is required; a typo in a subset's trafficPolicy is an error at its path", () => {
    const raw = stack();
    delete raw.traffic.policies[0].subsets[0].name;
    raw.traffic.policies[0].subsets[1].trafficPolicy = { outlierDetecton: {} };
    const problems = problemsOf(raw);
    expect(problems.find((p) => p.path === "traffic.policies[0].subsets[0].name")?.message).toMatch(/is required/);
    expect(problems.find((p) => p.path === "traffic.policies[0].subsets[1].trafficPolicy.outlierDetecton")?.message).toMatch(/Did you mean "outlierDetection"\?/);
  });

  it("http routes: wrong field names, types, durations and oneofs", () => {
    const raw = stack();
    const http = raw.traffic.routes[0].http;
    http[0].route[0].wieght = 80;
    http[0].timeout = "5";
    http[1].match[0].uri = { exact: "/a", prefix: "/b" };
    const paths = problemsOf(raw).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining([`${R}.http[0].route[0].wieght`, `${R}.http[0].timeout`, `${R}.http[1].match[0].uri`]));
  });

  it("the shipped stack's routes, subsets and meshConfig pass the schemas", () => {
    const t = stack().traffic;
    expect(validateAgainstSchema(t.meshConfig, meshConfigSchema, "m")).toEqual([]);
    for (const s of t.policies[0].subsets) expect(validateAgainstSchema(s, subsetSchema, "s")).toEqual([]);
    for (const h of t.routes[0].http) expect(validateAgainstSchema(h, httpRouteSchema, "h")).toEqual([]);
  });
});

describe("lint against the topology", () => {
  it("a subset that no policy defines, with did-you-mean", () => {
    const raw = stack();
    raw.traffic.routes[0].http[1].route[0].destination.subset = "site-c";
    expectProblem(raw, `${R}.http[1].route[0].destination.subset`, /subset "site-c" is not defined by the policy for "helloworld"/, /Did you mean "site-a"\?/);
  });

  it("a subset on a service whose policy has none", () => {
    const raw = stack();
    delete raw.traffic.policies[0].subsets;
    expectProblem(raw, `${R}.http[0].route[0].destination.subset`, /no entry of traffic.policies for "helloworld" has subsets/);
  });

  it("a topology.istio.io/cluster value that names no cluster, in a subset and in sourceLabels, with did-you-mean", () => {
    const raw = stack();
    raw.traffic.policies[0].subsets[1].labels["topology.istio.io/cluster"] = "site_b";
    raw.traffic.routes[0].http[0].match[0].sourceLabels["topology.istio.io/cluster"] = "sitea";
    const problems = problemsOf(raw);
    const subset = problems.find((p) => p.path === 'traffic.policies[0].subsets[1].labels["topology.istio.io/cluster"]');
    expect(subset?.message).toMatch(/"site_b" names no cluster of this topology.*Did you mean "site-b"\?/);
    const source = problems.find((p) => p.path === `${R}.http[0].match[0].sourceLabels["topology.istio.io/cluster"]`);
    expect(source?.message).toMatch(/"sitea" names no cluster.*Did you mean "site-a"\?/);
  });

  it("weights that do not add up to 100", () => {
    const raw = stack();
    raw.traffic.routes[0].http[0].route[1].weight = 30;
    expectProblem(raw, `${R}.http[0].route`, /the weights add up to 110, not 100 \(80 \+ 30\)/);
    const one = stack();
    one.traffic.routes[0].http[1].route[0].weight = 50;
    expectProblem(one, `${R}.http[1].route`, /add up to 50.*a single destination takes every request/);
  });

  it("a route no client can ever match: its match fits no client, or a catch-all before it takes everything", () => {
    const raw = stack();
    raw.traffic.routes[0].http[1].match[0].sourceLabels = { app: "nobody" };
    expectProblem(raw, `${R}.http[1]`, /no client can ever take this route: for every client \(sample\/sleep-a in site-a, sample\/sleep-b in site-b\)/, /none of its matches applies/);
    const shadowed = stack();
    delete shadowed.traffic.routes[0].http[0].match;
    expectProblem(shadowed, `${R}.http[1]`, /an earlier route takes all its requests/);
  });

  it("a route clients can take, but not with verify's GET /hello, is only a warning", () => {
    const raw = stack();
    raw.traffic.routes[0].http.unshift({ name: "api", match: [{ uri: { prefix: "/api" } }], route: [{ destination: { host: "helloworld", subset: "site-b" } }] });
    const spec = parse(raw);
    expect(spec.warnings.find((w) => w.path === `${R}.http[0]`)?.message).toMatch(/verify's requests \(GET \/hello from each client\) never take this route/);
    // A request-conditioned route does not shadow the ones after it.
    expect(spec.warnings.filter((w) => w.path.startsWith(R)).map((w) => w.path)).toEqual([`${R}.http[0]`]);
  });

  it("a destination host that is not the service", () => {
    const raw = stack();
    raw.traffic.routes[0].http[0].route[1].destination.host = "cache.sample.svc.cluster.local";
    expectProblem(raw, `${R}.http[0].route[1].destination.host`, /"cache.sample.svc.cluster.local" is not the service this route is for: use "helloworld.sample.svc.cluster.local"/);
    const short = stack();
    short.traffic.routes[0].http[1].route[0].destination.host = "helloworld";
    expect(() => parse(short)).not.toThrow();
  });

  it("two routes entries for one service, an empty http list, and a route for an unknown service", () => {
    const raw = stack();
    raw.traffic.routes.push({ service: "helloworld", http: [{ route: [{ destination: { host: "helloworld" } }] }] });
    raw.traffic.routes.push({ service: "cach", http: [] });
    const problems = problemsOf(raw);
    expect(problems.find((p) => p.path === "traffic.routes[1]")?.message).toMatch(/already defined at traffic.routes\[0\]/);
    expect(problems.find((p) => p.path === "traffic.routes[2].service")?.message).toMatch(/"cach" is not one of traffic.services. Did you mean "cache"\?/);
    expect(problems.find((p) => p.path === "traffic.routes[2].http")?.message).toMatch(/is empty/);
  });

  it("duplicate subset names; serviceSettings hosts that match no service are a warning", () => {
    const raw = stack();
    raw.traffic.policies[0].subsets[1].name = "site-a";
    expectProblem(raw, "traffic.policies[0].subsets[1].name", /subset "site-a" is already defined at traffic.policies\[0\].subsets\[0\]/);
    const typo = stack();
    typo.traffic.meshConfig.serviceSettings[0].hosts = ["cache.sample.svc.cluster.locl"];
    const w = parse(typo).warnings.find((x) => x.path === "traffic.meshConfig.serviceSettings[0].hosts[0]");
    expect(w?.message).toMatch(/matches no service.*Did you mean "cache.sample.svc.cluster.local"\?/);
  });

  it("a subset's own localityLbSetting gets Istio's validation, at the subset's path", () => {
    const raw = stack();
    raw.traffic.policies[0].subsets[0].trafficPolicy = {
      loadBalancer: { localityLbSetting: { distribute: [{ from: "europe/zone1/*", to: { "europe/zone1/*": 60, "europe/zone2/*": 30 } }] } },
    };
    expectProblem(raw, "traffic.policies[0].subsets[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to", /total locality weight 90 != 100/, /Istio rejects this DestinationRule/);
  });

  it("a client's cluster must have a node in its locality", () => {
    const raw = stack();
    raw.traffic.clients[0].cluster = "site-b";
    expectProblem(raw, "traffic.clients[0].cluster", /cluster "site-b" has no node in "europe\/zone1"; clients in "europe\/zone1" can run in: site-a/);
    raw.traffic.clients[0].cluster = "site-z";
    expectProblem(raw, "traffic.clients[0].cluster", /"site-z" is not a cluster of this topology. Did you mean "site-a"\?/);
  });
});
