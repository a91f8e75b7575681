/**
 * Fakes for the clusters layer's resources and invokes (see index.ts): a small fake Docker host. Creating a
 * `docker.Network` registers its subnet; a `kind create cluster` Command starts node containers on it (kind's
 * node names, addresses handed out in order from the subnet as Docker's IPAM does, one /24 of the pod subnet
 * per node as the node IPAM controller does) and prints a kind kubeconfig. The invokes answer from that state:
 * `docker inspect` prints a container's address, `kubectl get nodes` inside a control plane lists its nodes.
 * Everything is computed from the inputs; unknown commands throw, like unknown invokes.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { CallFake, StateFake } from "./index";

export interface FakeContainer {
  name: string;
  cluster: string;
  role: string;
  network: string;
  ip: string;
  podCIDR: string;
}

const networks = new Map<string, { base: number; next: number }>();
const containers = new Map<string, FakeContainer>();
const stopped = new Set<string>();
/** Per kubeconfig context of an existing cluster: its nodes as `<name>\t<region>\t<zone>\t<subzone>` lines. */
const existingNodes = new Map<string, string[]>();
let bridgeMtu = "1500";
let dockerDown = false;

/** The fake host's outside-Pulumi controls, as a user would act on a real one. */
export const fakeDockerHost = {
  /** `kind delete cluster --name <kindName>` (or `docker rm -f` of every node). */
  deleteKindCluster(kindName: string): void {
    for (const [name, c] of containers) if (c.cluster === kindName) containers.delete(name);
  },
  /** `docker rm -f <container>`. */
  removeContainer(name: string): void {
    containers.delete(name);
  },
  /** `docker stop <container>`. */
  stopContainer(name: string): void {
    stopped.add(name);
  },
  /** The `com.docker.network.driver.mtu` option of Docker's default bridge ("" = none). */
  setBridgeMtu(mtu: string): void {
    bridgeMtu = mtu;
  },
  /** An existing cluster's nodes, as kubectl would list them through that context. */
  setExistingNodes(context: string, nodes: { name: string; region?: string; zone?: string; subzone?: string }[]): void {
    existingNodes.set(context, nodes.map((n) => [n.name, n.region ?? "", n.zone ?? "", n.subzone ?? ""].join("\t")));
  },
  /** Docker stopped (or DOCKER_HOST pointing elsewhere): every docker command fails. */
  setDown(down: boolean): void {
    dockerDown = down;
  },
  /** Back to an empty host (no networks, containers or existing clusters; MTU 1500). */
  reset(): void {
    networks.clear();
    containers.clear();
    stopped.clear();
    existingNodes.clear();
    bridgeMtu = "1500";
    dockerDown = false;
  },
};

const toNumber = (ip: string) => ip.split(".").reduce((n, b) => n * 256 + Number(b), 0);
const toAddress = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** A node container the fake Docker host runs (for assertions that need its address or pod CIDR). */
export function fakeContainer(name: string): FakeContainer {
  const c = containers.get(name);
  if (!c) throw new Error(`the fake Docker host runs no container ${name}; it runs: ${[...containers.keys()].join(", ")}`);
  return c;
}

export function fakeNodesOf(cluster: string): FakeContainer[] {
  return [...containers.values()].filter((c) => c.cluster === cluster);
}

function createNetwork(inputs: Record<string, any>): Record<string, any> {
  const subnet: string | undefined = inputs.ipamConfigs?.[0]?.subnet;
  for (const [name, c] of containers) if (c.network === inputs.name) containers.delete(name);
  // .1 is the gateway; Docker hands containers the next free addresses. (Without a subnet Docker would pick
  // one from its default pools: no kind cluster of this program lands on such a network.)
  if (subnet) networks.set(inputs.name, { base: toNumber(subnet.split("/")[0]), next: 2 });
  else networks.delete(inputs.name);
  return { scope: "local", internal: false, ipv6: false, attachable: false, ingress: false, ipamDriver: "default" };
}

