/**
 * The real {@link ClusterClient}: `pulumi stack output` for the stack, `kubectl --kubeconfig <file>` for the
 * clusters. Each kubeconfig (a secret) is written to a 0600 file in a 0700 temporary directory, passed by path
 * only, and removed by `close()` (or at process exit, whichever comes first).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ClusterClient, ExecTarget, KubeCluster, PodInfo, ProbePodSpec } from "./client";
import { EXIT, KubeError, UserError } from "./errors";
import { readPulumiOutputs } from "./pulumiCli";
import { type Runner, execFileRunner, firstLines } from "./run";

/** kubectl's words for "the API server did not answer" (as opposed to "it answered no"). */
const UNREACHABLE = /Unable to connect to the server|connection refused|i\/o timeout|no route to host|no such host|context deadline exceeded|TLS handshake timeout/i;
const GET_TIMEOUT_MS = 30_000;

/** Options of {@link kubectlClient}; the defaults are the real ones. */
export interface KubectlClientOptions {
  runner?: Runner;
  /** The Pulumi project directory (where Pulumi.yaml is). */
  projectDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** A {@link ClusterClient} that runs the Pulumi CLI and kubectl. */
export function kubectlClient(opts: KubectlClientOptions = {}): ClusterClient & { kubeconfigDir(): string | undefined } {
  const runner = opts.runner ?? execFileRunner;
  const projectDir = opts.projectDir ?? path.resolve(__dirname, "../..");
  const env = opts.env ?? process.env;
  let dir: string | undefined;
  const cleanup = () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };
  process.once("exit", cleanup);
  const writeKubeconfig = (name: string, kubeconfig: string): string => {
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-kube-"));
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, `${name}.kubeconfig`);
    fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    return file;
  };
  return {
    stackOutputs: (stack) => readPulumiOutputs(stack, { runner, projectDir, env }),
    cluster: (name, kubeconfig) => new KubectlCluster(name, () => writeKubeconfig(name, kubeconfig), runner, env),
    close: async () => {
      cleanup();
      process.removeListener("exit", cleanup);
    },
    kubeconfigDir: () => dir,
  };
}

class KubectlCluster implements KubeCluster {
  private file: string | undefined;

  constructor(
    readonly name: string,
    private readonly materialise: () => string,
    private readonly runner: Runner,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs kubectl against this cluster; throws a KubeError (unreachable or not) on failure. */
  async kubectl(args: string[], timeoutMs: number, what: string): Promise<string> {
    this.file ??= this.materialise();
    const r = await this.runner("kubectl", ["--kubeconfig", this.file, ...args], { timeoutMs, env: this.env });
    if (r.notFound) throw new UserError("kubectl is not installed (not on PATH)", EXIT.environment, "install it: https://kubernetes.io/docs/tasks/tools/");
    if (r.code === 0) return r.stdout;
    if (r.timedOut) throw new KubeError(this.name, `${what} did not finish within ${Math.round(timeoutMs / 1000)} s`);
    throw new KubeError(this.name, `${what} failed: ${firstLines(r.stderr)}`, UNREACHABLE.test(r.stderr));
  }

  async ping(): Promise<void> {
    await this.kubectl(["get", "--raw", "/readyz", "--request-timeout=10s"], 20_000, "the API server health check (/readyz)");
  }

  async listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    const scope = namespace === "" ? ["--all-namespaces"] : ["-n", namespace];
    const sel = selector === "" ? [] : ["-l", selector];
    const text = await this.kubectl(["get", "pods", ...scope, ...sel, "-o", "json", "--request-timeout=20s"], GET_TIMEOUT_MS, "listing pods");
    const list = parseJson(text, this.name, "the pod list") as { items?: unknown[] };
    return (list.items ?? []).map(toPodInfo);
  }

  async exec(target: ExecTarget, command: string[], timeoutMs: number): Promise<string> {
    const container = target.container ? ["-c", target.container] : [];
    // No --request-timeout here: it would cut a long-running exec stream; the runner's timeout bounds it.
    return this.kubectl(["exec", "-n", target.namespace, target.pod, ...container, "--", ...command], timeoutMs, `exec in ${target.namespace}/${target.pod}`);
  }

