import { describe, expect, it } from "vitest";
import { assignPlanKeys, planKeyFor } from "../../../model/traffic/planKeys";
import { mergeSubsetPolicy, predictRouted, proxyLabels, type ServiceRouting } from "../../../model/traffic/routing";
import { chooseRoute, isClusterLocal, probeRequest, stringMatches } from "../../../model/traffic/routing/match";

const CLUSTER = "topology.istio.io/cluster";
const req = probeRequest("helloworld", "sample", 5000);
const proxy = (labels: Record<string, string>, namespace = "sample") => ({ labels, namespace });
const toSubset = (subset: string, weight?: number) => ({ destination: { host: "helloworld.sample.svc.cluster.local", subset }, ...(weight === undefined ? {} : { weight }) });

describe("chooseRoute: which http route a sidecar's request takes (route.go, release-1.31)", () => {
  const http = [
    { name: "c1", match: [{ sourceLabels: { [CLUSTER]: "c1" } }], route: [toSubset("c1")] },
    { name: "c2", match: [{ sourceLabels: { [CLUSTER]: "c2" } }], route: [toSubset("c2")] },
  ];

  it("sourceLabels must be a subset of the proxy's labels, topology.istio.io/cluster included", () => {
    expect(chooseRoute(http, proxy({ app: "sleep", [CLUSTER]: "c2" }), 5000, req)).toEqual({ kind: "route", index: 1, match: 0 });
    expect(chooseRoute(http, proxy({ app: "sleep", [CLUSTER]: "c1" }), 5000, req)).toEqual({ kind: "route", index: 0, match: 0 });
  });

  it("no route applies to the proxy: istiod drops the VirtualService for it and the plain service is used", () => {
    expect(chooseRoute(http, proxy({ [CLUSTER]: "c3" }), 5000, req)).toEqual({ kind: "no-route-for-proxy" });
  });

  it("a route applies to the proxy but its request match does not hold: Envoy has routes and answers 404", () => {
    const byUri = [{ match: [{ sourceLabels: { [CLUSTER]: "c1" }, uri: { prefix: "/api" } }], route: [toSubset("c1")] }];
    expect(chooseRoute(byUri, proxy({ [CLUSTER]: "c1" }), 5000, req)).toEqual({ kind: "no-match" });
    const hello = [{ match: [{ uri: { exact: "/HELLO" }, ignoreUriCase: true, method: { exact: "GET" } }], route: [toSubset("c1")] }];
    expect(chooseRoute(hello, proxy({}), 5000, req)).toEqual({ kind: "route", index: 0, match: 0 });
  });

  it("a route without match takes everything and ends the list; routes are tried in order", () => {
    const http2 = [{ route: [toSubset("all")] }, ...http];
    expect(chooseRoute(http2, proxy({ [CLUSTER]: "c2" }), 5000, req)).toEqual({ kind: "route", index: 0 });
  });

  it("with `gateways` set, sourceLabels are not looked at (sourceMatchHTTP); without \"mesh\" a sidecar never matches", () => {
    const mesh = [{ match: [{ gateways: ["mesh"], sourceLabels: { [CLUSTER]: "nowhere" } }], route: [toSubset("c1")] }];
    expect(chooseRoute(mesh, proxy({ [CLUSTER]: "c1" }), 5000, req)).toEqual({ kind: "route", index: 0, match: 0 });
    const ingress = [{ match: [{ gateways: ["istio-system/ingress"] }], route: [toSubset("c1")] }];
    expect(chooseRoute(ingress, proxy({}), 5000, req)).toEqual({ kind: "no-route-for-proxy" });
  });

  it("sourceNamespace and a port other than the service's drop the match", () => {
    const ns = [{ match: [{ sourceNamespace: "other" }], route: [toSubset("c1")] }];
    expect(chooseRoute(ns, proxy({}, "sample"), 5000, req)).toEqual({ kind: "no-route-for-proxy" });
    expect(chooseRoute(ns, proxy({}, "other"), 5000, req).kind).toBe("route");
    const port = [{ match: [{ port: 9080 }], route: [toSubset("c1")] }];
    expect(chooseRoute(port, proxy({}), 5000, req)).toEqual({ kind: "no-route-for-proxy" });
  });

  it("StringMatch: exact, prefix, a regex that must match the whole value (RE2 full match), headers the probe lacks", () => {
    expect(stringMatches({ regex: "/hel+o" }, "/hello")).toBe(true);
    expect(stringMatches({ regex: "/hel" }, "/hello")).toBe(false);
    expect(stringMatches({ prefix: "/he" }, "/hello")).toBe(true);
    expect(stringMatches({ exact: "x" }, undefined)).toBe(false);
    const hdr = [{ match: [{ headers: { "x-user": { exact: "jason" } } }], route: [toSubset("c1")] }];
    expect(chooseRoute(hdr, proxy({}), 5000, req)).toEqual({ kind: "no-match" });
    const without = [{ match: [{ withoutHeaders: { "x-user": { exact: "jason" } } }], route: [toSubset("c1")] }];
    expect(chooseRoute(without, proxy({}), 5000, req).kind).toBe("route");
  });
});

