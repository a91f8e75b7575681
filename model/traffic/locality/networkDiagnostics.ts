// Findings about requests that cross an Istio network: what the east-west gateway hides or changes.
import type { DroppedGatewayCopy, NetworkGateway } from "./network";
import { sameNetwork } from "./network";
import { TOPOLOGY_LABELS } from "./parse";
import type { LbGroup } from "./rewrite";
import type { Diagnostic, LocalityLbSetting } from "./types";

interface HopView {
  hosts: { locality: string; share: number; gateway?: { address: string; cluster: string; locality: string; standsFor: number } }[];
  groups: LbGroup[];
  droppedGatewayCopies: DroppedGatewayCopy[];
  effectiveSetting: LocalityLbSetting | null;
  enableFailover: boolean;
  sendNotReady: boolean;
}

interface SecondHopView {
  diagnostics: Diagnostic[];
  shares: Record<string, number>;
}

export interface NetworkDiagnosisInput {
  scenario: {
    client: { locality: string; network?: string };
    endpoints: { locality: string; count: number; healthy?: number; network?: string; cluster?: string }[];
    networkGateways?: NetworkGateway[];
  };
  hop: HopView;
  /** Final shares after both hops. */
  shares: Record<string, number>;
  secondHops: Record<string, SecondHopView>;
  /** The same first hop with every duplicate gateway copy kept (what the DestinationRule is read to promise). */
  intended: () => { hosts: HopView["hosts"]; shares: Record<string, number> };
}

export function networkDiagnostics(d: NetworkDiagnosisInput): Diagnostic[] {
  if ((d.scenario.networkGateways ?? []).length === 0) return [];
  return [...droppedCopies(d), ...failoverPriorityBlind(d), ...notReadyBehindGateway(d), ...noGateway(d), ...secondHop(d)];
}

// istio#56355: one gateway host per locality group, Envoy keeps the first address only.
function droppedCopies(d: NetworkDiagnosisInput): Diagnostic[] {
  const dropped = d.hop.droppedGatewayCopies;
  if (dropped.length === 0) return [];
  const intended = d.intended();
  const byGateway = new Map<string, DroppedGatewayCopy[]>();
  for (const c of dropped) byGateway.set(c.address, [...(byGateway.get(c.address) ?? []), c]);
  return [...byGateway.entries()].flatMap(([address, copies]) => {
    const kept = copies[0]?.keptIn ?? "";
    const gw = d.hop.hosts.find((h) => h.gateway?.address === address)?.gateway;
    const lost = copies.map((c) => `${c.locality} (weight ${c.weight}, ${plural(c.standsFor, "endpoint")})`);
    const predicted = sum(d.hop.hosts.filter((h) => h.gateway?.address === address).map((h) => h.share));
    const meant = sum(intended.hosts.filter((h) => h.gateway?.address === address).map((h) => h.share));
    if (Math.abs(meant - predicted) < 1e-9) return undefined;
    return diag("gateway-duplicate-dropped",
      `Clients in ${d.scenario.client.locality} reach cluster "${gw?.cluster ?? ""}" through the one address of its east-west gateway, and istiod writes one host for it in every locality group that has endpoints there (EndpointsByNetworkFilter, before the locality rewrite). Envoy keeps only the first host of an address in the assignment — the one in ${kept} — and ignores the copies in ${list(lost)} (istio#56355; the fix, istio/istio#60835, is not in Istio 1.31). So the gateway gets ${pct(predicted)} of these requests instead of the ${pct(meant)} the DestinationRule gives it with every copy kept: intended ${summary(intended.hosts)}, which after the gateway's own split would be ${shareSummary(intended.shares)}; predicted ${summary(d.hop.hosts)}, which after the gateway's own split is ${shareSummary(d.shares)}. Remedy: run this service's backends in one locality of cluster "${gw?.cluster ?? ""}", or give each of those localities its own cluster (istiod prefers the gateway of the endpoint's own cluster, selectNetworkGateways, so each gets its own address).`);
  }).filter((x): x is Diagnostic => x !== undefined);
}

// Gateway hosts carry only topology.istio.io/cluster and /network (ep_filters.go, AugmentLabels with no locality).
function failoverPriorityBlind(d: NetworkDiagnosisInput): Diagnostic[] {
  const keys = d.hop.effectiveSetting?.failoverPriority ?? [];
  if (!d.hop.enableFailover || keys.length === 0 || (d.hop.effectiveSetting?.distribute?.length ?? 0) > 0) return [];
  const blind = keys.map((k) => k.split("=")[0] ?? "").filter((k) => k !== TOPOLOGY_LABELS.cluster && k !== TOPOLOGY_LABELS.network);
  const gateways = [...new Set(d.hop.hosts.filter((h) => h.gateway).map((h) => h.gateway?.cluster ?? ""))];
  if (blind.length === 0 || gateways.length === 0) return [];
  return [diag("gateway-failover-priority-unmatched",
    `failoverPriority ranks endpoints by ${list(blind.map((k) => `"${k}"`))}, but the hosts istiod writes for the east-west gateway${gateways.length > 1 ? "s" : ""} of ${list(gateways.map((c) => `"${c}"`))} carry only the cluster and network labels: they never match those keys, whatever locality their pods are in, so every remote endpoint ranks as a mismatch at the first of them (remote zones and regions all tie, however close); only the gateway's second hop applies the rule to its own network's pods.`)];
}

