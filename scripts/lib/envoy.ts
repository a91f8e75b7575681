/**
 * Reading a sidecar through `pilot-agent request GET <path>` (Envoy's admin API on localhost:15000, istio/istio
 * pilot/cmd/pilot-agent/app/request.go): counters from `/stats`, hosts from `/clusters` (text or
 * `?format=json`, envoy/admin/v3/clusters.proto), and the programmed load assignment and node locality from
 * `/config_dump?include_eds`. Pure parsing; the formats are Envoy's (source/server/admin/clusters_handler.cc).
 */
import { formatLocality } from "../../model/traffic/locality";
import type { CounterDelta, LocalityEntry } from "../../model/verify/verifyReport";

/** Counters of the outbound cluster whose increase hides a broken path. */
export const COUNTERS = ["upstream_rq_retry", "upstream_cx_connect_fail", "upstream_rq_timeout"] as const;

/** Istio's name for the client-side cluster of a service port. */
export function outboundCluster(service: string, namespace: string, port: number, subset = ""): string {
  return `outbound|${port}|${subset}|${service}.${namespace}.svc.cluster.local`;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The admin path that returns just {@link COUNTERS} of one cluster (the regex is URL-encoded: it holds `|`).
 * Istio sets each cluster's alt_stat_name to `<name>;` (pilot/pkg/networking/util DelimitedStatsPrefix), so
 * Envoy prints `cluster.<name>;.<counter>`; the bare form is accepted too.
 */
export function statsPath(cluster: string): string {
  return `stats?filter=${encodeURIComponent(`^cluster\\.${escapeRegex(cluster)};?\\.(${COUNTERS.join("|")})$`)}`;
}

/**
 * The counters of one cluster from `/stats` text (`cluster.<name>.<counter>: <value>`). A counter Envoy does
 * not print is absent: Istio's default stats inclusion list drops per-cluster stats unless the pod's proxy config
 * includes them (`proxy.istio.io/config` proxyStatsMatcher, which kindmesh sets on its clients; istio/istio
 * pkg/bootstrap/config.go).
 */
export function parseStats(text: string, cluster: string): Record<string, number> {
  // `cluster.<name>;.<counter>` as Istio names it (DelimitedStatsPrefix), or `cluster.<name>.<counter>`.
  const prefixes = [`cluster.${cluster};.`, `cluster.${cluster}.`];
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^(\S+): (\d+)\s*$/.exec(line.trim());
    const prefix = m ? prefixes.find((p) => m[1].startsWith(p)) : undefined;
    if (!m || prefix === undefined) continue;
    const counter = m[1].slice(prefix.length);
    if ((COUNTERS as readonly string[]).includes(counter)) out[counter] = Number(m[2]);
  }
  return out;
}

/** Before/after of each counter; a counter missing on either side has no delta. */
export function counterDeltas(before: Record<string, number>, after: Record<string, number>): CounterDelta[] {
  // The cluster's own counters first, then the per-host sums (`hosts.*`).
  return Object.keys({ ...before, ...after })
    .sort((a, b) => Number(a.startsWith("hosts.")) - Number(b.startsWith("hosts.")) || a.localeCompare(b))
    .map((counter) => {
      const b = before[counter];
      const a = after[counter];
      return { counter, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}), ...(a !== undefined && b !== undefined ? { delta: a - b } : {}) };
    });
}

/** One upstream host of a cluster as `/clusters` shows it. */
export interface EnvoyHost {
  address: string;
  locality: string;
  priority: number;
  weight: number;
  healthy: boolean;
  /** "healthy", or the failing flags (e.g. "/failed_outlier_check"). */
  health: string;
  stats: Record<string, number>;
}

