/**
 * An in-memory lab behind the {@link ClusterClient} interface: pods, objects, istiod's /debug/clusterz, a
 * client sidecar (Envoy admin answers), backends that answer like helloworld, and probe pods. By default it is
 * a healthy deployment of a shipped stack whose traffic follows the model; options break one thing at a time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackOutputs } from "../../../model/build/outputs";
import type { LocalityEntry } from "../../../model/verify/verifyReport";
import type { ClusterClient, ExecTarget, KubeCluster, PodInfo, ProbePodSpec } from "../../../scripts/lib/client";
import { outboundCluster } from "../../../scripts/lib/envoy";
import { KubeError } from "../../../scripts/lib/errors";
import { type ClientRef, predictFor } from "../../../scripts/lib/prediction";
import { Responder } from "./responder";
import { clustersJson, configDump, statsText } from "./envoy";
import { fakeOutputs, specOf, versionOf } from "./outputs";

const CERTS = path.resolve(__dirname, "../../fixtures/certs");
export const pem = (name: string) => fs.readFileSync(path.join(CERTS, `${name}.pem`), "utf8");

/** One way to break the lab. */
export interface FakeOptions {
  outputs?: StackOutputs;
  /** istiod in `primary` reports `other` as this status; undefined = the cluster is missing. @default "synced" */
  clusterz?: (primary: string, other: string) => string | undefined;
  /** Whether a probe in `from` (on `node`) connects to host:port. @default true */
  reachable?: (from: string, node: string | undefined, host: string, port: number) => boolean;
  /** Per cluster: which intermediate and root its cacerts holds, and the root istiod distributes (fixture names). */
  certs?: (cluster: string) => { root?: string; ca?: string; distributed?: string };
  /** Shares the backends really answer with, given the model's (e.g. drop a locality). @default identity */
  actual?: (shares: Record<string, number>) => Record<string, number>;
  /** Localities the client's sidecar has no endpoints for. */
  sidecarDrops?: string[];
  /** The Envoy node locality the client's sidecar reports. @default "" (as on kind: istiod does not set it) */
  nodeLocality?: string;
  /** Nodes whose topology labels are missing (kind node names). */
  unlabelledNodes?: string[];
  clientPhase?: string;
  /** Clusters whose API server does not answer. */
  unreachable?: string[];
  /** Whether the sidecar exposes the outbound cluster's counters. @default true */
  statsExposed?: boolean;
  /** upstream_rq_retry added per counter read. @default 0 */
  retriesPerRead?: number;
  /** Throw from exec when this returns true. */
  failExec?: (cluster: string, command: string[]) => boolean;
  /** Scaling up fails (the drill's restore). */
  failScaleUp?: boolean;
  /** Pods scaled away stay listed (terminating) for this many listings. @default 0 */
  linger?: number;
  /** The Istio version of a pod's proxy (and of istiod). @default the stack's (trafficModel istioVersion) */
  istioVersion?: (cluster: string, pod: string) => string;
}

/** The fake client, with everything it saw. */
export class FakeClient implements ClusterClient {
  readonly calls: string[] = [];
  readonly replicas = new Map<string, number>();
  /** Deployment key -> listings left during which its removed pods still show as terminating. */
  readonly lingering = new Map<string, number>();
  readonly kubeconfigs: Record<string, string> = {};
  readonly outputs: StackOutputs;
  readonly responder = new Responder();
  closed = false;
  counterReads = 0;
  /**
   * Clusters whose node containers are paused (the fake Docker sets it). Their endpoints vanish as if Envoy had
   * ejected them: the fake does not model hung connections (the drill's TCP reset rules exist to avoid them).
   */
  readonly paused = new Set<string>();
  /** Per cluster: the sources whose TCP 6443 its nodes drop (the fake Docker's iptables rules). */
  readonly droppedFrom = new Map<string, Set<string>>();

