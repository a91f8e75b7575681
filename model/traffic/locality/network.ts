// Split-horizon EDS across Istio networks (istio release-1.31 pilot/pkg/xds/endpoints/ep_filters.go,
// EndpointsByNetworkFilter) and Envoy's handling of the duplicate gateway hosts it produces
// (envoy source/extensions/clusters/eds/eds.cc, updateLocalityEndpoints: "only the first one will be retained").
import { TOPOLOGY_LABELS } from "./parse";
import type { EndpointSet, LbGroup } from "./rewrite";

/** An east-west gateway: the network and cluster it serves, where its pod runs, and its address. */
export interface NetworkGateway {
  network: string;
  cluster: string;
  /** The gateway pod's locality: it decides the second hop. */
  locality: string;
  /** Envoy deduplicates hosts by address; distinct gateways need distinct addresses. @default `<network>/<cluster>` */
  address?: string;
}

/** Where a proxy sits, as istiod sees it (`ISTIO_META_NETWORK`, `ISTIO_META_CLUSTER_ID`). */
export interface ProxyPlace {
  network?: string;
  cluster?: string;
}

export function gatewayAddress(gw: NetworkGateway): string {
  return gw.address ?? `${gw.network}/${gw.cluster}`;
}

// model.IsSameOrEmpty: an empty network on either side counts as the same network.
export function sameNetwork(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a === b;
}

/**
 * GetLBWeightScaleFactor (pilot/pkg/model/network.go): the least common multiple of the number of gateways per
 * network and per network+cluster. Every endpoint weight is multiplied by it so a weight splits evenly.
 */
export function weightScaleFactor(gateways: NetworkGateway[]): number {
  const count = (key: (g: NetworkGateway) => string) => {
    const m = new Map<string, Set<string>>();
    for (const g of gateways) m.set(key(g), (m.get(key(g)) ?? new Set()).add(gatewayAddress(g)));
    return [...m.values()].map((s) => s.size);
  };
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return [...count((g) => g.network), ...count((g) => `${g.network}\n${g.cluster}`)].reduce((l, n) => (l * n) / gcd(l, n), 1);
}

// selectNetworkGateways: the gateways of the endpoint's network and cluster, else every gateway of its network.
function gatewaysFor(gateways: NetworkGateway[], network: string, cluster: string): NetworkGateway[] {
  const own = gateways.filter((g) => g.network === network && g.cluster === cluster);
  const pick = own.length > 0 ? own : gateways.filter((g) => g.network === network);
  // Several entries for one address are one gateway (NetworkGatewaySet); SortGateways orders by address.
  const unique = new Map(pick.map((g) => [gatewayAddress(g), g]));
  return [...unique.values()].sort(byAddress);
}

// SortGateways: by IP string, then by port number ("2.2.2.2:80" before "2.2.2.20:80").
function byAddress(a: NetworkGateway, b: NetworkGateway): number {
  const split = (g: NetworkGateway) => {
    const m = /^(.*):(\d+)$/.exec(gatewayAddress(g));
    return m ? { ip: m[1] ?? "", port: Number(m[2]) } : { ip: gatewayAddress(g), port: 0 };
  };
  const x = split(a);
  const y = split(b);
  if (x.ip !== y.ip) return x.ip < y.ip ? -1 : 1;
  return x.port - y.port;
}

/**
 * EndpointsByNetworkFilter for a sidecar, after EDS grouping and BEFORE the locality rewrite. Without gateways,
 * nothing changes (multi-network is off). Otherwise every weight is scaled; an endpoint on the proxy's network,
 * or on a network without a gateway, stays; any other endpoint is replaced, per locality group, by ONE host per
 * gateway weighing the replaced endpoints' weights (not-ready ones too: the filter does not look at health),
 * always healthy, labelled only with cluster and network (AugmentLabels with no locality). A proxy with no
 * network goes through the gateway for any endpoint whose network has one (1.30+, #58613). Group weight = sum of host weights.
 */
export function endpointsByNetworkFilter(
  groups: LbGroup[],
  proxy: ProxyPlace,
  gateways: NetworkGateway[],
  opts: { forceGatewayWithoutNetwork: boolean } = { forceGatewayWithoutNetwork: true },
): LbGroup[] {
  if (gateways.length === 0) return groups;
  const scale = weightScaleFactor(gateways);
  return groups.map((group) => {
    const direct: EndpointSet[] = [];
    const viaGateway = new Map<string, { gw: NetworkGateway; weight: number; stands: EndpointSet[] }>();
    for (const set of group.endpoints) {
      const weight = Math.min(2 ** 32 - 1, set.weight * scale);
      const network = set.network ?? "";
      const gws = gatewaysFor(gateways, network, set.cluster ?? "");
      const forceGateway = opts.forceGatewayWithoutNetwork && !proxy.network && network !== "" && gws.length > 0;
      if (!forceGateway && (sameNetwork(network, proxy.network) || gws.length === 0)) {
        direct.push({ ...set, weight });
        continue;
      }
      // splitWeightAmongGateways: integer division, per endpoint.
      const share = Math.floor(weight / gws.length);
      for (const gw of gws) {
        const entry = viaGateway.get(gatewayAddress(gw)) ?? { gw, weight: 0, stands: [] };
        entry.weight += share * set.count;
        entry.stands.push(set);
        viaGateway.set(gatewayAddress(gw), entry);
      }
    }
    const hosts = [...viaGateway.values()]
      .sort((a, b) => byAddress(a.gw, b.gw))
      .map(({ gw, weight, stands }, n): EndpointSet => ({
        index: direct.reduce((k, s) => k + s.count, 0) + n,
        labels: { [TOPOLOGY_LABELS.cluster]: gw.cluster, [TOPOLOGY_LABELS.network]: gw.network },
        weight: weight === 0 ? 1 : weight,
        count: 1,
        healthy: 1,
        network: gw.network,
        cluster: gw.cluster,
        gateway: { ...gw, address: gatewayAddress(gw), standsFor: stands.reduce((k, s) => k + s.count, 0) },
      }));
    const endpoints = [...direct, ...hosts];
    const weight = endpoints.length === 0 ? null : endpoints.reduce((w, s) => w + s.weight * s.count, 0);
    return { ...group, weight, endpoints };
  });
}

/** A gateway host Envoy dropped as a duplicate: where it was, and the weight it carried. */
export interface DroppedGatewayCopy {
  locality: string;
  priority: number;
  address: string;
  weight: number;
  standsFor: number;
  keptIn: string;
}

/**
 * Envoy's EDS update keeps the first host of each address in assignment order (across localities and
 * priorities) and ignores later ones (istio#56355, envoyproxy/envoy#23445). Only gateway hosts repeat here.
 */
export function dedupeHosts(groups: LbGroup[]): { groups: LbGroup[]; dropped: DroppedGatewayCopy[] } {
  const seen = new Map<string, string>();
  const dropped: DroppedGatewayCopy[] = [];
  const out = groups.map((g) => ({
    ...g,
    endpoints: g.endpoints.filter((s) => {
      if (!s.gateway) return true;
      const kept = seen.get(s.gateway.address);
      if (kept === undefined) {
        seen.set(s.gateway.address, g.locality);
        return true;
      }
      dropped.push({ locality: g.locality, priority: g.priority, address: s.gateway.address, weight: s.weight, standsFor: s.gateway.standsFor, keptIn: kept });
      return false;
    }),
  }));
  return { groups: out, dropped };
}
