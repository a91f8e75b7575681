/**
 * `drill --isolate-api <cluster>` and `drill --fail-cluster <cluster>` (seed 002: "if some clusters' API servers
 * stop answering, what happens to the mesh, how do I see it, how do I recover or isolate that cluster?").
 *
 * isolate-api: the cluster's API server stops answering the other clusters, its pods keep running. The model:
 *   istiod keeps serving the endpoints it last saw, so every client's split is the normal prediction.
 * fail-cluster: every node of the cluster is paused, and the other clusters' nodes reset TCP to it (a paused
 *   node's kernel still accepts connections, which would hang, not fail over). The model: the prediction with
 *   that cluster's endpoints gone, for the clients elsewhere (its own clients are paused with it).
 * Both put things back in `finally` and on SIGINT/SIGTERM (withRestore), then time the recovery.
 */
import type { TrafficModelOutput } from "../../model/build/outputs";
import { CLUSTER_LABEL } from "../../model/traffic/routing";
import type { SplitResult } from "../../model/verify/verifyReport";
import type { Clock, ClusterClient, Io, SignalSource } from "./client";
import type { ClusterDrillArgs, ClusterDrillMode } from "./clusterDrillArgs";
import { API_PORT, type Isolation, type IstiodView, failoverRules, isolate, isolationPlan, observePrimaries, otherNodeAddresses, timeUntilSynced, unisolate } from "./clusterOutage";
import type { DockerHost } from "./docker";
import { EXIT, UserError } from "./errors";
import { type Lab, openLab } from "./lab";
import { predictFor } from "./prediction";
import { renderSplit } from "./render";
import { withRestore } from "./restore";
import { measureSplit } from "./split";

export interface ClusterDrillDeps {
  client: ClusterClient;
  docker: DockerHost;
  io: Io;
  signals: SignalSource;
  exit: (code: number) => void;
  clock: Clock;
  /** How long the broken state settles before it is observed. @default 30 s */
  settleMs?: number;
}

export interface ClusterDrillReport {
  command: "drill";
  stack: string;
  mode: ClusterDrillMode;
  cluster: string;
  ok: boolean;
  verdict: string;
  /** The node containers acted on; for isolate-api also the sources whose 6443 traffic was dropped. */
  containers: string[];
  sources?: string[];
  /** fail-cluster: the addresses of the paused cluster that the other clusters' nodes reset TCP to. */
  rejected?: string[];
  /** The other primaries' istiods while the cluster was cut off or paused. */
  during: IstiodView[];
  splits: SplitResult[];
  /** Clients not measured: they run in the paused cluster. */
  skippedClients: string[];
  restored: boolean;
  restoreProblems: string[];
  /** Seconds from the restore until every other primary reached the API server and reported the cluster synced. */
  recoverySeconds?: number;
  recovery: IstiodView[];
}

/** The trafficModel of a service with the endpoints of `cluster`'s placements taken away (routed ones by their cluster label). */
export function withoutCluster(model: TrafficModelOutput[string], service: Lab["outputs"]["workloads"]["services"][number], cluster: string): TrafficModelOutput[string] {
  const gone = new Map<string, number>();
  for (const p of service.placements.filter((x) => x.cluster === cluster)) gone.set(p.locality, (gone.get(p.locality) ?? 0) + service.replicas);
  return {
    ...model,
    endpoints: model.endpoints.map((e) => ({ ...e, count: Math.max(0, e.count - (gone.get(e.locality) ?? 0)) })),
    ...(model.placedEndpoints ? { placedEndpoints: model.placedEndpoints.map((e) => (e.labels[CLUSTER_LABEL] === cluster ? { ...e, count: 0 } : e)) } : {}),
  };
}

async function measureAll(lab: Lab, args: ClusterDrillArgs, aborted: () => boolean): Promise<{ splits: SplitResult[]; skipped: string[] }> {
  const { workloads, trafficModel } = lab.outputs;
  const splits: SplitResult[] = [];
  const skipped: string[] = [];
  for (const service of workloads.services.filter((s) => trafficModel[s.name] !== undefined)) {
    const model = args.mode === "fail-cluster" ? withoutCluster(trafficModel[service.name], service, args.cluster) : trafficModel[service.name];
    for (const client of workloads.clients) {
      if (aborted()) return { splits, skipped };
      if (args.mode === "fail-cluster" && client.cluster === args.cluster) {
        const why = `${client.name} (${client.locality}) in ${client.cluster}: paused with its cluster`;
        if (!skipped.includes(why)) skipped.push(why);
        continue;
      }
      const predicted = predictFor(model, { ...client, network: lab.outputs.clusters[client.cluster]?.network }).shares;
      splits.push(await measureSplit(lab, { service, client, predicted }, { requests: args.requests, alpha: args.alpha, aborted }));
    }
  }
  return { splits, skipped };
}

