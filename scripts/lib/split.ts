/**
 * Check 14: from one client, N requests to one service, bucketed by the answering backend's locality and
 * judged against a prediction by `judgeSplit`; the sidecar's retry and connect-failure counters are read
 * before and after, because retries hide broken paths.
 */
import type { WorkloadsOutput } from "../../model/build/outputs";
import { FAILED, judgeSplit } from "../../model/verify/verdict";
import type { SplitResult } from "../../model/verify/verifyReport";
import type { ExecTarget, KubeCluster } from "./client";
import { counterDeltas, outboundCluster } from "./envoy";
import type { Lab } from "./lab";
import { runningPod } from "./meshChecks";
import { type ResponseRecord, bucketResponses, observedForJudge, parseResponses, requestLoopScript, versionIndex } from "./responses";
import { clusterCountersExposed, readCounters } from "./sidecar";

/** One measurement to make. */
export interface SplitPlan {
  service: WorkloadsOutput["services"][number];
  client: WorkloadsOutput["clients"][number];
  /** Destination locality -> predicted fraction. */
  predicted: Record<string, number>;
}

/** How to measure. */
export interface MeasureOptions {
  requests: number;
  alpha: number;
  /** Requests per `kubectl exec` (each prints one line per request). @default 50 */
  batch?: number;
  /** Called after each batch. */
  progress?: (done: number, total: number) => void;
  /** Stop sending (the drill was interrupted); what was sent is still judged. */
  aborted?: () => boolean;
}

/** The selector of a client's pod: the demo client carries `app: <name>` like Istio's curl sample. */
export const clientSelector = (name: string) => `app=${name}`;

/** Finds the client's pod, or says why it cannot be used. */
export async function clientPod(kube: KubeCluster, client: SplitPlan["client"]): Promise<ExecTarget | string> {
  const pod = await runningPod(kube, client.namespace, clientSelector(client.name));
  if (typeof pod === "string") {
    return `client ${client.name} (${client.locality}) in cluster ${client.cluster} is not running: ${pod}; see kubectl describe pod -n ${client.namespace} -l ${clientSelector(client.name)}`;
  }
  return { namespace: client.namespace, pod: pod.name };
}

/** Measures one split and judges it. Never throws for a lab problem: the result says what went wrong. */
export async function measureSplit(lab: Lab, plan: SplitPlan, opts: MeasureOptions): Promise<SplitResult> {
  const { service, client, predicted } = plan;
  const base = {
    service: service.name,
    client: client.name,
    clientLocality: client.locality,
    cluster: client.cluster,
    requests: opts.requests,
    predicted,
    observed: {},
    failures: {},
    instances: {},
    counters: [],
    warnings: [] as string[],
  };
  const kube = lab.kube[client.cluster];
  if (!kube) return { ...base, ok: false, error: `client ${client.name} runs in cluster ${client.cluster}, which the stack outputs do not list` };
  const pod = await clientPod(kube, client);
  if (typeof pod === "string") return { ...base, ok: false, error: pod };
  const cluster = outboundCluster(service.name, service.namespace, service.port);
  const warnings: string[] = [];
  const counters = async (): Promise<Record<string, number>> => {
    try {
      return await readCounters(kube, pod, cluster);
    } catch (err) {
      warnings.push(`could not read the sidecar's counters (${err instanceof Error ? err.message : String(err)})`);
      return {};
    }
  };
  const before = await counters();
  const records = await sendRequests(kube, pod, `http://${service.name}.${service.namespace}:${service.port}/hello`, opts);
  const after = await counters();
  const deltas = counterDeltas(before, after);
  if (Object.keys(after).length > 0 && !clusterCountersExposed(after)) {
    warnings.push(
      `the sidecar does not expose ${cluster}'s upstream_rq_retry (Istio's default stats inclusion list drops per-cluster stats); kindmesh deploys the client with the proxy.istio.io/config annotation proxyStatsMatcher.inclusionPrefixes [cluster.outbound]; a client pod without it (started before, or not kindmesh's) needs it to show retries`,
    );
  }
  for (const d of deltas.filter((x) => (x.delta ?? 0) > 0)) warnings.push(`${d.counter} rose by ${d.delta} during the run: some requests needed retries or failed to connect`);
  const localities = service.placements.map((p) => p.locality);
  const buckets = bucketResponses(records, versionIndex(localities), records.length);
  const observed = observedForJudge(buckets.counts, predicted);
  const verdict = judgeSplit(predicted, observed, { alpha: opts.alpha });
  const sent = records.length;
  if (sent < opts.requests) warnings.push(`only ${sent} of ${opts.requests} requests were sent (interrupted)`);
  return {
    ...base,
    pod: pod.pod,
    requests: sent,
    observed,
    failures: buckets.failures,
    instances: buckets.instances,
    verdict,
    counters: deltas,
    warnings: [...base.warnings, ...warnings],
    ok: verdict.ok,
  };
}

async function sendRequests(kube: KubeCluster, pod: ExecTarget, url: string, opts: MeasureOptions): Promise<ResponseRecord[]> {
  const batch = opts.batch ?? 50;
  const records: ResponseRecord[] = [];
  for (let done = 0; done < opts.requests; ) {
    if (opts.aborted?.()) break;
    const k = Math.min(batch, opts.requests - done);
    try {
      // 5 s curl timeout per request, plus the helloworld handler's own CPU work and exec start-up.
      const text = await kube.exec(pod, ["sh", "-c", requestLoopScript(url, k)], k * 7_000 + 30_000);
      const got = parseResponses(text).slice(0, k);
      records.push(...got);
      for (let i = got.length; i < k; i++) records.push({ rc: -1, http: 0, error: "no answer line (the exec ended early)" });
    } catch (err) {
      const why = `kubectl exec failed (${err instanceof Error ? err.message : String(err)})`;
      for (let i = 0; i < k; i++) records.push({ rc: -1, http: 0, error: why });
    }
    done += k;
    opts.progress?.(done, opts.requests);
  }
  return records;
}

/** The predicted shares of one client locality in the trafficPlan output, numbers only. */
export function plannedShares(plan: unknown, clientLocality: string): Record<string, number> | undefined {
  const entry = (plan as Record<string, unknown> | undefined)?.[clientLocality];
  if (typeof entry !== "object" || entry === null) return undefined;
  const shares = Object.entries(entry).filter((e): e is [string, number] => typeof e[1] === "number" && e[0] !== FAILED);
  return Object.fromEntries(shares);
}