interface JsonHost {
  address?: { socket_address?: { address?: string; port_value?: number } };
  stats?: { name?: string; value?: string | number }[];
  health_status?: Record<string, unknown>;
  weight?: number;
  priority?: number;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

/** Hosts of one cluster from `/clusters?format=json`; undefined when Envoy has no such cluster. */
export function parseClustersJson(text: string, cluster: string): EnvoyHost[] | undefined {
  const doc = JSON.parse(text) as { cluster_statuses?: { name?: string; host_statuses?: JsonHost[] }[] };
  const status = doc.cluster_statuses?.find((c) => c.name === cluster);
  if (!status) return undefined;
  return (status.host_statuses ?? []).map((h) => {
    const flags = Object.entries(h.health_status ?? {}).filter(([k, v]) => k !== "eds_health_status" && v === true).map(([k]) => k);
    const eds = h.health_status?.eds_health_status;
    // EDS UNKNOWN (omitted) and HEALTHY both count as healthy in Envoy.
    if (typeof eds === "string" && eds !== "HEALTHY" && eds !== "UNKNOWN") flags.push(`eds_${eds.toLowerCase()}`);
    const sa = h.address?.socket_address;
    return {
      address: `${sa?.address ?? "?"}:${sa?.port_value ?? "?"}`,
      locality: formatLocality({ region: h.locality?.region ?? "", zone: h.locality?.zone ?? "", subzone: h.locality?.sub_zone ?? "" }),
      priority: h.priority ?? 0,
      weight: h.weight ?? 1,
      healthy: flags.length === 0,
      health: flags.length === 0 ? "healthy" : flags.map((f) => `/${f}`).join(""),
      stats: Object.fromEntries((h.stats ?? []).map((s) => [s.name ?? "", Number(s.value ?? 0)])),
    };
  });
}

/** Hosts of one cluster from the `/clusters` text format (`<cluster>::<host>::<field>::<value>`). */
export function parseClustersText(text: string, cluster: string): EnvoyHost[] | undefined {
  const hosts = new Map<string, Record<string, string>>();
  let seen = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${cluster}::`)) continue;
    seen = true;
    const parts = line.slice(cluster.length + 2).split("::");
    if (parts.length !== 3 || !/^[\d.[\]:a-f]+:\d+$/i.test(parts[0])) continue;
    const host = hosts.get(parts[0]) ?? {};
    host[parts[1]] = parts[2];
    hosts.set(parts[0], host);
  }
  if (!seen) return undefined;
  const numeric = /^\d+$/;
  return [...hosts].map(([address, f]) => ({
    address,
    locality: formatLocality({ region: f.region ?? "", zone: f.zone ?? "", subzone: f.sub_zone ?? "" }),
    priority: Number(f.priority ?? 0),
    weight: Number(f.weight ?? 1),
    healthy: f.health_flags === "healthy",
    health: f.health_flags ?? "unknown",
    stats: Object.fromEntries(Object.entries(f).filter(([k, v]) => numeric.test(v) && !["priority", "weight"].includes(k)).map(([k, v]) => [k, Number(v)])),
  }));
}

/** Hosts grouped by locality and priority (weight = sum of host weights; `/clusters` has no locality weight). */
export function summariseHosts(hosts: EnvoyHost[]): LocalityEntry[] {
  const groups = new Map<string, LocalityEntry>();
  for (const h of hosts) {
    const key = `${h.priority}\u0000${h.locality}`;
    const g = groups.get(key) ?? { locality: h.locality, priority: h.priority, weight: null, endpoints: 0, healthy: 0 };
    g.endpoints += 1;
    g.healthy += h.healthy ? 1 : 0;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.priority - b.priority || a.locality.localeCompare(b.locality));
}

/** Sum of one per-host counter over hosts (per-host stats are always on, unlike the cluster's). */
export function sumHostStat(hosts: EnvoyHost[], stat: string): number {
  return hosts.reduce((s, h) => s + (h.stats[stat] ?? 0), 0);
}

interface EdsLocality {
  locality?: { region?: string; zone?: string; sub_zone?: string };
  lb_endpoints?: { health_status?: string }[];
  load_balancing_weight?: number;
  priority?: number;
}
interface ConfigDump {
  configs?: {
    "@type"?: string;
    bootstrap?: { node?: { locality?: { region?: string; zone?: string; sub_zone?: string } } };
    dynamic_endpoint_configs?: { endpoint_config?: { cluster_name?: string; endpoints?: EdsLocality[] } }[];
  }[];
}

/**
 * From `/config_dump?include_eds`: the sidecar's node locality ("" when it has none) and the load assignment
 * of one cluster as Envoy holds it (undefined when Envoy has no endpoints config for it).
 */
export function parseEdsDump(text: string, cluster: string): { nodeLocality: string; assignment?: LocalityEntry[] } {
  const doc = JSON.parse(text) as ConfigDump;
  const configs = doc.configs ?? [];
  const node = configs.find((c) => c["@type"]?.endsWith("BootstrapConfigDump"))?.bootstrap?.node?.locality ?? {};
  const nodeLocality = formatLocality({ region: node.region ?? "", zone: node.zone ?? "", subzone: node.sub_zone ?? "" });
  const cla = configs
    .filter((c) => c["@type"]?.endsWith("EndpointsConfigDump"))
    .flatMap((c) => c.dynamic_endpoint_configs ?? [])
    .map((d) => d.endpoint_config)
    .find((e) => e?.cluster_name === cluster);
  if (!cla) return { nodeLocality };
  const assignment = (cla.endpoints ?? []).map((e) => {
    const lbs = e.lb_endpoints ?? [];
    return {
      locality: formatLocality({ region: e.locality?.region ?? "", zone: e.locality?.zone ?? "", subzone: e.locality?.sub_zone ?? "" }),
      priority: e.priority ?? 0,
      weight: e.load_balancing_weight ?? null,
      endpoints: lbs.length,
      // Envoy routes to UNKNOWN (the default, omitted) and HEALTHY endpoints.
      healthy: lbs.filter((l) => l.health_status === undefined || l.health_status === "HEALTHY" || l.health_status === "UNKNOWN").length,
    };
  });
  return { nodeLocality, assignment };
}
