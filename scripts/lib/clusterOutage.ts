/**
 * The steps of the cluster drills: cutting a cluster's API server off from the other clusters, or making them
 * reset TCP to a paused one (packet filters inside kind node containers; kindest/node installs iptables: kind
 * images/base/Dockerfile), what the other primaries' istiods show meanwhile, and how long until they see the
 * cluster again.
 *
 * What istiod shows (istio/istio release-1.31 pkg/kube/multicluster/cluster.go SyncStatus): a remote cluster
 * is "synced" once its informers synced, and stays "synced" when its API server stops answering later, so
 * /debug/clusterz alone cannot reveal an outage; istiod's log (client-go watch errors naming the server) does,
 * and a probe from the other clusters to the API server shows the cut itself.
 */
import type { ClusterOutput } from "../../model/build/outputs";
import type { Clock, KubeCluster } from "./client";
import type { DockerHost } from "./docker";
import type { Lab } from "./lab";
import { parseClusterz, runningPod } from "./meshChecks";
import { PROBE_IMAGE, PROBE_NAMESPACE, connectScript, parseConnectResults, probeName, splitAddress } from "./probes";

/** Marks the drill's rules, so a restore finds exactly them. */
export const RULE_COMMENT = "kindmesh-drill-isolate-api";
export const API_PORT = 6443;

/** `iptables` in a node container: insert (-I) or delete (-D) the rule dropping TCP 6443 from one source. */
export function isolationRule(op: "-I" | "-D", source: string): string[] {
  return ["iptables", op, "INPUT", "-p", "tcp", "-s", source, "--dport", String(API_PORT), "-m", "comment", "--comment", RULE_COMMENT, "-j", "DROP"];
}

/**
 * --fail-cluster's rules: `docker pause` freezes a node's processes but not its kernel, which still completes TCP
 * handshakes to it, so the other clusters' connections would hang (no connect failure: Envoy neither retries nor
 * ejects). These make the other clusters' nodes reset them at once, as a dead cluster's peers would see it.
 */
export const REJECT_COMMENT = "kindmesh-drill-fail-cluster";

/** `iptables` in a node container: insert (-I) or delete (-D) the rule resetting TCP to `destination` in `chain`. */
export function rejectRule(op: "-I" | "-D", chain: "FORWARD" | "OUTPUT", destination: string): string[] {
  return ["iptables", op, chain, "-p", "tcp", "-d", destination, "-m", "comment", "--comment", REJECT_COMMENT, "-j", "REJECT", "--reject-with", "tcp-reset"];
}

/** One rule to put in one container: `rule(op)` is its iptables command; `what` names it in a problem. */
export interface PlannedRule {
  container: string;
  what: string;
  rule: (op: "-I" | "-D") => string[];
}

/** --isolate-api: in every node of the cut cluster, drop TCP 6443 from each source. */
export function isolationPlan(containers: string[], sources: string[]): PlannedRule[] {
  return containers.flatMap((container) => sources.map((source) => ({ container, what: source, rule: (op: "-I" | "-D") => isolationRule(op, source) })));
}

/** --fail-cluster: in every node of the other clusters, reset TCP to each destination, pod traffic (FORWARD) and the node's own (OUTPUT). */
export function rejectPlan(targets: { containers: string[]; destinations: string[] }[]): PlannedRule[] {
  return targets.flatMap(({ containers, destinations }) =>
    containers.flatMap((container) =>
      destinations.flatMap((d) => (["FORWARD", "OUTPUT"] as const).map((chain) => ({ container, what: `${chain} to ${d}`, rule: (op: "-I" | "-D") => rejectRule(op, chain, d) }))),
    ),
  );
}

/** The InternalIP of every node of `cluster` (where the other clusters reach its node containers). */
export async function nodeAddresses(lab: Lab, cluster: string): Promise<string[]> {
  const list = (await lab.kube[cluster].getJson("nodes", "", "")) as { items?: { status?: { addresses?: { type?: string; address?: string }[] } }[] } | undefined;
  return (list?.items ?? []).map((n) => n.status?.addresses?.find((a) => a.type === "InternalIP")?.address).filter((ip): ip is string => ip !== undefined && ip !== "");
}

/**
 * fail-cluster: the rules making every other kind cluster's nodes reset TCP to `cluster` (its node IPs, its
 * east-west gateway, and its pod subnet for clusters on its network: those route its pods directly, nodeScript.ts;
 * elsewhere the subnet may be reused). Read before the pause: the paused API server cannot list its nodes.
 */
export async function failoverRules(lab: Lab, cluster: string, docker: DockerHost): Promise<{ rules: PlannedRule[]; rejected: string[] }> {
  const own = lab.outputs.clusters[cluster];
  const common = [...(await nodeAddresses(lab, cluster)), ...(own.eastWestGatewayAddress ? [own.eastWestGatewayAddress] : [])];
  const podSubnet = lab.outputs.addressPlan?.[cluster]?.podSubnet;
  const targets: { containers: string[]; destinations: string[] }[] = [];
  for (const [name, out] of Object.entries(lab.outputs.clusters)) {
    if (name === cluster) continue;
    const containers = await docker.nodeContainers(lab.outputs.addressPlan?.[name]?.kindCluster ?? name);
    targets.push({ containers, destinations: [...common, ...(podSubnet && out.network === own.network ? [podSubnet] : [])] });
  }
  return { rules: rejectPlan(targets), rejected: [...new Set(targets.flatMap((t) => t.destinations))] };
}

