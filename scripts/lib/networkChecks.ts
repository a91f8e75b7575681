/**
 * The east-west gateways and pod routes checks of verify. Both run uninjected probe pods (see
 * probes.ts), so they test the network beneath the mesh: a sidecar would hide a broken route behind retries.
 */
import type { CheckResult } from "../../model/verify/verifyReport";
import type { KubeCluster } from "./client";
import type { Lab } from "./lab";
import { type ConnectTarget, PROBE_IMAGE, PROBE_NAMESPACE, connectScript, parseConnectResults, probeName, splitAddress } from "./probes";

const PROBE_TIMEOUT_MS = 180_000;
/** The gateway ports: cross-network mTLS passthrough, and istiod for remote clusters (expose-istiod.yaml). */
const MTLS_PORT = 15443;
const ISTIOD_PORT = 15012;

async function probe(kube: KubeCluster, targets: ConnectTarget[], nodeName?: string) {
  const out = await kube.runProbe({
    namespace: PROBE_NAMESPACE,
    name: probeName(),
    image: PROBE_IMAGE,
    ...(nodeName ? { nodeName } : {}),
    script: connectScript(targets),
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return parseConnectResults(out, targets);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const failure = (rc: number) => (rc === 7 ? "refused" : rc === 28 ? "timed out" : rc === -1 ? "no answer from the probe" : `curl exit ${rc}`);

/** Check 11: every east-west gateway the topology needs has an address, and the other clusters reach it. */
export async function checkGateways(lab: Lab): Promise<CheckResult> {
  const clusters = lab.outputs.clusters;
  const names = Object.keys(clusters);
  const multiNetwork = new Set(names.map((n) => clusters[n].network)).size > 1;
  const hasRemote = names.some((n) => clusters[n].role === "remote");
  const portsOf = (n: string) => [...(multiNetwork ? [MTLS_PORT] : []), ...(hasRemote && clusters[n].role === "primary" ? [ISTIOD_PORT] : [])];
  const needing = names.filter((n) => portsOf(n).length > 0);
  if (needing.length === 0) {
    return { id: "gateways", title: "east-west gateways", ok: true, details: [], problems: [], skipped: "one network and no remote clusters: no east-west gateway needed" };
  }
  const details: string[] = [];
  const problems: string[] = [];
  const faulty = new Set<string>();
  const targets: { cluster: string; target: ConnectTarget }[] = [];
  for (const n of needing) {
    const address = clusters[n].eastWestGatewayAddress;
    if (!address) {
      problems.push(`${n}: the east-west gateway has no address in the stack outputs${await pendingNote(lab.kube[n])}`);
      faulty.add(n);
      continue;
    }
    details.push(`${n}: east-west gateway at ${address}`);
    // An address with its own port (host:port) names one port; a bare address serves every gateway port.
    for (const port of portsOf(n)) {
      const target = splitAddress(address, port);
      if (!targets.some((t) => t.target.host === target.host && t.target.port === target.port)) targets.push({ cluster: n, target });
    }
  }
  await Promise.all(
    names.map(async (from) => {
      const mine = targets.filter((t) => t.cluster !== from);
      if (mine.length === 0) return;
      try {
        const results = await probe(lab.kube[from], mine.map((t) => t.target));
        results.forEach((r, i) => {
          const to = mine[i].cluster;
          if (r.connected) details.push(`${from} reaches ${to}'s gateway at ${r.host}:${r.port}`);
          else {
            faulty.add(to);
            problems.push(
              `${from} cannot reach ${to}'s east-west gateway at ${r.host}:${r.port} (${failure(r.rc)}): the address must be on the shared Docker network (a MetalLB pool inside its subnet; for NodePort, externalIPs set to a node's container IP, since kind nodes have no ExternalIP)`,
            );
          }
        });
      } catch (err) {
        problems.push(`${from}: could not run a probe pod to test the gateways (${message(err)})`);
      }
    }),
  );
  return { id: "gateways", title: "east-west gateways", ok: problems.length === 0, details: details.sort(), problems: problems.sort(), faultyClusters: [...faulty] };
}

/** Why an address is missing, read from the live Service (EXTERNAL-IP pending = no MetalLB). */
async function pendingNote(kube: KubeCluster): Promise<string> {
  try {
    const svc = (await kube.getJson("service", "istio-system", "istio-eastwestgateway")) as
      | { spec?: { type?: string }; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }
      | undefined;
    if (!svc) return "; there is no Service istio-system/istio-eastwestgateway";
    if (svc.spec?.type === "LoadBalancer" && !(svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip)) {
      return "; its Service's EXTERNAL-IP is <pending>: MetalLB is not installed, or its IPAddressPool is missing or was rejected by MetalLB's webhook";
    }
    return "";
  } catch {
    return "";
  }
}

interface PodTarget extends ConnectTarget {
  cluster: string;
  pod: string;
  node: string;
}

/** One non-hostNetwork pod with a TCP port per node: each node's pod CIDR gets a target. */
async function podTargets(cluster: string, kube: KubeCluster): Promise<PodTarget[]> {
  const pods = await kube.listPods("", "");
  const byNode = new Map<string, PodTarget>();
  for (const p of pods) {
    if (p.phase !== "Running" || p.hostNetwork || p.deleting || !p.podIP || !p.nodeName || p.ports.length === 0 || byNode.has(p.nodeName)) continue;
    byNode.set(p.nodeName, { cluster, pod: `${p.namespace}/${p.name}`, node: p.nodeName, host: p.podIP, port: p.ports[0] });
  }
  return [...byNode.values()];
}

async function nodeNames(kube: KubeCluster): Promise<string[]> {
  const list = (await kube.getJson("nodes", "", "")) as { items?: { metadata?: { name?: string } }[] } | undefined;
  return (list?.items ?? []).map((n) => n.metadata?.name ?? "").filter((n) => n !== "");
}

/** Check 12: from every node of each cluster, a TCP connection reaches pods on every node of its same-network peers. */
export async function checkPodRoutes(lab: Lab): Promise<CheckResult> {
  const clusters = lab.outputs.clusters;
  const names = Object.keys(clusters);
  const peers = (a: string) => names.filter((b) => b !== a && clusters[b].network === clusters[a].network);
  if (names.every((a) => peers(a).length === 0)) {
    return { id: "podRoutes", title: "pod routes", ok: true, details: [], problems: [], skipped: "no two clusters share a network: pods reach other clusters through the gateways" };
  }
  const details: string[] = [];
  const problems: string[] = [];
  const faulty = new Set<string>();
  const targets = new Map<string, PodTarget[]>();
  for (const b of names.filter((n) => peers(n).length > 0)) targets.set(b, await podTargets(b, lab.kube[b]));
  await Promise.all(
    names.map(async (a) => {
      const mine = peers(a).flatMap((b) => targets.get(b) ?? []);
      if (mine.length === 0) return;
      for (const node of await nodeNames(lab.kube[a])) {
        try {
          const results = await probe(lab.kube[a], mine, node);
          results.forEach((r, i) => {
            const t = mine[i];
            if (r.connected) details.push(`${node} (${a}) reaches ${t.pod} on ${t.node} (${t.cluster})`);
            else {
              faulty.add(t.cluster);
              problems.push(
                `${node} (${a}) cannot reach ${t.pod} at ${t.host}:${t.port} on ${t.node} (${t.cluster}) (${failure(r.rc)}): a missing route to ${t.node}'s pod CIDR via its container IP, or pod CIDRs that overlap between ${a} and ${t.cluster}`,
              );
            }
          });
        } catch (err) {
          problems.push(`${a}: could not run a probe pod on node ${node} (${message(err)})`);
        }
      }
    }),
  );
  return { id: "podRoutes", title: "pod routes", ok: problems.length === 0, details: details.sort(), problems: problems.sort(), faultyClusters: [...faulty] };
}