  constructor(readonly stack: string, readonly opts: FakeOptions = {}) {
    this.outputs = opts.outputs ?? fakeOutputs(stack);
    for (const s of this.outputs.workloads.services) for (const p of s.placements) this.replicas.set(`${p.cluster}/${s.namespace}/${p.deployment}`, s.replicas);
  }

  async stackOutputs(): Promise<unknown> {
    return structuredClone(this.outputs);
  }

  cluster(name: string, kubeconfig: string): KubeCluster {
    this.kubeconfigs[name] = kubeconfig;
    return new FakeCluster(name, this);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Live endpoints per placement of a service (locality, cluster, network), from the current replicas. */
  live(service: string): { locality: string; count: number; cluster: string; network: string }[] {
    const s = this.outputs.workloads.services.find((x) => x.name === service);
    return (s?.placements ?? []).map((p) => ({
      locality: p.locality,
      count: this.paused.has(p.cluster) ? 0 : (this.replicas.get(`${p.cluster}/${s?.namespace}/${p.deployment}`) ?? 0),
      cluster: p.cluster,
      network: this.outputs.clusters[p.cluster]?.network ?? "",
    }));
  }

  /** The service's trafficModel with live counts (per locality, and per locality and cluster for routed services). */
  liveModel(service: string): StackOutputs["trafficModel"][string] {
    const model = this.outputs.trafficModel[service];
    const s = this.outputs.workloads.services.find((x) => x.name === service);
    const replicasAt = (locality: string, cluster: string | undefined) =>
      (s?.placements ?? [])
        .filter((p) => p.locality === locality && p.cluster === cluster && !this.paused.has(p.cluster))
        .reduce((n, p) => n + (this.replicas.get(`${p.cluster}/${s?.namespace}/${p.deployment}`) ?? 0), 0);
    const placed = model.placedEndpoints?.map((e) => ({ ...e, count: replicasAt(e.locality, e.labels["topology.istio.io/cluster"]) }));
    return { ...model, endpoints: this.live(service), ...(placed ? { placedEndpoints: placed } : {}) };
  }

  /** What istiod programs for the client now (model, with live counts), minus the sidecar drops. */
  assignment(service: string, client: ClientRef): LocalityEntry[] {
    const entries = predictFor(this.liveModel(service), { ...client, network: client.network ?? this.outputs.clusters[client.cluster]?.network }).assignment;
    return entries.filter((e) => e.endpoints > 0 && !(this.opts.sidecarDrops ?? []).includes(e.locality));
  }
}

class FakeCluster implements KubeCluster {
  constructor(
    readonly name: string,
    private readonly lab: FakeClient,
  ) {}

  private get spec() {
    return specOf(this.lab.stack).clusters.find((c) => c.name === this.name);
  }

  /** A paused cluster's API server answers nobody, the drill's kubectl included. */
  private down(): void {
    if (this.lab.paused.has(this.name)) throw new KubeError(this.name, "Unable to connect to the server: net/http: TLS handshake timeout", true);
  }

  /** The InternalIPs of this cluster's nodes. */
  nodeAddresses(): string[] {
    const i = Object.keys(this.lab.outputs.clusters).indexOf(this.name);
    return (this.spec?.nodes ?? []).map((_n, k) => `172.30.${10 + i}.${k + 2}`);
  }

