/**
 * What the verify and drill commands report, as plain data (their `--json` output), and the pure reasoning
 * behind it: the overall verdict, and the comparison of what a client's sidecar was programmed with against
 * what the model says istiod should program, turned into sentences that name likely causes
 * (shared/field-guide/istio-on-kind.md §9). No I/O.
 */
import type { SplitVerdict } from "./verdict";

/** One after-deploy check: a verdict, what was seen, and what is wrong. */
export interface CheckResult {
  id: "discovery" | "gateways" | "podRoutes" | "sharedRoot" | "proxyVersions";
  title: string;
  ok: boolean;
  /** Facts that hold (one line each). */
  details: string[];
  /** Facts that do not, each with its likely cause and fix. */
  problems: string[];
  /** Checks that did not apply or could not be completed, without failing. */
  skipped?: string;
  /** Clusters this check found at fault (for the diagnosis of a failing split). */
  faultyClusters?: string[];
}

/** An Envoy counter of the client's outbound cluster, before and after the requests. */
export interface CounterDelta {
  counter: string;
  /** Undefined when the sidecar does not expose it (Istio's default stats inclusion list). */
  before?: number;
  after?: number;
  delta?: number;
}

/** One locality as the client's sidecar has it, or as the model says istiod programs it. */
export interface LocalityEntry {
  locality: string;
  priority: number;
  /** Locality load-balancing weight; null = unset. */
  weight: number | null;
  endpoints: number;
  healthy: number;
}

/** The sidecar's endpoints next to the model's, and the sentences that explain the difference. */
export interface Diagnosis {
  /** The client's locality as its sidecar reports it (Envoy node locality); "" = none. */
  sidecarLocality?: string;
  rows: { locality: string; model?: LocalityEntry; sidecar?: LocalityEntry; match: boolean }[];
  causes: string[];
}

/** The measured split from one client to one service, judged against a prediction. */
export interface SplitResult {
  service: string;
  client: string;
  clientLocality: string;
  cluster: string;
  pod?: string;
  requests: number;
  /** Responses per locality (and FAILED, and `unknown:<version>`). */
  observed: Record<string, number>;
  /** Failed requests per reason. */
  failures: Record<string, number>;
  /** Distinct backend pods that answered, per locality. */
  instances: Record<string, number>;
  predicted: Record<string, number>;
  verdict?: SplitVerdict;
  counters: CounterDelta[];
  warnings: string[];
  ok: boolean;
  /** Why the split could not be measured at all (e.g. the client pod is not running). */
  error?: string;
  diagnosis?: Diagnosis;
}

/** The whole verify (or drill) report. */
export interface VerifyReport {
  command: "verify" | "drill";
  stack: string;
  ok: boolean;
  checks: CheckResult[];
  splits: SplitResult[];
  /** One line: PASS/FAIL and what failed. */
  verdict: string;
  /** What was not measured, and why. */
  notes?: string[];
  /** Drill only. */
  drill?: { locality: string; scaled: { cluster: string; namespace: string; deployment: string; replicas: number }[]; restored: boolean; restoreProblems: string[] };
}

/** The one-line verdict and overall ok of a set of checks and splits. */
export function overallVerdict(command: string, stack: string, checks: CheckResult[], splits: SplitResult[], extra: string[] = []): { ok: boolean; verdict: string } {
  const failed = [
    ...checks.filter((c) => !c.ok).map((c) => c.title),
    ...splits.filter((s) => !s.ok).map((s) => `split ${s.service} from ${s.clientLocality}`),
    ...extra,
  ];
  const ranChecks = checks.filter((c) => !c.skipped).length;
  const splitSummary = `${splits.filter((s) => s.ok).length}/${splits.length} splits hold`;
  const summary = checks.length === 0 ? splitSummary : `${ranChecks - checks.filter((c) => !c.ok).length}/${ranChecks} checks, ${splitSummary}`;
  const ok = failed.length === 0 && (checks.length > 0 || splits.length > 0);
  return { ok, verdict: ok ? `${command} ${stack}: PASS (${summary})` : `${command} ${stack}: FAIL (${summary}; failed: ${failed.join(", ") || "nothing was checked"})` };
}

