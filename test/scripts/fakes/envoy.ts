/**
 * Envoy admin answers in Envoy's documented formats (envoy/admin/v3/clusters.proto, config_dump.proto,
 * source/server/admin/clusters_handler.cc), built from a list of localities, for fakes and fixtures.
 */
import { parseLocality } from "../../../model/traffic/locality";
import type { LocalityEntry } from "../../../model/verify/verifyReport";

const loc = (l: string) => {
  const p = parseLocality(l);
  return { region: p.region, zone: p.zone, ...(p.subzone ? { sub_zone: p.subzone } : {}) };
};

/** Hosts of one locality entry: healthy ones first, then outlier-ejected ones. */
function hosts(e: LocalityEntry, i: number) {
  return Array.from({ length: e.endpoints }, (_, k) => ({ address: `10.${10 + i}.${k}.5`, healthy: k < e.healthy }));
}

/** `/clusters?format=json` with one EDS cluster holding `entries`, plus an unrelated cluster. */
export function clustersJson(cluster: string, entries: LocalityEntry[], hostStats: Record<string, number> = {}): string {
  const hostStatuses = entries.flatMap((e, i) =>
    hosts(e, i).map((h) => ({
      address: { socket_address: { address: h.address, port_value: 5000 } },
      stats: [
        { name: "cx_connect_fail", value: String(hostStats.cx_connect_fail ?? 0) },
        { name: "cx_total", value: "3" },
        { name: "rq_error", value: String(hostStats.rq_error ?? 0) },
        { name: "rq_success", value: "3" },
        { name: "rq_timeout", value: "0" },
        { name: "rq_total", value: "3" },
        { type: "GAUGE", name: "cx_active", value: "1" },
      ],
      health_status: h.healthy ? { eds_health_status: "HEALTHY" } : { failed_outlier_check: true, eds_health_status: "HEALTHY" },
      weight: 1,
      locality: loc(e.locality),
      ...(e.priority > 0 ? { priority: e.priority } : {}),
    })),
  );
  return JSON.stringify(
    {
      cluster_statuses: [
        { name: "BlackHoleCluster", added_via_api: false },
        { name: cluster, added_via_api: true, host_statuses: hostStatuses, eds_service_name: cluster },
      ],
    },
    null,
    1,
  );
}

/** The same cluster in the `/clusters` text format. */
export function clustersText(cluster: string, entries: LocalityEntry[]): string {
  const lines = [
    `${cluster}::observability_name::${cluster}`,
    `${cluster}::outlier::success_rate_average::-1`,
    `${cluster}::default_priority::max_connections::4294967295`,
    `${cluster}::added_via_api::true`,
    `${cluster}::eds_service_name::${cluster}`,
  ];
  entries.forEach((e, i) =>
    hosts(e, i).forEach((h) => {
      const p = parseLocality(e.locality);
      const host = `${h.address}:5000`;
      for (const [k, v] of [["cx_active", 1], ["cx_connect_fail", 0], ["cx_total", 3], ["rq_error", 0], ["rq_total", 3]] as const) lines.push(`${cluster}::${host}::${k}::${v}`);
      lines.push(`${cluster}::${host}::hostname::`);
      lines.push(`${cluster}::${host}::health_flags::${h.healthy ? "healthy" : "/failed_outlier_check"}`);
      lines.push(`${cluster}::${host}::weight::1`);
      lines.push(`${cluster}::${host}::region::${p.region}`, `${cluster}::${host}::zone::${p.zone}`, `${cluster}::${host}::sub_zone::${p.subzone}`);
      lines.push(`${cluster}::${host}::canary::false`, `${cluster}::${host}::priority::${e.priority}`, `${cluster}::${host}::success_rate::-1`);
    }),
  );
  return `${lines.join("\n")}\n`;
}

/** `/config_dump?include_eds`: the bootstrap (node locality) and one ClusterLoadAssignment. */
export function configDump(nodeLocality: string, cluster: string, entries: LocalityEntry[]): string {
  return JSON.stringify(
    {
      configs: [
        {
          "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
          bootstrap: { node: { id: "sidecar~10.10.0.9~sleep-1.sample~sample.svc.cluster.local", cluster: "sleep.sample", ...(nodeLocality ? { locality: loc(nodeLocality) } : {}) } },
        },
        { "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", dynamic_active_clusters: [] },
        {
          "@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
          dynamic_endpoint_configs: [
            {
              endpoint_config: {
                "@type": "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
                cluster_name: cluster,
                endpoints: entries.map((e, i) => ({
                  locality: loc(e.locality),
                  lb_endpoints: hosts(e, i).map((h) => ({
                    endpoint: { address: { socket_address: { address: h.address, port_value: 5000 } } },
                    health_status: h.healthy ? "HEALTHY" : "UNHEALTHY",
                    load_balancing_weight: 1,
                  })),
                  ...(e.weight !== null ? { load_balancing_weight: e.weight } : {}),
                  ...(e.priority > 0 ? { priority: e.priority } : {}),
                })),
                policy: { overprovisioning_factor: 140 },
              },
            },
          ],
        },
      ],
    },
    null,
    1,
  );
}

/**
 * `/stats` text for a cluster's counters, among unrelated lines, named as an Istio sidecar names them: the
 * cluster's alt_stat_name ends in ";" (pilot/pkg/networking/util DelimitedStatsPrefix; pkg/bootstrap
 * instance_test.go checks `cluster.xds-grpc;.upstream_rq_retry`).
 */
export function statsText(cluster: string, counters: Record<string, number>): string {
  return [
    "cluster.xds-grpc;.upstream_rq_retry: 7",
    ...Object.entries(counters).map(([k, v]) => `cluster.${cluster};.${k}: ${v}`),
    `cluster.outbound|9080||other.sample.svc.cluster.local;.upstream_rq_retry: 99`,
    "server.live: 1",
  ].join("\n");
}
