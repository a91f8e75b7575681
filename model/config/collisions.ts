/**
 * Stacks that cannot run side by side on one Docker engine (issue 9): a Docker network name, an overlapping
 * subnet, a kind cluster name or an API server host port that another stack file of the project also resolves
 * to. Docker refuses the second network (or quietly shares it), kind refuses a second cluster of the same name,
 * and two API servers cannot bind one 127.0.0.1 port. Pure: the caller reads and parses the other files.
 */
import { overlaps, parseCidr } from "./addresses";
import { defaultDockerSubnet } from "./addressPlan";
import type { ClusterSpec, MeshSpec, Problem } from "../types";

/** What Docker and kind see of a stack: names and addresses that must be unique on the engine. */
export interface Footprint {
  stack: string;
  /** The stack file, e.g. `Pulumi.dev.yaml`. */
  file: string;
  /** Absent when the stack has no kind cluster (existing clusters do not use the Docker network). */
  network?: { name: string; subnet: string };
  kindClusters: { path: string; name: string; apiServerPort?: number }[];
}

/**
 * The name `kind create cluster --name` gets: a kind cluster's `kindName` (`<stack>-<cluster>`); the cluster's
 * own name only for a spec without one.
 */
export function kindNameOf(cluster: ClusterSpec): string {
  return cluster.kindName ?? cluster.name;
}

export function footprintOf(spec: MeshSpec, file: string): Footprint {
  const kind = spec.clusters.filter((c) => c.kind === "kind");
  return {
    stack: spec.stack,
    file,
    ...(kind.length > 0 ? { network: { name: spec.dockerNetwork.name, subnet: spec.dockerNetwork.subnet } } : {}),
    kindClusters: kind.map((c) => ({ path: `topology.clusters[${c.index}].name`, name: kindNameOf(c), apiServerPort: c.apiServerPort })),
  };
}

const SIDE_BY_SIDE = "two stacks with it cannot both be up on one Docker engine";

/** Every collision of `mine` with the other stacks' footprints, as problems at paths of `mine`'s file. */
export function stackCollisions(mine: Footprint, others: Footprint[]): Problem[] {
  const problems: Problem[] = [];
  for (const other of others) {
    if (other.file === mine.file) continue;
    if (mine.network && other.network) {
      if (mine.network.name === other.network.name) {
        problems.push({
          path: "topology.dockerNetwork.name",
          // A stack on its default name has no key to remove: the clash was made by the other file.
          message:
            mine.network.name === `kindmesh-${mine.stack}`
              ? `the Docker network "${mine.network.name}" is also the network of ${other.file}; ${SIDE_BY_SIDE}. "${mine.network.name}" is this stack's default name: change topology.dockerNetwork.name in ${other.file} (or remove it there for that stack's default kindmesh-${other.stack}).`
              : `the Docker network "${mine.network.name}" is also the network of ${other.file}; ${SIDE_BY_SIDE}. Give this stack its own name, or remove the key for the default kindmesh-${mine.stack}.`,
        });
      }
      const a = parseCidr(mine.network.subnet);
      const b = parseCidr(other.network.subnet);
      if (!("error" in a) && !("error" in b) && overlaps(a, b)) {
        problems.push({
          path: "topology.dockerNetwork.subnet",
          message: `${a.text} overlaps ${b.text}, the Docker subnet of ${other.file}; Docker refuses a second network on an overlapping range, so ${SIDE_BY_SIDE}. ${
            // Two default subnets can also meet (1 in 64): then either file may pin one.
            a.text === defaultDockerSubnet(mine.stack)
              ? `${a.text} is this stack's default subnet (chosen from its name): set topology.dockerNetwork.subnet here or change it in ${other.file}, to a range no other stack file uses.`
              : "Pick a range that no other stack file uses."
          }`,
        });
      }
    }
    for (const c of mine.kindClusters) {
      const sameName = other.kindClusters.find((o) => o.name === c.name);
      if (sameName) {
        problems.push({
          path: c.path,
          message: `the kind cluster "${c.name}" is also a cluster of ${other.file}; kind names are global on the Docker engine, so ${SIDE_BY_SIDE}. Rename the cluster here or there.`,
        });
      }
      const samePort = c.apiServerPort === undefined ? undefined : other.kindClusters.find((o) => o.apiServerPort === c.apiServerPort);
      if (samePort && !sameName) {
        problems.push({
          path: c.path,
          message: `its API server port 127.0.0.1:${c.apiServerPort} is also the port of cluster "${samePort.name}" in ${other.file} (ports come from the stack and cluster names); ${SIDE_BY_SIDE}. Rename this stack or the cluster.`,
        });
      }
    }
  }
  return problems;
}