/**
 * `docker unpause`; after a pause that failed part-way, one container at a time, and "not paused" is fine.
 * Never throws: returns problems with the command to run by hand.
 */
async function unpause(docker: DockerHost, containers: string[], oneByOne: boolean): Promise<string[]> {
  const problems: string[] = [];
  for (const group of oneByOne ? containers.map((c) => [c]) : [containers]) {
    try {
      await docker.unpause(group);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (!(oneByOne && /is not paused/.test(why))) problems.push(`could not unpause (${why}); by hand: docker unpause ${group.join(" ")}`);
    }
  }
  return problems;
}

async function waitApiAnswers(lab: Lab, cluster: string, clock: Clock, timeoutMs = 180_000): Promise<boolean> {
  const end = clock.now() + timeoutMs;
  for (;;) {
    try {
      await lab.kube[cluster].ping();
      return true;
    } catch {
      if (clock.now() >= end) return false;
      await clock.sleep(5_000);
    }
  }
}

/** The cluster drill; returns the exit code. The caller parses the command line and runs it inside runCommand. */
export async function runClusterDrill(args: ClusterDrillArgs, deps: ClusterDrillDeps): Promise<number> {
  const { io, clock, docker } = deps;
  const lab = await openLab(deps.client, args.stack);
  const target = lab.outputs.clusters[args.cluster];
  if (!target) throw new UserError(`stack "${args.stack}" has no cluster ${args.cluster}; its clusters are: ${Object.keys(lab.outputs.clusters).join(", ")}`, EXIT.usage);
  const watchers = Object.entries(lab.outputs.clusters).filter(([name, c]) => name !== args.cluster && c.role === "primary");
  if (args.mode === "isolate-api" && watchers.length === 0) {
    throw new UserError(
      `no other primary's istiod reads ${args.cluster}'s API server, so cutting it off from the other clusters changes nothing in the mesh; drill a cluster that another primary watches, or use --fail-cluster ${args.cluster}`,
      EXIT.usage,
    );
  }
  // kind knows the cluster as <stack>-<cluster> (the addressPlan output); a stack deployed before that, by its name.
  const kindName = lab.outputs.addressPlan?.[args.cluster]?.kindCluster ?? args.cluster;
  const containers = await docker.nodeContainers(kindName);
  if (containers.length === 0) {
    throw new UserError(
      `no kind node container belongs to cluster ${args.cluster} (kind cluster ${kindName}): the drill acts on kind's node containers, so it needs a kind cluster of this stack`,
      EXIT.usage,
    );
  }
  const sources = args.mode === "isolate-api" ? await otherNodeAddresses(lab, args.cluster) : undefined;
  if (sources && sources.length === 0) throw new UserError(`no other cluster's node was found: there is nobody to cut ${args.cluster}'s API server off from`, EXIT.usage);
  const failover = args.mode === "fail-cluster" ? await failoverRules(lab, args.cluster, docker) : undefined;
  const began = clock.now();
  const isolation: Isolation = { inserted: [] };
  // Set before `docker pause` starts: a signal's restore waits for it and unpauses even a pause under way.
  let pausing: Promise<unknown> | undefined;
  let restoreProblems: string[] = [];
  const restore = async () => {
    if (args.mode === "isolate-api") {
      await isolation.inflight?.catch(() => undefined);
      io.err(`restoring: removing the ${isolation.inserted.length} packet-filter rule(s) in ${containers.join(", ")}…\n`);
      restoreProblems = await unisolate(docker, isolation);
    } else if (pausing) {
      // The rules first (a restore waits for an insert under way), then the nodes.
      await isolation.inflight?.catch(() => undefined);
      if (isolation.inserted.length > 0) io.err(`restoring: removing the ${isolation.inserted.length} TCP reset rule(s) in the other clusters' nodes…\n`);
      const ruleProblems = await unisolate(docker, isolation);
      const pausedAll = await pausing.then(
        () => true,
        () => false,
      );
      io.err(`restoring: docker unpause ${containers.join(" ")}…\n`);
      restoreProblems = [...ruleProblems, ...(await unpause(docker, containers, !pausedAll))];
    }
    io.err(restoreProblems.length === 0 ? "restored\n" : `RESTORE INCOMPLETE:\n  ${restoreProblems.join("\n  ")}\n`);
  };
  const outcome = await withRestore(restore, { signals: deps.signals, io, exit: deps.exit }, async (aborted) => {
    if (args.mode === "isolate-api") {
      io.err(`cutting ${args.cluster}'s API server off from ${sources!.join(", ")} (TCP ${API_PORT} dropped in ${containers.join(", ")})\n`);
      await isolate(docker, isolationPlan(containers, sources!), isolation, aborted);
    } else {
      io.err(`pausing every node of ${args.cluster}: docker pause ${containers.join(" ")}\n`);
      pausing = Promise.resolve().then(() => docker.pause(containers));
      await pausing;
      io.err(`resetting TCP to ${failover!.rejected.join(", ")} in the other clusters' nodes (REJECT in ${failover!.rules.length} rule(s))\n`);
      await isolate(docker, failover!.rules, isolation, aborted);
    }
    await clock.sleep(deps.settleMs ?? 30_000);
    if (aborted()) return { during: [], splits: [], skipped: [] };
    const during = await observePrimaries(lab, args.cluster, Math.ceil((clock.now() - began) / 1000) + 1, { probe: true });
    const measured = await measureAll(lab, args, aborted);
    return { during, ...measured };
  });
  const restored = restoreProblems.length === 0;
  let recovery: { seconds?: number; last: IstiodView[] } = { last: [] };
  if (!outcome.interrupted && restored) {
    io.err(`waiting until the other primaries reach ${args.cluster} and report it synced…\n`);
    const answers = args.mode === "fail-cluster" ? await waitApiAnswers(lab, args.cluster, clock) : true;
    recovery = answers ? await timeUntilSynced(lab, args.cluster, clock) : { last: [] };
  }
  const { during, splits, skipped } = outcome.value;
  const failed = [
    ...splits.filter((s) => !s.ok).map((s) => `${s.service} from ${s.clientLocality}`),
    ...(restored ? [] : ["restore"]),
    ...(!outcome.interrupted && restored && recovery.seconds === undefined ? ["recovery"] : []),
    ...(outcome.interrupted ? [`interrupted by ${outcome.interrupted}`] : []),
  ];
  const ok = failed.length === 0;
  const report: ClusterDrillReport = {
    command: "drill",
    stack: lab.stack,
    mode: args.mode,
    cluster: args.cluster,
    ok,
    verdict: `drill ${lab.stack} --${args.mode} ${args.cluster}: ${ok ? "PASS" : `FAIL (failed: ${failed.join(", ")})`}`,
    containers,
    ...(sources ? { sources } : {}),
    ...(failover ? { rejected: failover.rejected } : {}),
    during,
    splits,
    skippedClients: skipped,
    restored,
    restoreProblems,
    ...(recovery.seconds !== undefined ? { recoverySeconds: recovery.seconds } : {}),
    recovery: recovery.last,
  };
  io.out(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderClusterDrill(report, args.verbose));
  if (outcome.interrupted) return outcome.interrupted === "SIGINT" ? EXIT.interrupted : EXIT.terminated;
  return ok ? EXIT.ok : EXIT.failed;
}

