/**
 * The shell scripts that create, re-read and delete a kind cluster, and the command that finds its API server
 * on the Docker network. Pure: strings only. Every script runs under `/bin/sh -c` (the Command default), so
 * they stay POSIX; `mktemp -d` is the one non-POSIX tool (present on Linux and macOS).
 */

/** A shell word: as is when it needs no quoting, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

// kind merges the kubeconfig it writes into $KUBECONFIG (default ~/.kube/config) under an O_CREATE|O_EXCL lock
// file, and `create cluster` retries that for ~150 ms only (kind pkg/cluster/internal/create/create.go, .../
// kubeconfig/internal/kubeconfig/lock.go); `delete cluster` does not retry at all. Clusters created or
// deleted side by side would fail on that lock, so every kind call gets a private, throw-away file (Istio's
// CI does the same: one KUBECONFIG per cluster in common/scripts/kind_provisioner.sh). The kubeconfig this
// program uses comes from `kind get kubeconfig`, which reads it from the node, not from that file.
const PRIVATE_KUBECONFIG = ["dir=$(mktemp -d)", `trap 'rm -rf "$dir"' EXIT`, 'export KUBECONFIG="$dir/kubeconfig"'];

/**
 * `create`: the stack's network must exist (see below). A cluster of the same name whose control plane sits on this stack's Docker network was made by an
 * earlier run of this stack that never finished (interrupted, or killed mid-create): remove it and start clean.
 * Any other cluster of that name is left over from something else, and is refused (adopting it would hand
 * Pulumi a cluster of unknown shape). Then create the cluster with the kind config on stdin and print only the
 * host-side kubeconfig on stdout, last, so a failure can never put it in an error message. A failed create
 * deletes what was made of the cluster, so the next `pulumi up` starts clean: kind removes its nodes on most
 * failures itself, but not when writing its kubeconfig fails after the nodes exist (create.go).
 */
export function kindCreateScript(name: string, wait: string): string {
  const n = shellWord(name);
  const controlPlane = shellWord(`${name}-control-plane`);
  return [
    "set -eu",
    ...PRIVATE_KUBECONFIG,
    // The network is made before any cluster; if it is gone now (docker system prune), kind would quietly make
    // one of its own on a subnet from Docker's pools, and every address planned on the stack's subnet is wrong.
    `if ! docker network inspect "$KIND_EXPERIMENTAL_DOCKER_NETWORK" </dev/null >/dev/null 2>&1; then`,
    `  echo "kindmesh: the stack's Docker network $KIND_EXPERIMENTAL_DOCKER_NETWORK is gone (removed outside Pulumi, e.g. docker system prune?); kind would make one of its own on another subnet. Run npm run refresh -- <stack> (it notices the network is gone; a bare pulumi refresh would also drop the objects of any cluster that is down), then npm run up -- <stack>." >&2`,
    "  exit 1",
    "fi",
    `if kind get clusters </dev/null 2>/dev/null | grep -qx ${n}; then`,
    `  if docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "$KIND_EXPERIMENTAL_DOCKER_NETWORK" </dev/null 2>/dev/null | tr ' ' '\\n' | grep -qx ${controlPlane}; then`,
    `    echo "kindmesh: removing the kind cluster ${name} that an interrupted run of this stack left on its network ($KIND_EXPERIMENTAL_DOCKER_NETWORK), to create it again." >&2`,
    `    kind delete cluster --name ${n} </dev/null >&2`,
    "  else",
    `    echo "kindmesh: a kind cluster named ${name} already exists outside this stack's network ($KIND_EXPERIMENTAL_DOCKER_NETWORK): another stack or someone else made it, and kindmesh does not adopt clusters it did not create. Delete it with: kind delete cluster --name ${name}  -- or rename this cluster; then run pulumi up again." >&2`,
    "    exit 1",
    "  fi",
    "fi",
    `if kind create cluster --name ${n} --config - --wait ${shellWord(wait)} >&2 && kubeconfig=$(kind get kubeconfig --name ${n} </dev/null); then`,
    `  printf '%s\\n' "$kubeconfig"`,
    "  exit 0",
    "fi",
    `echo "kindmesh: creating kind cluster ${name} failed (see above); deleting what was made of it so that the next pulumi up starts clean." >&2`,
    `kind delete cluster --name ${n} </dev/null >&2 || true`,
    "exit 1",
  ].join("\n");
}

/**
 * `update` (any change that does not need a new cluster, e.g. a node's locality in the kind config): nothing to
 * do to the cluster; print the kubeconfig again because stdout is where it lives.
 */
export function kindUpdateScript(name: string, resourceName: string): string {
  const n = shellWord(name);
  return [
    "set -eu",
    `if ! kind get clusters </dev/null 2>/dev/null | grep -qx ${n}; then`,
    `  echo "kindmesh: the kind cluster ${name} that this stack created disappeared during this update (deleted outside Pulumi?). Run pulumi up again: it notices a missing cluster and recreates it (or: pulumi up --replace <URN of the Command ${resourceName}>)." >&2`,
    "  exit 1",
    "fi",
    `kind get kubeconfig --name ${n}`,
  ].join("\n");
}

/** `delete`: `kind delete cluster --name <n>` (idempotent: a missing cluster is not an error). */
export function kindDeleteScript(name: string): string {
  return ["set -eu", ...PRIVATE_KUBECONFIG, `kind delete cluster --name ${shellWord(name)}`].join("\n");
}

/**
 * Prints the IPv4 address of a node container on one Docker network. The network is named explicitly: a
 * container's networks are a map, and the API server certificate is valid for the address on this one. Docker's
 * own complaint (no such container, not on that network) is printed instead of failing, so `apiServerUrl` turns
 * it into a message that says what to check.
 */
export function containerIpCommand(container: string, network: string): string {
  const template = `{{ (index .NetworkSettings.Networks "${network}").IPAddress }}`;
  return `docker inspect -f ${shellWord(template)} ${shellWord(container)} 2>&1 || true`;
}

/** The in-network API server URL from what `containerIpCommand` printed; an error that says what to check. */
export function apiServerUrl(stdout: string, container: string, network: string, port: number): string {
  const ip = stdout.trim();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    throw new Error(
      `kindmesh: the kind node ${container} has no IPv4 address on the Docker network ${network} (docker inspect printed ${JSON.stringify(ip.split("\n")[0])}). ` +
        `Is the container running (docker start ${container}) and attached to ${network} (docker network inspect ${network})? ` +
        `If it was deleted, run pulumi up again: it recreates a kind cluster whose nodes are gone.`,
    );
  }
  return `https://${ip}:${port}`;
}