  async logs(target: ExecTarget, sinceSeconds: number): Promise<string> {
    this.down();
    this.lab.calls.push(`logs ${this.name} ${target.namespace}/${target.pod}:${target.container ?? ""} ${sinceSeconds}`);
    // client-go's reflector, as istiod logs a watch of an API server that does not answer.
    const cut = Object.keys(this.lab.outputs.clusters).filter((c) => c !== this.name && (this.lab.paused.has(c) || this.cutOffFrom(c)));
    const lines = ["info\tads\tPush debounce stable"];
    for (const c of cut) {
      const server = this.lab.outputs.clusters[c].apiServer.replace(/^https:\/\//, "");
      lines.push(`error\tk8s.io/client-go/tools/cache: Failed to watch *v1.EndpointSlice: Get "https://${server}/apis/discovery.k8s.io/v1/endpointslices": dial tcp ${server}: i/o timeout cluster=${c}`);
    }
    return `${lines.join("\n")}\n`;
  }

  /** Whether `other`'s nodes drop this cluster's traffic to their API server. */
  private cutOffFrom(other: string): boolean {
    const dropped = this.lab.droppedFrom.get(other);
    return dropped !== undefined && this.nodeAddresses().some((a) => dropped.has(a));
  }

  async ping(): Promise<void> {
    this.lab.calls.push(`ping ${this.name}`);
    this.down();
    if (this.lab.opts.unreachable?.includes(this.name)) throw new KubeError(this.name, "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused", true);
  }

  async listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    this.down();
    const want = selector === "" ? [] : selector.split(",").map((kv) => kv.split("="));
    return this.pods().filter((p) => (namespace === "" || p.namespace === namespace) && want.every(([k, v]) => p.labels[k] === v));
  }

  private pods(): PodInfo[] {
    const { outputs, replicas } = this.lab;
    const nodes = this.spec?.nodes ?? [];
    const pod = (namespace: string, name: string, labels: Record<string, string>, node: string | undefined, ip: string, ports: number[], phase = "Running"): PodInfo => ({
      name, namespace, phase, ready: phase === "Running", labels, nodeName: node, podIP: ip, hostNetwork: false, ports, deleting: false,
    });
    const out = [pod("kube-system", "coredns-1", { "k8s-app": "kube-dns" }, nodes[0]?.nodeName, `10.${this.index()}.0.2`, [53, 9153])];
    const version = (name: string) => this.lab.opts.istioVersion?.(this.name, name) ?? Object.values(outputs.trafficModel)[0]?.istioVersion ?? "1.31.1";
    const rev = (name: string) => version(name).replace(/\./g, "-");
    if (outputs.clusters[this.name]?.role === "primary") {
      out.push({ ...pod("istio-system", "istiod-1", { app: "istiod", "istio.io/rev": rev("istiod-1") }, nodes[0]?.nodeName, `10.${this.index()}.0.3`, [15010, 15012]), revision: rev("istiod-1") });
    }
    for (const c of outputs.workloads.clients.filter((x) => x.cluster === this.name)) {
      out.push(pod(c.namespace, `${c.name}-1`, { app: c.name }, nodes.find((n) => n.locality === c.locality)?.nodeName, `10.${this.index()}.0.9`, [80], this.lab.opts.clientPhase));
    }
    for (const s of outputs.workloads.services) {
      for (const p of s.placements.filter((x) => x.cluster === this.name)) {
        const key = `${this.name}/${s.namespace}/${p.deployment}`;
        const n = replicas.get(key) ?? 0;
        const node = nodes.find((x) => x.locality === p.locality)?.nodeName;
        for (let i = 0; i < n; i++) out.push(pod(s.namespace, `${p.deployment}-${i}`, { app: s.name, version: versionOf(p.locality) }, node, `10.${this.index()}.1.${i + 5}`, [s.port]));
        const left = this.lab.lingering.get(key) ?? 0;
        if (n === 0 && left > 0) {
          this.lab.lingering.set(key, left - 1);
          out.push({ ...pod(s.namespace, `${p.deployment}-0`, { app: s.name, version: versionOf(p.locality) }, node, "10.0.0.1", [s.port]), deleting: true });
        }
      }
    }
    // Injected pods: the proxy image and the revision (an annotation on a sidecar, not a label: toPodInfo reads it).
    return out.map((p) => (p.namespace === "kube-system" || p.namespace === "istio-system" ? p : { ...p, revision: rev(p.name), proxyImage: `docker.io/istio/proxyv2:${version(p.name)}` }));
  }

  private index(): number {
    return 10 * (1 + Object.keys(this.lab.outputs.clusters).indexOf(this.name));
  }

