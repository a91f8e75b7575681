/**
 * Reading a client's sidecar: `kubectl exec -c istio-proxy -- pilot-agent request GET <admin path>`, which
 * forwards to Envoy's admin API on localhost:15000 and prints the body as is.
 */
import type { LocalityEntry } from "../../model/verify/verifyReport";
import type { ExecTarget, KubeCluster } from "./client";
import { COUNTERS, type EnvoyHost, parseClustersJson, parseEdsDump, parseStats, statsPath, sumHostStat, summariseHosts } from "./envoy";

const ADMIN_TIMEOUT_MS = 60_000;
/** Per-host counters, always present in `/clusters` (unlike the cluster's own stats, which Istio filters). */
const HOST_COUNTERS = ["cx_connect_fail", "rq_error", "rq_timeout"] as const;

/** GET one Envoy admin path in the pod's istio-proxy container. */
export function envoyAdmin(kube: KubeCluster, pod: ExecTarget, path: string): Promise<string> {
  return kube.exec({ ...pod, container: "istio-proxy" }, ["pilot-agent", "request", "GET", path], ADMIN_TIMEOUT_MS);
}

/** The hosts of one outbound cluster; undefined when Envoy has no such cluster. */
export async function readHosts(kube: KubeCluster, pod: ExecTarget, cluster: string): Promise<EnvoyHost[] | undefined> {
  return parseClustersJson(await envoyAdmin(kube, pod, "clusters?format=json"), cluster);
}

/**
 * The counters of one outbound cluster: the cluster's {@link COUNTERS} when the sidecar exposes them, and the
 * per-host sums from `/clusters` as `hosts.<counter>`.
 */
export async function readCounters(kube: KubeCluster, pod: ExecTarget, cluster: string): Promise<Record<string, number>> {
  const stats = parseStats(await envoyAdmin(kube, pod, statsPath(cluster)), cluster);
  const hosts = (await readHosts(kube, pod, cluster)) ?? [];
  return { ...stats, ...Object.fromEntries(HOST_COUNTERS.map((c) => [`hosts.${c}`, sumHostStat(hosts, c)])) };
}

/** Whether any cluster-level counter was exposed; if not, the retry count is invisible. */
export function clusterCountersExposed(counters: Record<string, number>): boolean {
  return COUNTERS.some((c) => counters[c] !== undefined);
}

/**
 * What the sidecar was programmed with for one cluster: its node locality and the load assignment, from
 * `config_dump?include_eds`; falls back to `/clusters` (no locality weights there) when the dump has no
 * endpoints config for it.
 */
export async function readAssignment(
  kube: KubeCluster,
  pod: ExecTarget,
  cluster: string,
): Promise<{ nodeLocality: string; assignment: LocalityEntry[]; source: string } | undefined> {
  const dump = parseEdsDump(await envoyAdmin(kube, pod, "config_dump?include_eds"), cluster);
  if (dump.assignment) return { nodeLocality: dump.nodeLocality, assignment: dump.assignment, source: "config_dump?include_eds" };
  const hosts = await readHosts(kube, pod, cluster);
  return hosts ? { nodeLocality: dump.nodeLocality, assignment: summariseHosts(hosts), source: "clusters" } : undefined;
}