  async getJson(kind: string, namespace: string, name: string): Promise<unknown> {
    const scope = namespace === "" ? [] : ["-n", namespace];
    const text = await this.kubectl(
      ["get", kind, ...(name === "" ? [] : [name]), ...scope, "-o", "json", "--ignore-not-found", "--request-timeout=20s"],
      GET_TIMEOUT_MS,
      `reading ${kind} ${namespace ? `${namespace}/` : ""}${name}`,
    );
    return text.trim() === "" ? undefined : parseJson(text, this.name, `${kind} ${name}`);
  }

  async logs(target: ExecTarget, sinceSeconds: number): Promise<string> {
    const container = target.container ? ["-c", target.container] : [];
    return this.kubectl(
      ["logs", "-n", target.namespace, target.pod, ...container, `--since=${Math.max(1, Math.round(sinceSeconds))}s`, "--request-timeout=20s"],
      GET_TIMEOUT_MS,
      `reading the logs of ${target.namespace}/${target.pod}`,
    );
  }

  async scale(namespace: string, deployment: string, replicas: number): Promise<void> {
    await this.kubectl(
      ["scale", `deployment/${deployment}`, "-n", namespace, `--replicas=${replicas}`, "--request-timeout=20s"],
      GET_TIMEOUT_MS,
      `scaling ${namespace}/${deployment} to ${replicas}`,
    );
  }

  async runProbe(spec: ProbePodSpec): Promise<string> {
    // Tolerate every taint: a probe pinned to a control-plane node must still start there.
    const overrides = { apiVersion: "v1", spec: { ...(spec.nodeName ? { nodeName: spec.nodeName } : {}), tolerations: [{ operator: "Exists" }] } };
    return this.kubectl(
      [
        "run", spec.name, "-n", spec.namespace, `--image=${spec.image}`, "--restart=Never", "--rm", "-i", "--quiet",
        // The label keeps Istio's injector away: the probe tests the network under the mesh, not the mesh.
        "--labels=sidecar.istio.io/inject=false,app.kubernetes.io/managed-by=kindmesh",
        `--overrides=${JSON.stringify(overrides)}`, "--pod-running-timeout=2m", "--command", "--", "sh", "-c", spec.script,
      ],
      spec.timeoutMs,
      `probe pod ${spec.namespace}/${spec.name}`,
    );
  }
}

/** JSON.parse without echoing the text in the error: the text may be a Secret. */
function parseJson(text: string, cluster: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KubeError(cluster, `kubectl printed ${what} as something that is not JSON`);
  }
}

/** The fields of a pod the checks use. */
export function toPodInfo(raw: unknown): PodInfo {
  const pod = (raw ?? {}) as {
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
    spec?: {
      nodeName?: string;
      hostNetwork?: boolean;
      containers?: { name?: string; image?: string; ports?: { containerPort?: number; protocol?: string }[] }[];
      initContainers?: { name?: string; image?: string }[];
    };
    status?: { phase?: string; podIP?: string; containerStatuses?: { ready?: boolean }[] };
  };
  const statuses = pod.status?.containerStatuses ?? [];
  // A native sidecar (Kubernetes >= 1.33 with istiod's ENABLE_NATIVE_SIDECARS=auto, release-1.31
  // pkg/kube/inject/webhook.go DetectNativeSidecar) is an init container named istio-proxy.
  const proxy = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === "istio-proxy");
  // Sidecars carry their revision only as an annotation (injection-template.yaml; the label went in istio#33447),
  // gateways and istiod as a label.
  const revision = pod.metadata?.labels?.["istio.io/rev"] ?? pod.metadata?.annotations?.["istio.io/rev"];
  return {
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    phase: pod.status?.phase ?? "Unknown",
    ready: statuses.length > 0 && statuses.every((s) => s.ready === true),
    labels: pod.metadata?.labels ?? {},
    nodeName: pod.spec?.nodeName,
    podIP: pod.status?.podIP,
    hostNetwork: pod.spec?.hostNetwork === true,
    ports: (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.containerPort ?? 0)).filter((p) => p > 0),
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    ...(proxy?.image ? { proxyImage: proxy.image } : {}),
    ...(revision ? { revision } : {}),
  };
}