/** Where the backends of one locality run. */
export interface PlacementInfo {
  cluster: string;
  network: string;
}

/** Everything {@link explainSplit} reasons about. */
export interface ExplainInput {
  clientLocality: string;
  clientCluster: string;
  clientNetwork: string;
  /**
   * The client's locality as istiod derives it (pod label, else its node's topology labels; "" = none), or
   * undefined when it could not be read. The sidecar's own Envoy node locality is no evidence: it is empty on kind.
   */
  clientNodeLocality?: string;
  /** Undefined when the sidecar's endpoints could not be read (`why` says why). */
  sidecar?: { nodeLocality: string; assignment: LocalityEntry[] };
  sidecarUnreadable?: string;
  model: LocalityEntry[];
  verdict?: SplitVerdict;
  failures: Record<string, number>;
  counters: CounterDelta[];
  placements: Record<string, PlacementInfo[]>;
  /** Check id -> clusters it found at fault. */
  faults: Partial<Record<CheckResult["id"], string[]>>;
  /** The model's own diagnostics for this client (trafficPlan[service].diagnostics[clientLocality]). */
  planDiagnostics: { code: string; message: string }[];
}

const byLocality = (entries: LocalityEntry[]) => new Map(entries.map((e) => [e.locality, e]));

/**
 * Whether two locality weights disagree. An unset weight on either side does not count: Envoy may leave a
 * locality's weight out of its dump when the cluster is not locality-weighted, which says nothing wrong.
 */
const weightsDiffer = (a: LocalityEntry, b: LocalityEntry) => a.weight !== null && b.weight !== null && a.weight !== b.weight;

/** The sidecar's endpoints next to the model's assignment, with a sentence per likely cause. */
export function explainSplit(input: ExplainInput): Diagnosis {
  const causes: string[] = [];
  const model = byLocality(input.model);
  const side = input.sidecar ? byLocality(input.sidecar.assignment) : new Map<string, LocalityEntry>();
  const names = [...new Set([...model.keys(), ...side.keys()])].sort();
  const rows = names.map((locality) => {
    const m = model.get(locality);
    const s = side.get(locality);
    const match = m !== undefined && s !== undefined && m.priority === s.priority && !weightsDiffer(m, s) && (m.endpoints > 0) === (s.endpoints > 0);
    return { locality, ...(m ? { model: m } : {}), ...(s ? { sidecar: s } : {}), match: input.sidecar ? match || (!m?.endpoints && !s?.endpoints) : false };
  });
  if (!input.sidecar) causes.push(`The client's sidecar endpoints could not be read (${input.sidecarUnreadable ?? "unknown reason"}), so only the counts are compared.`);
  if (input.clientNodeLocality === "") {
    causes.push(
      "Client without locality: the client pod's node has no topology.kubernetes.io/region and zone labels (and the pod no topology.istio.io/locality label), so istiod gives its sidecar no locality and treats every endpoint alike. Label the node, then restart the client pod (istiod reads a pod's locality when it starts).",
    );
  } else if (input.clientNodeLocality !== undefined && input.clientNodeLocality !== input.clientLocality) {
    causes.push(
      `Client in the wrong place: the plan puts it in ${input.clientLocality}, but its node's labels say ${input.clientNodeLocality}, which is what istiod uses for its locality.`,
    );
  }
  for (const row of rows) causes.push(...explainRow(row, input));
  for (const r of input.verdict?.rows ?? []) {
    if (r.predicted === 0 && r.observed > 0 && !r.locality.startsWith("(")) {
      causes.push(`Unexpected locality: ${r.locality} answered ${r.observed} requests that the model sends nowhere near it; a backend outside the plan, or a policy that is not the stack's.`);
    }
  }
  const failed = Object.entries(input.failures);
  if (failed.length > 0) causes.push(`Failed requests: ${failed.map(([why, n]) => `${n} × ${why}`).join(", ")}.`);
  const retries = input.counters.filter((c) => (c.delta ?? 0) > 0);
  if (retries.length > 0) {
    causes.push(`Envoy counted ${retries.map((c) => `${c.delta} ${c.counter}`).join(", ")} during the run: some paths fail and retries hide it.`);
  }
  for (const d of input.planDiagnostics) causes.push(`The model noted (${d.code}): ${d.message}`);
  return { ...(input.sidecar ? { sidecarLocality: input.sidecar.nodeLocality } : {}), rows, causes };
}