function kubeconfigFor(cluster: string, port: number): string {
  const key = `kind-${cluster}`;
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${b64(`fake CA of ${cluster}`)}`,
    `    server: https://127.0.0.1:${port}`,
    `  name: ${key}`,
    "contexts:",
    "- context:",
    `    cluster: ${key}`,
    `    user: ${key}`,
    `  name: ${key}`,
    `current-context: ${key}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${key}`,
    "  user:",
    `    client-certificate-data: ${b64(`fake client cert of ${cluster}`)}`,
    `    client-key-data: ${b64(`fake client key of ${cluster}`)}`,
    "",
  ].join("\n");
}

/** `kind create cluster --name <n> --config -` with the config on stdin, on KIND_EXPERIMENTAL_DOCKER_NETWORK. */
function kindCreate(cluster: string, inputs: Record<string, any>): Record<string, any> {
  const config = parse(inputs.stdin) as { networking: { apiServerPort: number; podSubnet: string }; nodes: { role: string }[] };
  const networkName = inputs.environment?.KIND_EXPERIMENTAL_DOCKER_NETWORK ?? "kind";
  const network = networks.get(networkName);
  if (!network) throw new Error(`fake docker: kind would create network ${networkName} itself, but kindmesh creates it first`);
  for (const [name, c] of containers) if (c.cluster === cluster) containers.delete(name);
  for (const name of [...stopped]) if (name.startsWith(`${cluster}-`)) stopped.delete(name);
  const podBase = toNumber(config.networking.podSubnet.split("/")[0]);
  const seen: Record<string, number> = {};
  config.nodes.forEach((node, i) => {
    seen[node.role] = (seen[node.role] ?? 0) + 1;
    const name = `${cluster}-${node.role}${seen[node.role] === 1 ? "" : seen[node.role]}`;
    const ip = toAddress(network.base + network.next++);
    containers.set(name, { name, cluster, role: node.role, network: networkName, ip, podCIDR: `${toAddress(podBase + i * 256)}/24` });
  });
  return { stdout: kubeconfigFor(cluster, config.networking.apiServerPort), stderr: `Creating cluster "${cluster}" ...\n` };
}

const unquote = (word: string) => word.replace(/^'(.*)'$/, "$1");

export const clusterStates: Record<string, StateFake> = {
  "docker:index/network:Network": (_name, inputs) => createNetwork(inputs),
  // The local image's ID (docker inspect .Id): a digest of its config, which the fake derives from the name.
  "docker:index/remoteImage:RemoteImage": (_name, inputs) => ({
    imageId: `sha256:${createHash("sha256").update(String(inputs.name)).digest("hex")}`,
    repoDigest: String(inputs.name).replace(/:[^:@/]+@/, "@"),
  }),
  "docker:index/volume:Volume": (_name, inputs) => ({ driver: "local", mountpoint: `/var/lib/docker/volumes/${inputs.name}/_data` }),
  "command:local:Command": (_name, inputs) => {
    const create = /kind create cluster --name (\S+)/.exec(String(inputs.create ?? ""));
    return create ? kindCreate(unquote(create[1]), inputs) : { stdout: "", stderr: "" };
  },
};

const INSPECT = /^docker inspect -f '\{\{ \(index \.NetworkSettings\.Networks "([^"]+)"\)\.IPAddress \}\}' (\S+) 2>&1 \|\| true$/;
const BRIDGE_MTU = /docker network inspect bridge -f '\{\{ index \.Options "com\.docker\.network\.driver\.mtu" \}\}'/;
const LIVENESS = /docker version --format[\s\S]*\nfor n in ([^;]+); do\n/;
const NODE_LABELS = /kubectl --kubeconfig (\S+) --context (\S+) get nodes -o jsonpath=/;
const GET_NODES = /docker exec (\S+) kubectl --kubeconfig=\/etc\/kubernetes\/admin\.conf get nodes -o jsonpath=/;

