/**
 * The seam to Docker for the cluster drills: the node containers of a kind cluster, commands inside them, and
 * pausing them. The real one runs the `docker` CLI without a shell; tests inject a fake.
 */
import { EXIT, UserError } from "./errors";
import { type Runner, execFileRunner, firstLines } from "./run";

/** What the cluster drills need from Docker. */
export interface DockerHost {
  /** The node containers of a kind cluster (label io.x-k8s.kind.cluster=<name>, as kind sets it); [] if none. */
  nodeContainers(cluster: string): Promise<string[]>;
  /** Runs a command in a container; throws with its stderr on failure. */
  exec(container: string, command: string[]): Promise<string>;
  /** `docker pause` / `docker unpause`: the processes freeze; nothing restarts, nothing is lost. */
  pause(containers: string[]): Promise<void>;
  unpause(containers: string[]): Promise<void>;
}

/** kind's label on every node container (kind pkg/cluster/internal/providers/docker/constants.go). */
export const KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster";

/** The real Docker CLI. */
export function dockerCli(runner: Runner = execFileRunner): DockerHost {
  const docker = async (args: string[], what: string): Promise<string> => {
    const r = await runner("docker", args, { timeoutMs: 60_000 });
    if (r.notFound) throw new UserError("docker is not installed (not on PATH)", EXIT.environment, "the drills act on kind's node containers");
    if (r.code !== 0) throw new Error(`${what} failed: ${firstLines(r.stderr)}`);
    return r.stdout;
  };
  return {
    nodeContainers: async (cluster) =>
      (await docker(["ps", "--all", "--filter", `label=${KIND_CLUSTER_LABEL}=${cluster}`, "--format", "{{.Names}}"], `listing the nodes of ${cluster}`))
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .sort(),
    exec: (container, command) => docker(["exec", container, ...command], `docker exec ${container} ${command[0]}`),
    pause: async (containers) => void (await docker(["pause", ...containers], `docker pause ${containers.join(" ")}`)),
    unpause: async (containers) => void (await docker(["unpause", ...containers], `docker unpause ${containers.join(" ")}`)),
  };
}