// From 1.31 not-ready pods are sent (UNHEALTHY); behind a gateway their weight counts, their health does not.
function notReadyBehindGateway(d: NetworkDiagnosisInput): Diagnostic[] {
  if (!d.hop.sendNotReady) return [];
  const hidden = d.hop.groups.flatMap((g) => g.endpoints.filter((s) => s.gateway).map((s) => ({ g, s })));
  const remote = d.scenario.endpoints.filter((e) => !sameNetwork(e.network, d.scenario.client.network) && (e.healthy ?? e.count) < e.count);
  if (hidden.length === 0 || remote.length === 0) return [];
  const parts = remote.map((e) => `${e.count - (e.healthy ?? e.count)} of ${e.count} in ${e.locality}`);
  return [diag("not-ready-behind-gateway",
    `Not-ready pods on another network (${list(parts)}) are hidden behind the east-west gateway: istiod adds their weight to the gateway host, which Envoy always sees as one healthy host, so the client's priority health and panic arithmetic count that host, not the pods, and keep sending those pods' share to the gateway; only the gateway's own Envoy sees their health.`)];
}

function noGateway(d: NetworkDiagnosisInput): Diagnostic[] {
  const gws = d.scenario.networkGateways ?? [];
  const networks = [...new Set(d.scenario.endpoints.map((e) => e.network ?? ""))].filter(
    (n) => n !== "" && !sameNetwork(n, d.scenario.client.network) && !gws.some((g) => g.network === n),
  );
  return networks.map((n) => diag("cross-network-without-gateway",
    `Network "${n}" has no east-west gateway, so istiod sends its pod addresses to clients in ${d.scenario.client.locality} as if they were on network "${d.scenario.client.network ?? ""}": the requests are routed to pod IPs the client cannot reach unless the networks are in fact routable.`));
}

function secondHop(d: NetworkDiagnosisInput): Diagnostic[] {
  const via = d.hop.hosts.filter((h) => h.gateway && h.share > 0);
  if (via.length === 0) return [];
  const out: Diagnostic[] = [];
  const byAddress = new Map<string, number>();
  for (const h of via) byAddress.set(h.gateway?.address ?? "", (byAddress.get(h.gateway?.address ?? "") ?? 0) + h.share);
  for (const [address, share] of byAddress) {
    const gw = via.find((h) => h.gateway?.address === address)?.gateway;
    out.push(diag("second-hop",
      `${pct(share)} of requests from ${d.scenario.client.locality} go to the east-west gateway of cluster "${gw?.cluster ?? ""}", ${gw?.locality ? `whose pod runs in ${gw.locality}: it splits them again under the same DestinationRule, as a client in ${gw.locality}` : "whose pod's locality is not known (this prediction gives it none): it splits them again under the same DestinationRule, as a client there"} that sees only its own network's endpoints. It passes each mTLS connection through by SNI, so it chooses a pod per connection, not per request: the predicted shares hold over many connections.`));
    // A gateway whose network serves one locality cannot split: its own findings change nothing then.
    const second = d.secondHops[address];
    const served = Object.values(second?.shares ?? {});
    const splits = served.length > 1 || served.reduce((a, b) => a + b, 0) < 1 - 1e-9;
    for (const sd of splits ? second?.diagnostics ?? [] : []) {
      out.push(diag(`second-hop-${sd.code}`, `At the east-west gateway of cluster "${gw?.cluster ?? ""}" (${gw?.locality ?? ""}): ${sd.message}`));
    }
  }
  return out;
}

function summary(hosts: HopView["hosts"]): string {
  const m = new Map<string, number>();
  for (const h of hosts) {
    if (h.share <= 0) continue;
    const key = h.gateway ? `${h.locality} via gateway` : h.locality;
    m.set(key, (m.get(key) ?? 0) + h.share);
  }
  return [...m.entries()].map(([k, v]) => `${k} ${pct(v)}`).join(", ") || "nothing";
}

function shareSummary(shares: Record<string, number>): string {
  return Object.entries(shares).map(([l, v]) => `${l} ${pct(v)}`).join(", ") || "every request fails";
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

function diag(code: string, message: string): Diagnostic {
  return { code, message };
}
