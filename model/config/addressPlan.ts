/**
 * The address plan: the stack's Docker subnet, unique pod/service subnets, which clusters
 * need an east-west gateway, MetalLB pools carved from the Docker subnet, and fixed API server ports.
 */
import {
  allocateByName,
  cidrSize,
  firstHost,
  nameHash,
  nodeRange,
  overlaps,
  parseCidr,
  podSubnetCandidates,
  poolAt,
  poolCapacity,
  prefixForPools,
  serviceSubnetCandidates,
  slotsByName,
  type Cidr,
} from "./addresses";
import { Problems, show } from "./problems";
import type { ClusterSpec, DockerNetworkSpec } from "../types";
import type { TopologyInput } from "./topologySpec";

/**
 * Where default Docker subnets come from: 172.16.0.0/16, the one /16 of 172.16.0.0/12 outside Docker's own
 * default address pools (172.17-31.0.0/16 and 192.168.0.0/16 in /20s: moby libnetwork/ipamutils, daemon option
 * default-address-pools), so a network Docker makes for something else never takes a stack's subnet; and apart
 * from the 10.x pod and service subnets kindmesh allocates.
 */
export const DEFAULT_SUBNET_BLOCK = "172.16.0.0/16";
/**
 * One /22 per stack (64 of them in the block): room for 510 node containers (lower half) and 15 MetalLB pools
 * (top quarter), so adding a cluster rarely moves another cluster's pool.
 */
const DEFAULT_SUBNET_PREFIX = 22;
/** What bigger labs are told to write instead: outside Docker's pools and kindmesh's 10.1-10.255 allocations. */
const LARGER_SUBNET_EXAMPLE = "10.0.0.0/16";

/**
 * A stack's default Docker subnet: a /22 of DEFAULT_SUBNET_BLOCK chosen by the stack name's hash, so it is the
 * same on every machine and run, and two stacks (a copied stack file) get different ones unless their names'
 * hashes meet (1 in 64; then set one stack's subnet; the subnet-overlap preflight names the other network).
 */
export function defaultDockerSubnet(stack: string): string {
  // The hash's top byte: FNV-1a's low bits spread short names poorly ("flat" and "primary-remote" meet there).
  const bits = DEFAULT_SUBNET_PREFIX - 16;
  const slot = nameHash(stack) >>> (32 - bits);
  return `172.16.${slot * 2 ** (8 - bits)}.0/${DEFAULT_SUBNET_PREFIX}`;
}

/** kind gives every node a /24 of the pod subnet (kube-controller-manager's default node-cidr-mask-size). */
const NODE_POD_PREFIX = 24;

interface Ranged {
  cluster: ClusterSpec;
  key: "podSubnet" | "serviceSubnet";
  cidr: Cidr;
}

function readSubnet(p: Problems, path: string, text: string): Cidr | undefined {
  const parsed = parseCidr(text);
  if ("error" in parsed) {
    p.error(path, `${show(text)} ${parsed.error}. Use an IPv4 CIDR, or remove the key to have one allocated.`);
    return undefined;
  }
  return parsed;
}

/** Whether each cluster runs an east-west gateway: every cluster of a multi-network mesh, and any primary with remotes. */
function markGateways(clusters: ClusterSpec[]): void {
  const multiNetwork = new Set(clusters.map((c) => c.network)).size > 1;
  for (const c of clusters) {
    const hasRemotes = clusters.some((r) => r.role === "remote" && r.primary === c.name);
    c.needsEastWestGateway = multiNetwork || (c.role === "primary" && hasRemotes);
  }
}

function checkSizes(p: Problems, r: Ranged): void {
  const path = `topology.clusters[${r.cluster.index}].${r.key}`;
  if (r.key === "serviceSubnet" && (r.cidr.prefix < 12 || r.cidr.prefix > 28)) {
    p.error(path, `${r.cidr.text} must be between /12 (the API server's largest) and /28 (room for the API and DNS service IPs).`);
  }
  if (r.key === "podSubnet" && r.cluster.kind === "kind") {
    const nodes = Math.max(1, r.cluster.nodes.length);
    const largestPrefix = NODE_POD_PREFIX - Math.ceil(Math.log2(nodes));
    if (r.cidr.prefix > largestPrefix) {
      p.error(path, `${r.cidr.text} is too small: each of the ${nodes} nodes takes a /24 from it; use a /${largestPrefix} or larger.`);
    }
  }
}

/** Disjoint from the Docker network, inside one cluster, and among clusters sharing a network. */
function checkOverlaps(p: Problems, ranges: Ranged[], docker: Cidr | undefined): void {
  for (const r of ranges) {
    const path = `topology.clusters[${r.cluster.index}].${r.key}`;
    if (docker && overlaps(r.cidr, docker)) {
      p.error(path, `${r.cidr.text} overlaps the Docker network ${docker.text}, where node containers and MetalLB pools live; pick a range outside it (e.g. 10.x.0.0/16) or remove the key to have one allocated.`);
    }
  }
  ranges.forEach((a, i) => {
    for (const b of ranges.slice(i + 1)) {
      const sameCluster = a.cluster === b.cluster;
      if (!sameCluster && a.cluster.network !== b.cluster.network) continue;
      if (!overlaps(a.cidr, b.cidr)) continue;
      const why = sameCluster
        ? "a cluster's pod and service subnets must not overlap"
        : `clusters on one network ("${a.cluster.network}") route each other's pods directly, so their subnets must be disjoint`;
      p.error(
        `topology.clusters[${b.cluster.index}].${b.key}`,
        `${b.cidr.text} overlaps ${a.cidr.text} (topology.clusters[${a.cluster.index}].${a.key}): ${why}. Change one, or remove it to have one allocated.`,
      );
    }
  });
}