describe("isClusterLocal (pilot/pkg/model/cluster_local.go)", () => {
  const host = "helloworld.sample.svc.cluster.local";
  const setting = (clusterLocal: boolean, ...hosts: string[]) => ({ settings: { clusterLocal }, hosts });

  it("an exact host, a namespace wildcard, or * makes a service cluster-local; nothing listed: mesh-wide", () => {
    expect(isClusterLocal(host, {})).toBe(false);
    expect(isClusterLocal(host, { serviceSettings: [setting(true, host)] })).toBe(true);
    expect(isClusterLocal(host, { serviceSettings: [setting(true, "*.sample.svc.cluster.local")] })).toBe(true);
    expect(isClusterLocal(host, { serviceSettings: [setting(true, "*")] })).toBe(true);
    expect(isClusterLocal(host, { serviceSettings: [setting(true, "*.other.svc.cluster.local")] })).toBe(false);
  });

  it("the exact host beats a wildcard; the longest wildcard beats a shorter one", () => {
    expect(isClusterLocal(host, { serviceSettings: [setting(true, "*"), setting(false, host)] })).toBe(false);
    expect(isClusterLocal(host, { serviceSettings: [setting(true, "*"), setting(false, "*.sample.svc.cluster.local")] })).toBe(false);
    expect(isClusterLocal(host, { serviceSettings: [setting(false, "*"), setting(true, "*.svc.cluster.local")] })).toBe(true);
  });

  it("kube-system is cluster-local by default, unless serviceSettings says false for it", () => {
    expect(isClusterLocal("dns.kube-system.svc.cluster.local", {})).toBe(true);
    expect(isClusterLocal("dns.kube-system.svc.cluster.local", { serviceSettings: [setting(false, "*.kube-system.svc.cluster.local")] })).toBe(false);
  });
});

