/**
 * What scripts/pulumi.sh checks about a stack before Pulumi runs, where it needs the stack as the program reads
 * it: the Docker subnet against the engine's networks (before `up`), and that every kind cluster answers
 * (before `refresh`). Pure: the engine is read by the caller (scripts/preflight.ts) and handed in.
 */
import { overlaps, parseCidr, type Cidr } from "../../model/config/addresses";
import type { RawConfig } from "../../model/stackCheck";
import type { MeshSpec } from "../../model/types";
import { rawConfigOf, readStackFile } from "./stackFile";

/**
 * A stack's config as the program reads it (scripts/lib/stackFile.ts merges the files as the CLI does), for
 * the network and cluster names only: the root CA is left out, since an encrypted key cannot be read here and
 * is not what the preflight checks.
 */
export function readStackRaw(projectDir: string, stack: string): Omit<RawConfig, "rootCa"> {
  const { rootCa: _ignored, ...raw } = rawConfigOf(readStackFile(stack, projectDir));
  return raw;
}

/** One network of the engine, from `docker network inspect`. */
export interface EngineNetwork {
  name: string;
  subnets: string[];
}

/** The name and IPv4 subnets of each network in `docker network inspect <id>...` output (a JSON array). */
export function parseNetworkInspect(json: string): EngineNetwork[] {
  const list = JSON.parse(json) as { Name?: string; IPAM?: { Config?: { Subnet?: string }[] | null } }[];
  return list.map((n) => ({
    name: n.Name ?? "",
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? "").filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)),
  }));
}

/**
 * Every network on the engine whose subnet overlaps the stack's Docker subnet. The stack's own network is fine:
 * the one of that name, and any the stack's state holds (`owned`: after a rename, Pulumi replaces the old one,
 * deleting it first). Docker would refuse the new network ("Pool overlaps with other one on this address
 * space"), or worse, node addresses would be routed to the wrong bridge.
 */
export function subnetOverlaps(stack: string, network: { name: string; subnet: string }, engine: EngineNetwork[], owned: string[] = []): string[] {
  const mine = parseCidr(network.subnet);
  if ("error" in mine) return [];
  const problems: string[] = [];
  for (const other of engine) {
    if (other.name === network.name || owned.includes(other.name)) continue;
    for (const subnet of other.subnets) {
      const theirs = parseCidr(subnet);
      if ("error" in theirs || !overlaps(mine as Cidr, theirs)) continue;
      problems.push(
        `the stack's Docker subnet ${network.subnet} (network ${network.name}) overlaps the Docker network "${other.name}" (${subnet}) on this engine. ` +
          `Set topology.dockerNetwork.subnet in Pulumi.${stack}.yaml to a free range, or remove that network if nothing uses it (docker network rm ${other.name}).`,
      );
    }
  }
  return problems;
}

/** The names of the Docker networks in a `pulumi stack export` (the stack's state). */
export function ownedNetworks(exportJson: string): string[] {
  if (exportJson.trim() === "") return [];
  const state = JSON.parse(exportJson) as { deployment?: { resources?: { type?: string; outputs?: { name?: unknown } }[] } };
  return (state.deployment?.resources ?? [])
    .filter((r) => r.type === "docker:index/network:Network" && typeof r.outputs?.name === "string")
    .map((r) => r.outputs?.name as string);
}

/**
 * `up` runs kubectl on this machine only for existing clusters (kind clusters get it inside their control-plane
 * container): Istio's revision rollout there (components/revisionRollout.ts) and the check of the localities it
 * declares (model/build/nodeLabels.ts). Name those clusters when kubectl is missing, before Pulumi starts.
 */
export function kubectlProblems(spec: MeshSpec, hasKubectl: boolean): string[] {
  const existing = spec.clusters.filter((c) => c.kind === "existing").map((c) => c.name);
  if (hasKubectl || existing.length === 0) return [];
  const many = existing.length > 1;
  return [
    `kubectl is not installed, and up runs it on this machine for the existing cluster${many ? "s" : ""} ${existing.join(", ")} (Istio's rollout, declared localities): install kubectl 1.35 (https://kubernetes.io/docs/tasks/tools/)`,
  ];
}

/** What the engine says about a kind cluster's control-plane container. */
export interface ControlPlaneProbe {
  /** "missing": Docker has no such container; "unknown": Docker could not say (detail has its words). */
  state: "running" | "stopped" | "missing" | "unknown";
  /** Running, and its API server answered /readyz (asked inside the container, as the program's scripts do). */
  ready: boolean;
  /** Docker's or kubectl's words when not. */
  detail: string;
}

/**
 * Whether `pulumi refresh` may run now. Each kind cluster's Kubernetes provider has deleteUnreachable
 * (components/kindCluster.ts): a refresh drops from the state every object of a cluster it cannot reach. That
 * is right for a cluster that is gone (its containers deleted: `up` recreates it), so that is only a note; it is
 * wrong for one that is merely down (stopped, starting, or Docker cannot say), so that is a problem. Existing
 * clusters' providers do not delete (a refresh fails instead).
 */
export function refreshCheck(spec: MeshSpec, probe: (controlPlane: string) => ControlPlaneProbe): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const cluster of spec.clusters.filter((c) => c.kind === "kind")) {
    const cp = cluster.nodes.find((n) => n.role === "control-plane")?.nodeName;
    if (!cp) continue;
    const p = probe(cp);
    const which = `cluster ${cluster.name} (kind cluster ${cluster.kindName ?? cluster.name})`;
    if (p.state === "missing") notes.push(`${which} no longer exists (no container ${cp}): the refresh drops what was in it from the state, and npm run up creates it again.`);
    else if (p.state === "stopped") problems.push(`${which}: its control-plane container ${cp} is stopped. Start the cluster's containers (docker start ${cp} and its workers), then try again.`);
    else if (p.state === "unknown") problems.push(`${which}: Docker cannot say whether ${cp} runs (${p.detail}).`);
    else if (!p.ready) problems.push(`${which}: the API server in ${cp} does not answer yet (${p.detail}). Wait a minute after a restart and try again.`);
  }
  return { problems, notes };
}