  async exec(target: ExecTarget, command: string[]): Promise<string> {
    this.lab.calls.push(`exec ${this.name} ${target.namespace}/${target.pod}${target.container ? `:${target.container}` : ""} ${command.slice(0, 4).join(" ").slice(0, 60)}`);
    this.down();
    if (this.lab.opts.failExec?.(this.name, command)) throw new KubeError(this.name, `exec in ${target.namespace}/${target.pod} failed: container not found`);
    if (command[0] === "pilot-discovery") return this.clusterz();
    if (command[0] === "pilot-agent") return this.envoy(target, command[3]);
    if (command[0] === "sh") return this.requests(target, command[2]);
    throw new Error(`fake: unexpected exec ${command.join(" ")}`);
  }

  private clusterz(): string {
    const status = this.lab.opts.clusterz ?? (() => "synced");
    const others = Object.keys(this.lab.outputs.clusters).filter((c) => c !== this.name);
    const entries = [{ id: this.name, secretName: "", syncStatus: "synced" }];
    for (const o of others) {
      const s = status(this.name, o);
      if (s !== undefined) entries.push({ id: o, secretName: `istio-system/istio-remote-secret-${o}`, syncStatus: s });
    }
    return `${JSON.stringify(entries, null, 2)}\n`;
  }

  private client(target: ExecTarget) {
    const c = this.lab.outputs.workloads.clients.find((x) => x.cluster === this.name && target.pod.startsWith(x.name));
    if (!c) throw new Error(`fake: no client pod ${target.pod}`);
    return c;
  }

  private envoy(target: ExecTarget, adminPath: string): string {
    const c = this.client(target);
    const service = this.lab.outputs.workloads.services[0];
    const cluster = outboundCluster(service.name, service.namespace, service.port);
    const entries = this.lab.assignment(service.name, c);
    if (adminPath.startsWith("stats?filter=")) {
      const retries = (this.lab.opts.retriesPerRead ?? 0) * this.lab.counterReads++;
      const counters = { upstream_rq_retry: 4 + retries, upstream_cx_connect_fail: 1, upstream_rq_timeout: 0 };
      return statsText(cluster, this.lab.opts.statsExposed === false ? {} : counters);
    }
    if (adminPath === "clusters?format=json") return clustersJson(cluster, entries);
    if (adminPath === "config_dump?include_eds") return configDump(this.lab.opts.nodeLocality ?? "", cluster, entries);
    throw new Error(`fake: unexpected admin path ${adminPath}`);
  }

  private requests(target: ExecTarget, script: string): string {
    const c = this.client(target);
    const n = Number(/^n=(\d+);/.exec(script)?.[1]);
    // The service the loop calls (its URL is http://<service>.<namespace>:<port>/hello); the fake mesh answers as the model says.
    const host = /http:\/\/([a-z0-9-]+)\./.exec(script)?.[1];
    const service = this.lab.outputs.workloads.services.find((x) => x.name === host) ?? this.lab.outputs.workloads.services[0];
    const network = this.lab.outputs.clusters[c.cluster]?.network;
    const model = predictFor(this.lab.liveModel(service.name), { ...c, network }).shares;
    const shares = (this.lab.opts.actual ?? ((s) => s))(model);
    return this.lab.responder.lines(`${c.name}@${c.locality}`, shares, n);
  }