function explainRow(row: Diagnosis["rows"][number], input: ExplainInput): string[] {
  const { locality, model: m, sidecar: s } = row;
  const out: string[] = [];
  if (m && m.endpoints > 0 && input.sidecar && (!s || s.endpoints === 0)) out.push(missingEndpoints(locality, input));
  if (s && s.endpoints > 0 && s.healthy === 0) {
    out.push(`Empty locality: ${locality} has ${s.endpoints} endpoint(s) in the sidecar, none healthy: the backends are not ready, or outlier detection ejected them.`);
  }
  if (s && s.endpoints > 0 && (!m || m.endpoints === 0)) {
    out.push(`The sidecar has endpoints in ${locality}, which the model does not expect: a backend deployed outside the stack, or a stale plan (re-run npm run up).`);
  }
  if (m && s && m.endpoints > 0 && s.endpoints > 0 && (m.priority !== s.priority || weightsDiffer(m, s))) {
    out.push(
      `istiod programmed ${locality} at priority ${s.priority}, weight ${s.weight ?? "unset"}; the model expects priority ${m.priority}, weight ${m.weight ?? "unset"}. The DestinationRule istiod reads differs from the stack's policy (it must be applied in every primary), or a \`to\`/\`from\` key does not match the real localities (e.g. us/west/zone3/* read as region us, zone west).`,
    );
  }
  const v = input.verdict?.rows.find((r) => r.locality === locality);
  if (m && s && s.healthy > 0 && v && v.predicted > 0 && v.observed === 0) {
    const where = (input.placements[locality] ?? []).filter((p) => p.cluster !== input.clientCluster);
    const path = where.some((p) => p.network !== input.clientNetwork) ? "the east-west gateway path (the east-west gateways check)" : "pod routes to the other cluster (the pod routes check) and unique pod CIDRs";
    out.push(`${locality} is programmed with healthy endpoints, yet no request arrived there: connections to it fail; check ${path}.`);
  }
  return out;
}

function missingEndpoints(locality: string, input: ExplainInput): string {
  const places = input.placements[locality] ?? [];
  const remote = places.filter((p) => p.cluster !== input.clientCluster);
  if (places.length > 0 && remote.length === 0) {
    return `Missing endpoints: the backends of ${locality} run in the client's own cluster (${input.clientCluster}) but the sidecar has none: they are not ready or were scaled to 0 (kubectl get pods shows them).`;
  }
  const clusters = remote.map((p) => p.cluster);
  const unsynced = clusters.filter((c) => input.faults.discovery?.includes(c));
  const gateways = remote.filter((p) => p.network !== input.clientNetwork && input.faults.gateways?.includes(p.cluster)).map((p) => p.cluster);
  const parts = [`Missing remote endpoints: the sidecar has none in ${locality} (cluster ${clusters.join(", ") || "unknown"}), so its share never arrives.`];
  if (unsynced.length > 0) {
    parts.push(`istiod does not see ${unsynced.join(", ")} as synced (the discovery check): the remote secret's server must be that cluster's control-plane container IP, never 127.0.0.1 (istio#31081).`);
  }
  if (gateways.length > 0) {
    parts.push(`Unreachable gateway: the east-west gateway of ${gateways.join(", ")} has no address or does not answer (the east-west gateways check): MetalLB missing or its pool not ready; with NodePort, set externalIPs to a node's container IP.`);
  }
  if (unsynced.length === 0 && gateways.length === 0) {
    parts.push("Likely: istiod does not read that cluster (remote secret server 127.0.0.1, istio#31081), the cross-network gateway is missing (multi-network), or the nodes were labelled after the pods started.");
  }
  return parts.join(" ");
}