function renderView(v: IstiodView, verbose: boolean): string {
  const reach = v.apiReachable === undefined ? "not probed" : v.apiReachable ? "reachable" : "UNREACHABLE";
  const lines = [`  istiod in ${v.primary}: ${v.ready ? "ready" : "NOT READY"}; discovery: ${v.discovery}; API server from ${v.primary}: ${reach}; ${v.logErrors.length} log line(s) about it`];
  for (const l of verbose ? v.logErrors : v.logErrors.slice(0, 3)) lines.push(`    ${verbose ? l : l.slice(0, 200)}`);
  for (const p of v.problems) lines.push(`    problem: ${p}`);
  return lines.join("\n");
}

/** The human report; `verbose` prints every log line in full (else the first three, cut at 200 characters). */
export function renderClusterDrill(r: ClusterDrillReport, verbose = false): string {
  const out = [`${r.mode === "isolate-api" ? "API server of" : "every node of"} ${r.cluster} ${r.mode === "isolate-api" ? "cut off" : "paused"} (${r.containers.join(", ")})`];
  if (r.rejected) out.push(`the other clusters' nodes reset TCP to ${r.rejected.join(", ")}`);
  out.push("while broken:");
  out.push(...r.during.map((v) => renderView(v, verbose)));
  for (const s of r.splits) out.push(renderSplit(s));
  for (const s of r.skippedClients) out.push(`  not measured: ${s}`);
  out.push(`restored: ${r.restored ? "yes" : "NO"}${r.restoreProblems.length ? `\n  ${r.restoreProblems.join("\n  ")}` : ""}`);
  out.push(r.recoverySeconds !== undefined ? `synced again after ${r.recoverySeconds.toFixed(0)} s` : "NOT synced again within the wait");
  out.push(...r.recovery.map((v) => renderView(v, verbose)));
  out.push(r.verdict);
  return `${out.join("\n")}\n`;
}