/** The InternalIP of every node of every cluster but `target`: where the other istiods' requests come from (kindnet masquerades to the node IP). */
export async function otherNodeAddresses(lab: Lab, target: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of Object.keys(lab.kube)) if (name !== target) out.push(...(await nodeAddresses(lab, name)));
  return [...new Set(out)].sort();
}

/** The rules a drill has put in place, and the insert under way (a restore waits for it). */
export interface Isolation {
  inserted: PlannedRule[];
  inflight?: Promise<unknown>;
}

/**
 * Inserts the rules, one at a time; stops as soon as `aborted()` (a signal's restore is running). Throws on the
 * first failure (the caller's restore removes what was inserted).
 */
export async function isolate(docker: DockerHost, plan: PlannedRule[], state: Isolation, aborted: () => boolean): Promise<void> {
  for (const planned of plan) {
    if (aborted()) return;
    // Known as in flight before docker is even called, so a restore can never miss it.
    const insert = Promise.resolve().then(async () => {
      await docker.exec(planned.container, planned.rule("-I"));
      state.inserted.push(planned);
    });
    state.inflight = insert;
    await insert;
  }
}

/**
 * Deletes the inserted rules, after the insert under way (if any) has landed, so a signal mid-insert leaves
 * nothing behind. Never throws: returns problems, each with the command that fixes it by hand.
 */
export async function unisolate(docker: DockerHost, state: Isolation): Promise<string[]> {
  await state.inflight?.catch(() => undefined);
  const problems: string[] = [];
  for (const { container, what, rule } of state.inserted.splice(0)) {
    try {
      await docker.exec(container, rule("-D"));
    } catch (err) {
      problems.push(`could not remove the rule for ${what} in ${container} (${err instanceof Error ? err.message : String(err)}); by hand: docker exec ${container} ${rule("-D").join(" ")}`);
    }
  }
  return problems;
}

/** What one primary's istiod shows about the drilled cluster. */
export interface IstiodView {
  primary: string;
  /** istiod has a running, ready pod. */
  ready: boolean;
  /** /debug/clusterz status of the drilled cluster (synced, syncing, timeout, closed), or "missing". */
  discovery: string;
  /** The primary's nodes reach the drilled cluster's API server (a probe pod's TCP connect). */
  apiReachable?: boolean;
  /** istiod log lines since the drill began that name the drilled cluster's API server. */
  logErrors: string[];
  problems: string[];
}

/** The host:port of a cluster's API server, as the other clusters dial it (the `apiServer` output). */
export function apiTarget(c: ClusterOutput): { host: string; port: number } {
  return splitAddress(c.apiServer.replace(/^https?:\/\//, "").replace(/\/.*$/, ""), API_PORT);
}

async function probeApi(kube: KubeCluster, target: { host: string; port: number }): Promise<boolean | undefined> {
  try {
    const text = await kube.runProbe({ namespace: PROBE_NAMESPACE, name: probeName("kindmesh-api"), image: PROBE_IMAGE, script: connectScript([target]), timeoutMs: 120_000 });
    return parseConnectResults(text, [target])[0]?.connected;
  } catch {
    return undefined;
  }
}

/** Looks at every other primary's istiod: readiness, discovery of `target`, its log, and reachability of the API. */
export async function observePrimaries(lab: Lab, target: string, sinceSeconds: number, opts: { probe: boolean }): Promise<IstiodView[]> {
  const server = apiTarget(lab.outputs.clusters[target]);
  const views: IstiodView[] = [];
  for (const [primary, out] of Object.entries(lab.outputs.clusters)) {
    if (primary === target || out.role !== "primary") continue;
    const kube = lab.kube[primary];
    const view: IstiodView = { primary, ready: false, discovery: "unknown", logErrors: [], problems: [] };
    try {
      const pod = await runningPod(kube, "istio-system", "app=istiod");
      if (typeof pod === "string") view.problems.push(pod);
      else {
        view.ready = true;
        const where = { namespace: "istio-system", pod: pod.name, container: "discovery" };
        const entries = parseClusterz(await kube.exec(where, ["pilot-discovery", "request", "GET", "/debug/clusterz"], 60_000));
        view.discovery = entries.find((e) => e.id === target)?.syncStatus ?? "missing";
        const needle = `${server.host}:${server.port}`;
        view.logErrors = (await kube.logs(where, sinceSeconds)).split("\n").filter((l) => l.includes(needle) || (l.includes(target) && /error|fail|timeout/i.test(l)));
      }
    } catch (err) {
      view.problems.push(err instanceof Error ? err.message : String(err));
    }
    if (opts.probe) view.apiReachable = await probeApi(kube, server);
    views.push(view);
  }
  return views;
}

/**
 * Polls until every other primary reaches `target`'s API server, reports it synced and logs no new error about
 * it; the seconds it took, or undefined on timeout.
 */
export async function timeUntilSynced(lab: Lab, target: string, clock: Clock, timeoutMs = 300_000, pollMs = 5_000): Promise<{ seconds?: number; last: IstiodView[] }> {
  const start = clock.now();
  for (;;) {
    const last = await observePrimaries(lab, target, Math.ceil(pollMs / 1000), { probe: true });
    // Synced again: reachable, reported synced, and no new watch error in istiod's log since the last look.
    if (last.every((v) => v.ready && v.discovery === "synced" && v.apiReachable === true && v.logErrors.length === 0)) return { seconds: (clock.now() - start) / 1000, last };
    if (clock.now() - start >= timeoutMs) return { last };
    await clock.sleep(pollMs);
  }
}
