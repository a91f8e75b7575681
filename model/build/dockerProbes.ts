/**
 * What the program asks the Docker engine on every preview and update, before it registers the clusters: the
 * default bridge's MTU (copied into the stack's network, as kind does) and whether each kind cluster's node
 * containers still exist. Pure: commands out, their output in.
 */
import { shellWord } from "./kindScript";

/** The option kind copies from Docker's default `bridge` network (kind providers/docker/network.go). */
export const MTU_OPTION = "com.docker.network.driver.mtu";

/**
 * Prints the default bridge's MTU option (empty when it has none). A failure is an error that says what to
 * check, not an empty answer: an empty answer would drop the option and replace the network.
 */
export function bridgeMtuCommand(): string {
  const template = `{{ index .Options "${MTU_OPTION}" }}`;
  return [
    `if ! out=$(docker network inspect bridge -f ${shellWord(template)} 2>&1); then`,
    `  echo "kindmesh: cannot read the MTU of Docker's default bridge network: $out. Is Docker running, and is DOCKER_HOST (or the docker context) the engine this stack uses?" >&2`,
    "  exit 1",
    "fi",
    `printf '%s\\n' "$out"`,
  ].join("\n");
}

/**
 * The network's driver options: only the MTU, and only when the default bridge sets a positive one (kind
 * createNetwork). IP masquerade is left out: it is the bridge driver's default, and an input the provider reads
 * back differently would replace the network on every update.
 */
export function networkOptions(stdout: string): Record<string, string> {
  const mtu = stdout.trim();
  return /^[1-9]\d*$/.test(mtu) ? { [MTU_OPTION]: mtu } : {};
}

/** What the probe found of a kind cluster's node containers. */
export type KindPresence = "present" | "absent";

/**
 * One line per node container, `<name> running|stopped|missing`, after checking that Docker answers at all (a
 * stopped Docker must not read as "every cluster is gone", which would recreate them all).
 */
export function livenessScript(nodes: string[]): string {
  return [
    "set -u",
    "if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then",
    `  echo "kindmesh: Docker does not answer (docker version failed). Start Docker, or point DOCKER_HOST (or the docker context) at the engine this stack was deployed on, then run pulumi up again." >&2`,
    "  exit 1",
    "fi",
    `for n in ${nodes.map(shellWord).join(" ")}; do`,
    `  s=$(docker inspect -f '{{.State.Running}}' "$n" 2>/dev/null) || s=missing`,
    '  case "$s" in true) s=running ;; false) s=stopped ;; esac',
    `  printf '%s %s\\n' "$n" "$s"`,
    "done",
  ].join("\n");
}

/**
 * Whether the cluster is there: every node running is "present"; any node missing (`kind delete cluster`,
 * `docker rm -f`, `docker system prune`) is "absent", and the cluster is recreated whole. Stopped nodes (a
 * reboot, a Docker restart) are neither: recreating would throw away a cluster that only needs starting, so
 * that is an error with the fix. Throws also when the output is not what the script prints.
 */
export function readLiveness(stdout: string, kindName: string, nodes: string[]): KindPresence {
  const state = new Map<string, string>();
  for (const line of stdout.split("\n").filter((l) => l.trim() !== "")) {
    const [name, s, ...rest] = line.trim().split(/\s+/);
    if (rest.length > 0 || !["running", "stopped", "missing"].includes(s ?? "")) {
      throw new Error(`kindmesh: cannot read the state of kind cluster ${kindName}'s nodes from ${JSON.stringify(line)}`);
    }
    state.set(name, s);
  }
  const unread = nodes.filter((n) => !state.has(n));
  if (unread.length > 0) throw new Error(`kindmesh: the node probe of kind cluster ${kindName} did not report ${unread.join(", ")}`);
  if (nodes.some((n) => state.get(n) === "missing")) return "absent";
  const stopped = nodes.filter((n) => state.get(n) === "stopped");
  if (stopped.length > 0) {
    throw new Error(
      `kind cluster ${kindName}: node container${stopped.length > 1 ? "s" : ""} ${stopped.join(", ")} ${stopped.length > 1 ? "are" : "is"} stopped (a reboot or a Docker restart?). ` +
        `Start ${stopped.length > 1 ? "them" : "it"} with: docker start ${stopped.join(" ")} -- then run pulumi up again. ` +
        `(To start over instead: kind delete cluster --name ${kindName}, and pulumi up recreates it.)`,
    );
  }
  return "present";
}

/**
 * The element of the kind Command's `triggers` that carries the probe's answer. Absent: a value new on every
 * deployment, so the Command is replaced (the cluster and, through the provider's clusterIdentifier, everything
 * in it are created again). Present: a fixed value the program marks `ignoreChanges`, so Pulumi keeps whatever
 * the state holds and nothing changes.
 */
export function livenessTrigger(presence: KindPresence, deploymentId: string): string {
  return presence === "absent" ? `recreated-if-missing=${deploymentId}` : "recreated-if-missing=present";
}