function run(inputs: Record<string, any>): { stdout: string; stderr: string } {
  const cmd = String(inputs.command);
  // What the command provider reports for a script that exits 1 after printing our message on stderr.
  if (dockerDown && BRIDGE_MTU.test(cmd)) throw new Error("exit status 1: kindmesh: cannot read the MTU of Docker's default bridge network: Cannot connect to the Docker daemon");
  if (dockerDown && LIVENESS.test(cmd)) throw new Error("exit status 1: kindmesh: Docker does not answer (docker version failed). Start Docker, or point DOCKER_HOST (or the docker context) at the engine this stack was deployed on, then run pulumi up again.");
  const inspect = INSPECT.exec(cmd);
  if (inspect) {
    const [, network, name] = inspect;
    // As the command prints them (2>&1 || true): Docker's complaints come back on stdout, exit status 0.
    const c = containers.get(unquote(name));
    if (!c) return { stdout: `Error: No such object: ${unquote(name)}\n`, stderr: "" };
    if (c.network !== network) return { stdout: `template: :1: executing "" at <.IPAddress>: nil pointer evaluating *network.EndpointSettings.IPAddress\n`, stderr: "" };
    return { stdout: `${c.ip}\n`, stderr: "" };
  }
  if (BRIDGE_MTU.test(cmd)) return { stdout: `${bridgeMtu}\n`, stderr: "" };
  const liveness = LIVENESS.exec(cmd);
  if (liveness) {
    const names = liveness[1].trim().split(/\s+/).map(unquote);
    const state = (n: string) => (!containers.has(n) ? "missing" : stopped.has(n) ? "stopped" : "running");
    return { stdout: names.map((n) => `${n} ${state(n)}\n`).join(""), stderr: "" };
  }
  const labels = NODE_LABELS.exec(cmd);
  if (labels) {
    const nodes = existingNodes.get(unquote(labels[2]));
    if (!nodes) throw new Error(`exit status 1: kindmesh: cannot list the nodes of cluster (context ${unquote(labels[2])}): the fake host knows no such cluster`);
    return { stdout: nodes.map((l) => `${l}\n`).join(""), stderr: "" };
  }
  const getNodes = GET_NODES.exec(cmd);
  if (getNodes) {
    const cp = containers.get(unquote(getNodes[1]));
    if (!cp) throw new Error(`Error response from daemon: No such container: ${unquote(getNodes[1])}`);
    const lines = fakeNodesOf(cp.cluster).map((n) => `${n.name} ${n.podCIDR} ${n.ip}\n`);
    return { stdout: lines.join(""), stderr: "" };
  }
  throw new Error(`fake command:local:run does not know this command: ${cmd.slice(0, 200)}`);
}

export const clusterCalls: Record<string, CallFake> = {
  "command:local:run": (inputs) => ({ ...inputs, ...run(inputs) }),
};

/**
 * Runs one of the layer's shell scripts with /bin/sh (as the Command provider does) against stand-ins for the
 * host's tools: each stub is a shell script body put on PATH under its name (`kind`, `docker`). Every call of
 * a stub is appended to `calls` as its argv joined by spaces, so tests see what would have run, in order.
 */
export function runScript(
  script: string,
  opts: { stubs: Record<string, string>; stdin?: string; env?: Record<string, string> },
): { status: number; stdout: string; stderr: string; calls: string[]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-stub-"));
  const log = path.join(dir, "calls.log");
  for (const [name, body] of Object.entries(opts.stubs)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$(basename "$0") $*" >> "${log}"\n${body}\n`);
    fs.chmodSync(file, 0o755);
  }
  const result = spawnSync("/bin/sh", ["-c", script], {
    input: opts.stdin ?? "",
    encoding: "utf8",
    env: { PATH: `${dir}:/usr/bin:/bin`, STUB_DIR: dir, HOME: dir, KUBECONFIG: path.join(dir, "users-kubeconfig"), ...opts.env },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : [];
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls, dir };
}