describe("predictRouted", () => {
  const ep = (locality: string, cluster: string, count = 1) => ({ locality, count, labels: { [CLUSTER]: cluster, "topology.istio.io/network": "n1" } });
  const base = { endpoints: [ep("r1/z1", "c1"), ep("r1/z2", "c1"), ep("r2/z3", "c2"), ep("r2/z4", "c2")], localityLbSetting: { enabled: false }, outlierDetection: false as const };
  const routing = (over: Partial<ServiceRouting> = {}): ServiceRouting => ({
    service: "helloworld",
    namespace: "sample",
    port: 5000,
    trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: false } } },
    subsets: [
      { name: "c1", labels: { [CLUSTER]: "c1" } },
      { name: "c2", labels: { [CLUSTER]: "c2" } },
    ],
    clusterLocal: false,
    ...over,
  });
  const client = (cluster: string, locality: string) => ({ locality, cluster, network: "n1", namespace: "sample", podLabels: { app: "sleep" } });

  it("weights split across subsets; each subset keeps only its endpoints (topology.istio.io/cluster, added by istiod)", () => {
    const http = [{ name: "split", route: [toSubset("c1", 80), toSubset("c2", 20)] }];
    const r = predictRouted(base, routing({ http }), client("c1", "r1/z1"));
    expect(r.shares).toEqual({ "r1/z1": 0.4, "r1/z2": 0.4, "r2/z3": 0.1, "r2/z4": 0.1 });
    expect(r.decision).toMatchObject({ kind: "route", route: { index: 0, name: "split" }, destinations: [{ subset: "c1", weight: 0.8 }, { subset: "c2", weight: 0.2 }] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["route", "subset", "subset"]);
    expect(r.diagnostics[0].message).toMatch(/VirtualService helloworld http\[0\] "split" decides/);
  });

  it("a weight-0 destination is left out and Envoy splits by the rest (route.go); one destination takes all whatever its weight", () => {
    const zero = predictRouted(base, routing({ http: [{ route: [toSubset("c1", 0), toSubset("c2", 50)] }] }), client("c1", "r1/z1"));
    expect(zero.shares).toEqual({ "r2/z3": 0.5, "r2/z4": 0.5 });
    const one = predictRouted(base, routing({ http: [{ route: [toSubset("c2", 30)] }] }), client("c1", "r1/z1"));
    expect(one.decision.destinations.map((d) => d.weight)).toEqual([1]);
  });

  it("subsets also select on the demo pods' own labels (version) and Istio's region/zone labels", () => {
    const subsets = [{ name: "z2", labels: { version: "r1.z2" } }, { name: "r2", labels: { "topology.kubernetes.io/region": "r2" } }];
    expect(predictRouted(base, routing({ subsets, http: [{ route: [toSubset("z2")] }] }), client("c1", "r1/z1")).shares).toEqual({ "r1/z2": 1 });
    expect(predictRouted(base, routing({ subsets, http: [{ route: [toSubset("r2")] }] }), client("c1", "r1/z1")).shares).toEqual({ "r2/z3": 0.5, "r2/z4": 0.5 });
  });

  it("clusterLocal: only the client's own cluster's endpoints; when they are gone, every request fails", () => {
    const local = routing({ clusterLocal: true, subsets: [] });
    expect(predictRouted(base, local, client("c2", "r2/z3")).shares).toEqual({ "r2/z3": 0.5, "r2/z4": 0.5 });
    const gone = { ...base, endpoints: base.endpoints.filter((e) => e.labels[CLUSTER] !== "c1") };
    const r = predictRouted(gone, local, client("c1", "r1/z1"));
    expect(r.shares).toEqual({});
    expect(r.diagnostics.map((d) => d.code)).toEqual(["cluster-local", "no-endpoints"]);
  });

  it("a subset's trafficPolicy replaces the rule's loadBalancer whole (MergeTrafficPolicy)", () => {
    const top = { loadBalancer: { localityLbSetting: { enabled: false } }, outlierDetection: { interval: "1s" } };
    expect(mergeSubsetPolicy(top, { loadBalancer: { simple: "RANDOM" } })).toEqual({ loadBalancer: { simple: "RANDOM" }, outlierDetection: { interval: "1s" } });
    // The rule's outlierDetection stays (failover on); the subset's loadBalancer replaces enabled: false.
    const preferLocal = { name: "all", trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: true } } } };
    const withOd = routing({ trafficPolicy: top, subsets: [preferLocal, { name: "plain" }] });
    expect(predictRouted(base, { ...withOd, http: [{ route: [toSubset("all")] }] }, client("c1", "r1/z1")).shares).toEqual({ "r1/z1": 1 });
    expect(predictRouted(base, { ...withOd, http: [{ route: [toSubset("plain")] }] }, client("c1", "r1/z1")).shares).toEqual({ "r1/z1": 0.25, "r1/z2": 0.25, "r2/z3": 0.25, "r2/z4": 0.25 });
  });

  it("no route for this client: the plain service; a subset the rule lacks: its share fails (503, no cluster)", () => {
    const http = [{ match: [{ sourceLabels: { [CLUSTER]: "c2" } }], route: [toSubset("c2")] }];
    const r = predictRouted(base, routing({ http }), client("c1", "r1/z1"));
    expect(r.decision.kind).toBe("default");
    expect(r.shares).toEqual({ "r1/z1": 0.25, "r1/z2": 0.25, "r2/z3": 0.25, "r2/z4": 0.25 });
    const missing = predictRouted(base, routing({ http: [{ route: [toSubset("c1", 50), toSubset("gone", 50)] }] }), client("c1", "r1/z1"));
    expect(missing.shares).toEqual({ "r1/z1": 0.25, "r1/z2": 0.25 });
    expect(missing.diagnostics.some((d) => d.code === "unknown-subset")).toBe(true);
  });

  it("proxy labels: the pod's own, region/zone/subzone, cluster and network, as istiod sets them (xds/ads.go)", () => {
    expect(proxyLabels({ ...client("c1", "r1/z1/s1"), podLabels: { app: "sleep" } })).toEqual({
      app: "sleep",
      "topology.kubernetes.io/region": "r1",
      "topology.kubernetes.io/zone": "z1",
      "topology.istio.io/subzone": "s1",
      [CLUSTER]: "c1",
      "topology.istio.io/network": "n1",
    });
  });
});

describe("plan keys", () => {
  const a = { name: "sleep", namespace: "sample", locality: "r/z1", cluster: "c1" };
  const b = { name: "sleep", namespace: "other", locality: "r/z1", cluster: "c2" };
  const c = { name: "curl", namespace: "sample", locality: "r/z1", cluster: "c2" };

  it("the locality when every client there gets the same plan (the old shape)", () => {
    const keys = assignPlanKeys([a, b], () => "same");
    expect([keys.get(a), keys.get(b)]).toEqual(["r/z1", "r/z1"]);
  });

  it("locality@cluster when clusters differ; the client's name too where one cluster holds differing clients", () => {
    const keys = assignPlanKeys([a, b, c], (x) => (x === a ? "A" : x === b ? "B" : "C"));
    expect([keys.get(a), keys.get(b), keys.get(c)]).toEqual(["r/z1@c1", "r/z1@c2/other/sleep", "r/z1@c2/sample/curl"]);
    expect(planKeyFor({ "r/z1@c1": {}, "r/z1": {} }, a)).toBe("r/z1@c1");
    expect(planKeyFor({ "r/z1": {} }, b)).toBe("r/z1");
    expect(planKeyFor({ diagnostics: {} }, b)).toBeUndefined();
  });
});