  async getJson(kind: string, namespace: string, name: string): Promise<unknown> {
    this.down();
    if (kind === "nodes") {
      const ips = this.nodeAddresses();
      return { items: (this.spec?.nodes ?? []).map((n, k) => ({ metadata: { name: n.nodeName }, status: { addresses: [{ type: "InternalIP", address: ips[k] }, { type: "Hostname", address: n.nodeName }] } })) };
    }
    if (kind === "node") {
      const n = (this.spec?.nodes ?? []).find((x) => x.nodeName === name);
      if (!n) return undefined;
      const topology = { "topology.kubernetes.io/region": n.region, "topology.kubernetes.io/zone": n.zone, ...(n.subzone ? { "topology.istio.io/subzone": n.subzone } : {}) };
      return { metadata: { name, labels: { "kubernetes.io/hostname": name, ...(this.lab.opts.unlabelledNodes?.includes(name) ? {} : topology) } } };
    }
    if (kind === "secret" && name === "cacerts") {
      const { root, ca } = this.certs();
      if (!root || !ca) return undefined;
      const b64 = (s: string) => Buffer.from(s).toString("base64");
      return { data: { "root-cert.pem": b64(pem(root)), "ca-cert.pem": b64(pem(ca)), "cert-chain.pem": b64(pem(ca) + pem(root)), "ca-key.pem": b64("KEY") } };
    }
    if (kind === "configmap" && name === "istio-ca-root-cert") {
      const { distributed } = this.certs();
      return distributed ? { data: { "root-cert.pem": pem(distributed) } } : undefined;
    }
    if (kind === "service" && name === "istio-eastwestgateway") return { spec: { type: "LoadBalancer" }, status: { loadBalancer: {} } };
    if (kind === "deployment") {
      const s = this.lab.outputs.workloads.services.find((x) => x.placements.some((p) => p.deployment === name && p.cluster === this.name));
      const p = s?.placements.find((x) => x.deployment === name);
      if (!s || !p) return undefined;
      return { spec: { replicas: this.lab.replicas.get(`${this.name}/${namespace}/${name}`), selector: { matchLabels: { app: s.name, version: versionOf(p.locality) } } } };
    }
    throw new Error(`fake: unexpected get ${kind} ${namespace}/${name}`);
  }

  /** By default: one shared root; primaries alternate intermediates; remotes have no cacerts (no istiod). */
  private certs(): { root?: string; ca?: string; distributed?: string } {
    if (this.lab.opts.certs) return this.lab.opts.certs(this.name);
    if (this.lab.outputs.clusters[this.name].role === "remote") return { distributed: "root" };
    const i = Object.keys(this.lab.outputs.clusters).indexOf(this.name);
    return { root: "root", ca: i % 2 === 0 ? "inter-a" : "inter-b", distributed: "root" };
  }

  async scale(namespace: string, deployment: string, replicas: number): Promise<void> {
    this.lab.calls.push(`scale ${this.name} ${namespace}/${deployment} ${replicas}`);
    if (replicas > 0 && this.lab.opts.failScaleUp) throw new KubeError(this.name, "the server is currently unable to handle the request");
    if (replicas === 0) this.lab.lingering.set(`${this.name}/${namespace}/${deployment}`, this.lab.opts.linger ?? 0);
    this.lab.replicas.set(`${this.name}/${namespace}/${deployment}`, replicas);
  }

  async runProbe(spec: ProbePodSpec): Promise<string> {
    this.lab.calls.push(`probe ${this.name} ${spec.nodeName ?? "-"} ${spec.image}`);
    const list = /^for t in (.+); do/.exec(spec.script)?.[1].split(" ") ?? [];
    this.down();
    const reachable = this.lab.opts.reachable ?? (() => true);
    // A cluster's API server is out of reach from here while it is paused or drops this cluster's nodes.
    const apiOf = (host: string, port: number) => Object.keys(this.lab.outputs.clusters).find((c) => this.lab.outputs.clusters[c].apiServer === `https://${host}:${port}`);
    const ok = (from: string, node: string | undefined, host: string, port: number) => {
      const api = apiOf(host, port);
      if (api !== undefined && api !== this.name && (this.lab.paused.has(api) || this.cutOffFrom(api))) return false;
      return reachable(from, node, host, port);
    };
    return list
      .map((t) => {
        const [host, port] = t.split(":");
        return ok(this.name, spec.nodeName, host, Number(port)) ? `KMCONN ${t} 0.000412 52` : `KMCONN ${t} 0.000000 28`;
      })
      .join("\n");
  }
}
