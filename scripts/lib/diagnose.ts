/**
 * Diagnostics for a failing split: what the client's sidecar was actually programmed with, next to what the
 * model says istiod should program (predictTraffic().assignment), explained by `explainSplit`.
 */
import { type CheckResult, type Diagnosis, type LocalityEntry, type PlacementInfo, type SplitResult, explainSplit } from "../../model/verify/verifyReport";
import { outboundCluster } from "./envoy";
import type { Lab } from "./lab";
import { normaliseLocality, predictFor } from "./prediction";
import { planKeyFor } from "../../model/traffic/planKeys";
import { readAssignment } from "./sidecar";
import { clientSelector } from "./split";
import { clientLocality } from "../../model/verify/clientLocality";
import type { KubeCluster } from "./client";

/** Reads the client's sidecar and explains the split; `failed` is the drill's taken-away locality. */
export async function diagnoseSplit(lab: Lab, split: SplitResult, checks: CheckResult[], failed?: string): Promise<Diagnosis> {
  const { workloads, trafficModel, trafficPlan, clusters } = lab.outputs;
  const service = workloads.services.find((s) => s.name === split.service);
  const placements: Record<string, PlacementInfo[]> = {};
  for (const p of service?.placements ?? []) {
    (placements[normaliseLocality(p.locality)] ??= []).push({ cluster: p.cluster, network: clusters[p.cluster]?.network ?? "" });
  }
  const model = trafficModel[split.service];
  const client = lab.outputs.workloads.clients.find((c) => c.name === split.client && c.locality === split.clientLocality && c.cluster === split.cluster);
  const ref = client ? { ...client, network: clusters[client.cluster]?.network } : split.clientLocality;
  const prediction = model ? predictFor(model, ref, failed) : undefined;
  const modelAssignment = prediction?.assignment ?? [];
  let sidecar: { nodeLocality: string; assignment: LocalityEntry[] } | undefined;
  let unreadable: string | undefined;
  const kube = lab.kube[split.cluster];
  if (!split.pod || !service || !kube) {
    unreadable = split.error ?? "no client pod";
  } else {
    try {
      // A route to one subset: the sidecar's cluster for it is outbound|<port>|<subset>|<host>.
      const envoyCluster = outboundCluster(service.name, service.namespace, service.port, prediction?.subset);
      const read = await readAssignment(kube, { namespace: clientNamespace(lab, split), pod: split.pod }, envoyCluster);
      if (read) sidecar = read;
      else unreadable = `Envoy has no cluster ${envoyCluster}: istiod did not push the service to this client`;
    } catch (err) {
      unreadable = err instanceof Error ? err.message : String(err);
    }
  }
  const clientNodeLocality = kube ? await readClientLocality(kube, clientNamespace(lab, split), split) : undefined;
  const faults: Partial<Record<CheckResult["id"], string[]>> = {};
  for (const c of checks) if (!c.ok && c.faultyClusters) faults[c.id] = c.faultyClusters;
  // The plan's diagnostics for this client name the route and subset that decided its requests.
  const servicePlan = trafficPlan[split.service];
  const key = servicePlan && client ? planKeyFor(servicePlan, client) : split.clientLocality;
  const planned = (key !== undefined ? servicePlan?.diagnostics?.[key] : undefined) ?? [];
  return explainSplit({
    clientLocality: split.clientLocality,
    clientCluster: split.cluster,
    clientNetwork: clusters[split.cluster]?.network ?? "",
    ...(clientNodeLocality !== undefined ? { clientNodeLocality } : {}),
    ...(sidecar ? { sidecar: { nodeLocality: sidecar.nodeLocality, assignment: sidecar.assignment } } : {}),
    ...(unreadable ? { sidecarUnreadable: unreadable } : {}),
    model: modelAssignment,
    ...(split.verdict ? { verdict: split.verdict } : {}),
    failures: split.failures,
    counters: split.counters,
    placements,
    faults,
    planDiagnostics: Array.isArray(planned) ? planned : [],
  });
}

/** The client pod's locality as istiod sees it: its pod label, else its node's labels; undefined if unreadable. */
async function readClientLocality(kube: KubeCluster, namespace: string, split: SplitResult): Promise<string | undefined> {
  try {
    const pods = await kube.listPods(namespace, clientSelector(split.client));
    const pod = pods.find((p) => p.name === split.pod) ?? pods.find((p) => p.phase === "Running");
    if (!pod?.nodeName) return undefined;
    const node = (await kube.getJson("node", "", pod.nodeName)) as { metadata?: { labels?: Record<string, string> } } | undefined;
    if (!node) return undefined;
    return clientLocality(pod.labels, node.metadata?.labels ?? {});
  } catch {
    return undefined;
  }
}

function clientNamespace(lab: Lab, split: SplitResult): string {
  return lab.outputs.workloads.clients.find((c) => c.name === split.client && c.locality === split.clientLocality)?.namespace ?? "default";
}