function checkDockerCapacity(p: Problems, docker: Cidr, clusters: ClusterSpec[], poolClusters: ClusterSpec[], isDefault: boolean): void {
  const path = "topology.dockerNetwork.subnet";
  const what = isDefault ? `${docker.text} (this stack's default)` : docker.text;
  const capacity = poolCapacity(docker);
  if (poolClusters.length > capacity) {
    const names = poolClusters.map((c) => c.name).join(", ");
    p.error(
      path,
      `${what} is too small: ${poolClusters.length} clusters need a MetalLB pool (${names}) and its top quarter holds ${capacity}. Set topology.dockerNetwork.subnet to a /${prefixForPools(poolClusters.length)} or larger, e.g. "${LARGER_SUBNET_EXAMPLE}".`,
    );
  }
  const nodes = clusters.reduce((n, c) => n + c.nodes.length, 0);
  const nodeRoom = cidrSize(docker) / 2 - 2;
  if (nodes > nodeRoom) {
    p.error(path, `${what} leaves ${Math.max(0, nodeRoom)} addresses for ${nodes} node containers; set topology.dockerNetwork.subnet to a larger one, e.g. "${LARGER_SUBNET_EXAMPLE}".`);
  }
}

/**
 * A stable block of 100 API server host ports per stack, so two stacks can run side by side, kept below
 * Linux's ephemeral port range (32768-60999) so an outgoing connection never holds one.
 */
export function apiServerPortBase(stack: string): number {
  return 20000 + (nameHash(stack) % 120) * 100;
}

/** Ports in a stack's block: one per kind cluster, by name. */
const PORTS_PER_STACK = 100;

export function planAddresses(
  p: Problems,
  topology: TopologyInput,
  stack: string,
): { dockerNetwork: DockerNetworkSpec; clusters: ClusterSpec[] } {
  const clusters = topology.clusters.map((c) => ({ ...c }));
  markGateways(clusters);
  const subnetText = topology.dockerNetwork.subnet ?? defaultDockerSubnet(stack);
  let docker = readSubnet(p, "topology.dockerNetwork.subnet", subnetText);
  if (docker && docker.prefix > 28) {
    p.error("topology.dockerNetwork.subnet", `${docker.text} is too small for node containers and MetalLB pools; use a /24 or larger, e.g. "${LARGER_SUBNET_EXAMPLE}".`);
    docker = undefined;
  }
  const ranges: Ranged[] = [];
  for (const cluster of clusters) {
    for (const key of ["podSubnet", "serviceSubnet"] as const) {
      const text = cluster[key];
      const cidr = text === undefined ? undefined : readSubnet(p, `topology.clusters[${cluster.index}].${key}`, text);
      if (cidr) ranges.push({ cluster, key, cidr });
    }
  }
  ranges.forEach((r) => checkSizes(p, r));
  checkOverlaps(p, ranges, docker);

  const kindClusters = clusters.filter((c) => c.kind === "kind");
  const taken = [...ranges.map((r) => r.cidr), ...(docker ? [docker] : [])];
  const needPod = kindClusters.filter((c) => c.podSubnet === undefined);
  const pods = allocateByName(needPod.map((c) => c.name), podSubnetCandidates(), taken);
  needPod.forEach((c) => (c.podSubnet = pods.get(c.name)?.text));
  taken.push(...pods.values());
  const needService = kindClusters.filter((c) => c.serviceSubnet === undefined);
  const services = allocateByName(needService.map((c) => c.name), serviceSubnetCandidates(), taken);
  needService.forEach((c) => (c.serviceSubnet = services.get(c.name)?.text));

  const poolClusters = kindClusters.filter((c) => c.needsEastWestGateway && c.eastWestGateway === "LoadBalancer");
  if (docker && kindClusters.length > 0) {
    checkDockerCapacity(p, docker, kindClusters, poolClusters, topology.dockerNetwork.subnet === undefined);
    if (poolClusters.length <= poolCapacity(docker)) {
      const slots = slotsByName(poolClusters.map((c) => c.name), poolCapacity(docker));
      poolClusters.forEach((c) => (c.metallbPool = poolAt(docker as Cidr, slots.get(c.name) ?? 0)));
    }
  }
  if (kindClusters.length > PORTS_PER_STACK) {
    p.error("topology.clusters", `has ${kindClusters.length} kind clusters; one stack holds at most ${PORTS_PER_STACK} (one API server port each).`);
    return { dockerNetwork: { name: topology.dockerNetwork.name, subnet: subnetText, gateway: "", ipRange: "" }, clusters };
  }
  const portBase = apiServerPortBase(stack);
  const ports = slotsByName(kindClusters.map((c) => c.name), PORTS_PER_STACK);
  kindClusters.forEach((c) => (c.apiServerPort = portBase + (ports.get(c.name) ?? 0)));

  const subnet = docker?.text ?? subnetText;
  return {
    dockerNetwork: { name: topology.dockerNetwork.name, subnet, gateway: docker ? firstHost(docker) : "", ipRange: docker ? nodeRange(docker) : "" },
    clusters,
  };
}
