/**
 * The discovery and shared root checks of verify, against the live clusters.
 *
 * Discovery reads istiod's `/debug/clusterz` with `pilot-discovery request GET /debug/clusterz` inside the
 * istiod container (istiod serves its debug endpoints on 127.0.0.1:15014; pilot/cmd/pilot-discovery/app/
 * request.go). It is the very endpoint `istioctl remote-clusters` reads (istioctl/pkg/proxyconfig/clusters.go),
 * without requiring istioctl: a JSON list of `{id, secretName, syncStatus}` where syncStatus is one of
 * synced, syncing, timeout, closed (pkg/kube/multicluster/cluster.go).
 */
import type { CheckResult } from "../../model/verify/verifyReport";
import { type ClusterCerts, analyseCerts } from "./certs";
import type { KubeCluster, PodInfo } from "./client";
import type { Lab } from "./lab";

/** One entry of istiod's /debug/clusterz. */
export interface ClusterzEntry {
  id: string;
  secretName?: string;
  syncStatus: string;
}

/** Parses /debug/clusterz output; throws when it is not the expected JSON list. */
export function parseClusterz(text: string): ClusterzEntry[] {
  const doc = JSON.parse(text) as unknown;
  if (!Array.isArray(doc)) throw new Error("istiod's /debug/clusterz did not return a list");
  return doc.map((e) => {
    const x = (e ?? {}) as { id?: unknown; secretName?: unknown; syncStatus?: unknown };
    return { id: String(x.id ?? ""), ...(typeof x.secretName === "string" && x.secretName ? { secretName: x.secretName } : {}), syncStatus: String(x.syncStatus ?? "") };
  });
}

/** The first running, ready pod, or a sentence saying why there is none. */
export async function runningPod(kube: KubeCluster, namespace: string, selector: string): Promise<PodInfo | string> {
  const pods = await kube.listPods(namespace, selector);
  const ready = pods.find((p) => p.phase === "Running" && p.ready && !p.deleting);
  if (ready) return ready;
  if (pods.length === 0) return `no pod matches ${selector} in namespace ${namespace}`;
  return `no running, ready pod matches ${selector} in namespace ${namespace} (${pods.map((p) => `${p.name}: ${p.phase}${p.ready ? "" : ", not ready"}`).join("; ")})`;
}

const WHY: Record<string, string> = {
  timeout:
    "istiod cannot list that cluster's API server: the remote secret's server must be the cluster's control-plane container IP:6443, never 127.0.0.1 (istio#31081), and the token must be valid",
  syncing: "istiod is still reading it; if this lasts more than a minute, its API server is slow or unreachable",
  closed: "istiod dropped it: the remote secret was deleted or replaced",
};

/** Check 10: each primary's istiod reports every other cluster as synced. */
export async function checkDiscovery(lab: Lab): Promise<CheckResult> {
  const details: string[] = [];
  const problems: string[] = [];
  const faulty = new Set<string>();
  const names = Object.keys(lab.outputs.clusters);
  if (names.length === 1) return { id: "discovery", title: "discovery", ok: true, details: [], problems: [], skipped: "one cluster: nothing to discover" };
  const primaries = names.filter((n) => lab.outputs.clusters[n].role === "primary");
  for (const p of primaries) {
    const kube = lab.kube[p];
    const pod = await runningPod(kube, "istio-system", "app=istiod");
    if (typeof pod === "string") {
      problems.push(`${p}: ${pod}; istiod is not running, so nothing is discovered`);
      names.filter((n) => n !== p).forEach((n) => faulty.add(n));
      continue;
    }
    let entries: ClusterzEntry[];
    try {
      const text = await kube.exec({ namespace: "istio-system", pod: pod.name, container: "discovery" }, ["pilot-discovery", "request", "GET", "/debug/clusterz"], 60_000);
      entries = parseClusterz(text);
    } catch (err) {
      problems.push(`${p}: could not read istiod's /debug/clusterz (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    for (const other of names.filter((n) => n !== p)) {
      const e = entries.find((x) => x.id === other);
      if (!e) {
        problems.push(
          `istiod in ${p} does not know cluster ${other}: no Secret istio-remote-secret-${other} in ${p}'s istio-system, or istiod ignored it (its data key must be exactly "${other}", and no other secret may register ${other})`,
        );
        faulty.add(other);
      } else if (e.syncStatus !== "synced") {
        problems.push(`istiod in ${p} reports ${other} as ${e.syncStatus}: ${WHY[e.syncStatus] ?? "unknown state"}`);
        faulty.add(other);
      } else {
        details.push(`istiod in ${p} sees ${other} (synced${e.secretName ? `, from ${e.secretName}` : ""})`);
      }
    }
  }
  return { id: "discovery", title: "discovery", ok: problems.length === 0 && primaries.length > 0, details, problems, faultyClusters: [...faulty] };
}

/** The public certificates of `cacerts`; `ca-key.pem` is never decoded. */
const CERT_KEYS = ["root-cert.pem", "ca-cert.pem", "cert-chain.pem"];

/** Some keys of a Secret's `data` (base64-decoded) or of a ConfigMap's `data`. */
function dataOf(obj: unknown, keys: string[], base64: boolean): Record<string, string> | undefined {
  const data = (obj as { data?: Record<string, string> } | undefined)?.data;
  if (!data) return undefined;
  const wanted = Object.entries(data).filter(([k]) => keys.includes(k));
  return Object.fromEntries(wanted.map(([k, v]) => [k, base64 ? Buffer.from(v, "base64").toString("utf8") : v]));
}

/** Check 13: one root in every primary's `cacerts`, each intermediate signed by it, and istiod distributing it. */
export async function checkSharedRoot(lab: Lab, now?: Date): Promise<CheckResult> {
  const byCluster: Record<string, ClusterCerts> = {};
  for (const [name, kube] of Object.entries(lab.kube)) {
    const secret = dataOf(await kube.getJson("secret", "istio-system", "cacerts"), CERT_KEYS, true);
    const root = dataOf(await kube.getJson("configmap", "istio-system", "istio-ca-root-cert"), ["root-cert.pem"], false)?.["root-cert.pem"];
    const remote = lab.outputs.clusters[name].role === "remote";
    byCluster[name] = { ...(secret ? { cacerts: secret } : {}), ...(root !== undefined ? { distributedRoot: root } : {}), ...(remote ? { remote } : {}) };
  }
  const { details, problems } = analyseCerts(byCluster, now);
  const faulty = Object.keys(byCluster).filter((n) => problems.some((p) => p.startsWith(`${n}:`)));
  return { id: "sharedRoot", title: "shared root", ok: problems.length === 0, details, problems, faultyClusters: faulty };
}
