/**
 * Parsing what `pilot-agent request GET <path>` prints from a sidecar: /stats counters and their deltas,
 * /clusters hosts (JSON and text), and /config_dump?include_eds's node locality and load assignment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  counterDeltas,
  outboundCluster,
  parseClustersJson,
  parseClustersText,
  parseEdsDump,
  parseStats,
  statsPath,
  sumHostStat,
  summariseHosts,
} from "../../scripts/lib/envoy";

const fixture = (name: string) => fs.readFileSync(path.resolve(__dirname, "../fixtures/envoy", name), "utf8");
const CLUSTER = outboundCluster("helloworld", "sample", 5000);

describe("counters", () => {
  it("names Istio's outbound cluster and asks /stats for its three counters, URL-encoded", () => {
    expect(CLUSTER).toBe("outbound|5000||helloworld.sample.svc.cluster.local");
    const p = statsPath(CLUSTER);
    expect(p.startsWith("stats?filter=")).toBe(true);
    expect(p).not.toMatch(/[|\\^$ ]/);
    expect(decodeURIComponent(p.slice("stats?filter=".length))).toBe(
      "^cluster\\.outbound\\|5000\\|\\|helloworld\\.sample\\.svc\\.cluster\\.local;?\\.(upstream_rq_retry|upstream_cx_connect_fail|upstream_rq_timeout)$",
    );
  });

  it("the /stats filter matches Istio's real stat names (`;` after the cluster name) and the bare form, nothing else", () => {
    const filter = new RegExp(decodeURIComponent(statsPath(CLUSTER).slice("stats?filter=".length)));
    const names = fixture("stats-istio.txt").split("\n").map((l) => l.split(": ")[0]).filter((n) => n !== "");
    expect(names.filter((n) => filter.test(n))).toEqual([
      "cluster.outbound|5000||helloworld.sample.svc.cluster.local;.upstream_rq_retry",
      "cluster.outbound|5000||helloworld.sample.svc.cluster.local;.upstream_cx_connect_fail",
      "cluster.outbound|5000||helloworld.sample.svc.cluster.local;.upstream_rq_timeout",
    ]);
    expect(filter.test("cluster.outbound|5000||helloworld.sample.svc.cluster.local.upstream_rq_retry")).toBe(true);
    const kube = new RegExp(decodeURIComponent(statsPath("outbound|443||kubernetes.default.svc.cluster.local").slice("stats?filter=".length)));
    expect(names.filter((n) => kube.test(n))).toEqual(["cluster.outbound|443||kubernetes.default.svc.cluster.local;.upstream_rq_retry"]);
  });

  it("reads Istio's `;`-delimited cluster stats (pkg/bootstrap instance_test.go names)", () => {
    expect(parseStats(fixture("stats-istio.txt"), CLUSTER)).toEqual({ upstream_rq_retry: 12, upstream_cx_connect_fail: 3, upstream_rq_timeout: 0 });
    expect(parseStats(fixture("stats-istio.txt"), "outbound|443||api.facebook.com")).toEqual({ upstream_rq_retry: 2 });
    expect(parseStats(fixture("stats-istio.txt"), "xds-grpc")).toEqual({ upstream_rq_retry: 7 });
  });

  it("reads only that cluster's counters", () => {
    expect(parseStats(fixture("stats.txt"), CLUSTER)).toEqual({ upstream_rq_retry: 12, upstream_cx_connect_fail: 3, upstream_rq_timeout: 0 });
    expect(parseStats(fixture("stats.txt"), outboundCluster("nothing", "sample", 1))).toEqual({});
  });

  it("reports before, after and the increase; a counter missing on one side has no delta", () => {
    expect(counterDeltas({ upstream_rq_retry: 12, upstream_cx_connect_fail: 3 }, { upstream_rq_retry: 15, upstream_cx_connect_fail: 3, upstream_rq_timeout: 1 })).toEqual([
      { counter: "upstream_cx_connect_fail", before: 3, after: 3, delta: 0 },
      { counter: "upstream_rq_retry", before: 12, after: 15, delta: 3 },
      { counter: "upstream_rq_timeout", after: 1 },
    ]);
  });
});

describe("/clusters", () => {
  const expected = [
    { locality: "region1/zone1", priority: 0, weight: 1, healthy: true, health: "healthy" },
    { locality: "region1/zone1", priority: 0, weight: 1, healthy: true, health: "healthy" },
    { locality: "region1/zone2", priority: 0, weight: 1, healthy: true, health: "healthy" },
    { locality: "region3/zone4/rack7", priority: 1, weight: 1, healthy: true, health: "healthy" },
    { locality: "region3/zone4/rack7", priority: 1, weight: 1, healthy: false, health: "/failed_outlier_check" },
  ];

  it("JSON: each host's locality, priority, weight and health (an ejected host is unhealthy)", () => {
    const hosts = parseClustersJson(fixture("clusters.json"), CLUSTER);
    expect(hosts?.map(({ locality, priority, weight, healthy, health }) => ({ locality, priority, weight, healthy, health }))).toEqual(expected);
    expect(hosts?.[0].address).toBe("10.10.0.5:5000");
    expect(sumHostStat(hosts ?? [], "cx_connect_fail")).toBe(10);
    expect(parseClustersJson(fixture("clusters.json"), "outbound|1||none")).toBeUndefined();
  });

  it("text: the same hosts from the `<cluster>::<host>::<field>::<value>` lines", () => {
    const hosts = parseClustersText(fixture("clusters.txt"), CLUSTER);
    expect(hosts?.map(({ locality, priority, weight, healthy, health }) => ({ locality, priority, weight, healthy, health }))).toEqual(expected);
    expect(hosts?.[0].stats).toMatchObject({ cx_connect_fail: 0, rq_total: 3 });
    expect(parseClustersText(fixture("clusters.txt"), "outbound|1||none")).toBeUndefined();
  });

  it("groups hosts by priority and locality", () => {
    expect(summariseHosts(parseClustersJson(fixture("clusters.json"), CLUSTER) ?? [])).toEqual([
      { locality: "region1/zone1", priority: 0, weight: null, endpoints: 2, healthy: 2 },
      { locality: "region1/zone2", priority: 0, weight: null, endpoints: 1, healthy: 1 },
      { locality: "region3/zone4/rack7", priority: 1, weight: null, endpoints: 2, healthy: 1 },
    ]);
  });
});

describe("/config_dump?include_eds", () => {
  it("the node locality and the programmed assignment: priorities, locality weights, healthy counts", () => {
    expect(parseEdsDump(fixture("config_dump_include_eds.json"), CLUSTER)).toEqual({
      nodeLocality: "region1/zone1",
      assignment: [
        { locality: "region1/zone1", priority: 0, weight: 70, endpoints: 2, healthy: 2 },
        { locality: "region1/zone2", priority: 0, weight: 20, endpoints: 1, healthy: 1 },
        { locality: "region3/zone4/rack7", priority: 1, weight: 10, endpoints: 2, healthy: 1 },
      ],
    });
  });

  it("a sidecar without locality has node locality ''; an unknown cluster has no assignment", () => {
    const doc = JSON.parse(fixture("config_dump_include_eds.json")) as { configs: { bootstrap?: { node: { locality?: unknown } } }[] };
    delete doc.configs[0].bootstrap?.node.locality;
    expect(parseEdsDump(JSON.stringify(doc), "outbound|1||none")).toEqual({ nodeLocality: "" });
  });

  it("unset locality weights and health statuses read as null and healthy (Envoy's defaults)", () => {
    const doc = {
      configs: [
        {
          "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
          dynamic_endpoint_configs: [{ endpoint_config: { cluster_name: CLUSTER, endpoints: [{ locality: { region: "r", zone: "z" }, lb_endpoints: [{}, { health_status: "DRAINING" }] }] } }],
        },
      ],
    };
    expect(parseEdsDump(JSON.stringify(doc), CLUSTER).assignment).toEqual([{ locality: "r/z", priority: 0, weight: null, endpoints: 2, healthy: 1 }]);
  });
});
