/**
 * Cross-network hazards found before deploying: the locality model run for every client of a policy, over the
 * backends and east-west gateways this topology will have, and the findings that change where requests go.
 */
import { predictTraffic, type LocalityLbSetting } from "./locality";
import { type Problems, isPlainObject } from "../config/problems";
import { clientCluster } from "../build/plan";
import type { ClientSpec, ClusterSpec, PolicySpec, ServiceSpec } from "../types";

/** The model's codes that deserve a warning at `pulumi preview`: each one moves traffic away from the plan as written. */
const HAZARDS = ["gateway-duplicate-dropped", "gateway-failover-priority-unmatched", "cross-network-without-gateway"];

/**
 * Warns, per client, about what the east-west gateways do to this policy (istio#56355 and friends). Backends
 * and clients are placed as planBackends/planClients place them; gateways as the chart registers them.
 */
export function lintNetworkHazards(
  p: Problems,
  path: string,
  policy: PolicySpec,
  service: ServiceSpec,
  clusters: ClusterSpec[],
  clients: ClientSpec[],
  istioVersion?: string,
): void {
  const networkGateways = clusters
    .filter((c) => c.needsEastWestGateway)
    .map((c) => ({ network: c.network, cluster: c.name, locality: c.eastWestGatewayLocality ?? "" }));
  if (networkGateways.length === 0) return;
  const endpoints = service.localities.flatMap((locality) =>
    clusters
      .filter((c) => c.localities.includes(locality))
      .map((c) => ({ locality, count: service.replicas, cluster: c.name, network: c.network })),
  );
  const lb = policy.trafficPolicy.loadBalancer;
  const setting = isPlainObject(lb) && isPlainObject(lb.localityLbSetting) ? (lb.localityLbSetting as LocalityLbSetting) : undefined;
  const od = policy.trafficPolicy.outlierDetection;
  const outlierDetection = od === undefined ? false : isPlainObject(od) && typeof od.minHealthPercent === "number" ? { minHealthPercent: od.minHealthPercent } : true;
  const seen = new Set<string>();
  for (const client of clients) {
    const cluster = clientCluster(clusters, client);
    const key = `${client.locality}@${cluster?.name ?? ""}`;
    if (!cluster || seen.has(key)) continue;
    seen.add(key);
    const prediction = predictTraffic({
      client: { locality: client.locality, cluster: cluster.name, network: cluster.network },
      endpoints,
      networkGateways,
      localityLbSetting: setting,
      outlierDetection,
      ...(istioVersion ? { istioVersion } : {}),
    });
    for (const d of prediction.diagnostics.filter((x) => HAZARDS.includes(x.code))) p.warn(path, `${d.message} (${d.code})`);
  }
}
