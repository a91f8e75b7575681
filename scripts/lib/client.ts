/**
 * The seam between the commands and the outside world. Everything verify and drill learn about a lab comes
 * through a {@link ClusterClient}: the real one (`kubectl.ts`) shells out to `pulumi` and `kubectl`, the tests
 * inject a fake. Nothing here knows Istio; the checks interpret what these calls return.
 */

/** A pod as the checks need it (from `kubectl get pods -o json`). */
export interface PodInfo {
  name: string;
  namespace: string;
  /** `status.phase`: Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  /** Every container reports ready. */
  ready: boolean;
  labels: Record<string, string>;
  nodeName?: string;
  podIP?: string;
  hostNetwork: boolean;
  /** TCP containerPorts of all containers. */
  ports: number[];
  /** Set while the pod is being deleted. */
  deleting: boolean;
  /** The image of its `istio-proxy` container (a sidecar or an injected gateway), if it has one. */
  proxyImage?: string;
  /** The Istio revision that injected it: the `istio.io/rev` label (gateways, istiod) or annotation (sidecars). */
  revision?: string;
}

/** Where a command runs: a container of a pod (the pod's default container when `container` is unset). */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container?: string;
}

/** A short-lived, uninjected pod that runs one shell script and is deleted afterwards. */
export interface ProbePodSpec {
  namespace: string;
  /** Unique per run; a DNS label. */
  name: string;
  image: string;
  /** Pin to one node (so each node's routes are tested), else the scheduler decides. */
  nodeName?: string;
  /** Run by `sh -c`; its stdout is the result. */
  script: string;
  timeoutMs: number;
}

/** One cluster of the lab, reached with its kubeconfig. Methods throw `KubeError` on failure. */
export interface KubeCluster {
  readonly name: string;
  /** Throws a `KubeError` with `unreachable` set when the API server does not answer. */
  ping(): Promise<void>;
  /** Pods in a namespace matching a label selector (`""` selects all). */
  listPods(namespace: string, selector: string): Promise<PodInfo[]>;
  /** Runs a command in a container and returns its stdout. */
  exec(target: ExecTarget, command: string[], timeoutMs: number): Promise<string>;
  /**
   * `kubectl get <kind> <name> -o json`; undefined when it does not exist. Namespace `""` for cluster-scoped
   * objects; name `""` for the whole list (`{ items: [...] }`).
   */
  getJson(kind: string, namespace: string, name: string): Promise<unknown>;
  /** `kubectl logs` of a container over the last `sinceSeconds` seconds. */
  logs(target: ExecTarget, sinceSeconds: number): Promise<string>;
  /** `kubectl scale deployment`. */
  scale(namespace: string, deployment: string, replicas: number): Promise<void>;
  /** Runs a probe pod to completion and returns its output. */
  runProbe(spec: ProbePodSpec): Promise<string>;
}

/** Everything the commands need from outside: the stack's outputs and its clusters. */
export interface ClusterClient {
  /** `pulumi stack output --json --show-secrets --stack <stack>`, parsed; throws `UserError` (no such stack, ...). */
  stackOutputs(stack: string): Promise<unknown>;
  /** A handle on one cluster. The kubeconfig is a secret: it never appears on a command line or in a message. */
  cluster(name: string, kubeconfig: string): KubeCluster;
  /** Removes whatever the client left behind (temporary kubeconfig files). */
  close(): Promise<void>;
}

/** Where the commands write. `stderrIsTTY` turns the progress bar on. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stderrIsTTY: boolean;
}

/** The signals the drill restores on; `process` is one, tests inject an EventEmitter. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** Waiting, made injectable so tests do not sleep. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The real terminal. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}
