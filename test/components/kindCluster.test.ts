import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { CONTAINERD_CONFIG_PATCH } from "../../model/build/imageCache";
import { kindConfigYaml, kindTriggers } from "../../model/build/kindConfig";
import { bridgeMtuCommand } from "../../model/build/dockerProbes";
import { apiServerUrl, containerIpCommand, kindCreateScript, kindDeleteScript, kindUpdateScript } from "../../model/build/kindScript";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, resolve, underMocks, urnOf } from "../helpers/components";
import { fakeContainer, runScript } from "../helpers/fakes/clusters";

const COMMAND = "command:local:Command";
const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);
const layer = (spec: MeshSpec, preview = false) =>
  underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "deploy-1" }), { preview, stack: spec.stack });

describe("KindCluster: the kind Command", () => {
  it("creates, updates and deletes with exactly these scripts", async () => {
    const run = await layer(specOf("dev"));
    const east = named(run.resources, COMMAND, "east-kind-cluster");
    expect(east.inputs.create).toBe(
      [
        "set -eu",
        "dir=$(mktemp -d)",
        `trap 'rm -rf "$dir"' EXIT`,
        'export KUBECONFIG="$dir/kubeconfig"',
        'if ! docker network inspect "$KIND_EXPERIMENTAL_DOCKER_NETWORK" </dev/null >/dev/null 2>&1; then',
        `  echo "kindmesh: the stack's Docker network $KIND_EXPERIMENTAL_DOCKER_NETWORK is gone (removed outside Pulumi, e.g. docker system prune?); kind would make one of its own on another subnet. Run npm run refresh -- <stack> (it notices the network is gone; a bare pulumi refresh would also drop the objects of any cluster that is down), then npm run up -- <stack>." >&2`,
        "  exit 1",
        "fi",
        "if kind get clusters </dev/null 2>/dev/null | grep -qx dev-east; then",
        `  if docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "$KIND_EXPERIMENTAL_DOCKER_NETWORK" </dev/null 2>/dev/null | tr ' ' '\\n' | grep -qx dev-east-control-plane; then`,
        '    echo "kindmesh: removing the kind cluster dev-east that an interrupted run of this stack left on its network ($KIND_EXPERIMENTAL_DOCKER_NETWORK), to create it again." >&2',
        "    kind delete cluster --name dev-east </dev/null >&2",
        "  else",
        '    echo "kindmesh: a kind cluster named dev-east already exists outside this stack\'s network ($KIND_EXPERIMENTAL_DOCKER_NETWORK): another stack or someone else made it, and kindmesh does not adopt clusters it did not create. Delete it with: kind delete cluster --name dev-east  -- or rename this cluster; then run pulumi up again." >&2',
        "    exit 1",
        "  fi",
        "fi",
        'if kind create cluster --name dev-east --config - --wait 5m >&2 && kubeconfig=$(kind get kubeconfig --name dev-east </dev/null); then',
        `  printf '%s\\n' "$kubeconfig"`,
        "  exit 0",
        "fi",
        'echo "kindmesh: creating kind cluster dev-east failed (see above); deleting what was made of it so that the next pulumi up starts clean." >&2',
        "kind delete cluster --name dev-east </dev/null >&2 || true",
        "exit 1",
      ].join("\n"),
    );
    expect(east.inputs.update).toBe(
      [
        "set -eu",
        "if ! kind get clusters </dev/null 2>/dev/null | grep -qx dev-east; then",
        '  echo "kindmesh: the kind cluster dev-east that this stack created disappeared during this update (deleted outside Pulumi?). Run pulumi up again: it notices a missing cluster and recreates it (or: pulumi up --replace <URN of the Command east-kind-cluster>)." >&2',
        "  exit 1",
        "fi",
        "kind get kubeconfig --name dev-east",
      ].join("\n"),
    );
    expect(east.inputs.delete).toBe(["set -eu", "dir=$(mktemp -d)", `trap 'rm -rf "$dir"' EXIT`, 'export KUBECONFIG="$dir/kubeconfig"', "kind delete cluster --name dev-east"].join("\n"));
  });

  it("feeds the kind config on stdin, points kind at the stack network, and replaces only on triggers", async () => {
    const spec = specOf("dev");
    const run = await layer(spec);
    for (const c of spec.clusters) {
      const cmd = named(run.resources, COMMAND, `${c.name}-kind-cluster`);
      expect(cmd.inputs.stdin).toBe(kindConfigYaml(c, spec.versions.kindNodeImage, [CONTAINERD_CONFIG_PATCH]));
      expect(cmd.inputs.environment).toEqual({ KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-dev" });
      // The network's ID (the mock's) and, a first deployment, the liveness element: this deployment's ID.
      expect(cmd.inputs.triggers).toEqual([...kindTriggers(c, spec.versions.kindNodeImage, spec.dockerNetwork, true), "docker-network-id", "recreated-if-missing=deploy-1"]);
      expect(cmd.deleteBeforeReplace).toBe(true);
      expect(cmd.ignoreChanges).toEqual([]);
      // kind and Docker know it by <stack>-<cluster>; Istio keeps the stack file's name.
      expect(cmd.inputs.create).toContain(`kind create cluster --name dev-${c.name} --config - --wait 5m`);
    }
  });

  it("keeps the kubeconfig secret: stdout is an additional secret output, never logged nor fed back as PULUMI_COMMAND_STDOUT", async () => {
    const spec = specOf("dev");
    const run = await layer(spec);
    const cmd = named(run.resources, COMMAND, "east-kind-cluster");
    expect(cmd.additionalSecretOutputs).toEqual(["stdout"]);
    expect(cmd.inputs.logging).toBe("stderr");
    expect(cmd.inputs.addPreviousOutputInEnv).toBe(false);
    const east = run.value.clusters[0];
    expect(await pulumi.isSecret(east.kubeconfig)).toBe(true);
    const kubeconfig = await resolve(east.kubeconfig);
    expect(kubeconfig).toContain(`server: https://127.0.0.1:${spec.clusters[0].apiServerPort}`);
    // No command line of any Command carries credentials.
    for (const c of byType(run.resources, COMMAND)) {
      for (const key of ["create", "update", "delete"]) expect(String(c.inputs[key] ?? "")).not.toMatch(/client-key-data|certificate-authority-data/);
    }
  });

  it("a wait other than 5m reaches `kind create cluster --wait`", async () => {
    const spec = specOf("hybrid-nodeport");
    const run = await underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d", kindWait: "10m" }));
    expect(named(run.resources, COMMAND, "north-kind-cluster").inputs.create).toContain("--wait 10m >&2");
  });

  it("each cluster waits for the network and the image caches only: nothing orders clusters after one another", async () => {
    const run = await layer(specOf("flat"));
    const net = urnOf(run.resources, "docker:index/network:Network", "docker-network");
    const caches = run.resources.filter((r) => r.urn.includes("kindmesh:clusters:ImageCache$")).map((r) => r.urn);
    const c1 = named(run.resources, COMMAND, "cluster1-kind-cluster");
    const c2 = named(run.resources, COMMAND, "cluster2-kind-cluster");
    expect([...c1.dependencies].sort()).toEqual([net, ...caches].sort());
    expect([...c2.dependencies].sort()).toEqual([net, ...caches].sort());
  });
});

describe("KindCluster: API server address and provider", () => {
  it("reads the control plane's address on the stack network with docker inspect, after the cluster exists", async () => {
    const run = await layer(specOf("dev"));
    const inspects = run.mocks.invokes.filter((i) => i.token === "command:local:run" && i.inputs.command.startsWith("docker inspect"));
    expect(inspects.map((i) => i.inputs.command)).toEqual([
      `docker inspect -f '{{ (index .NetworkSettings.Networks "kindmesh-dev").IPAddress }}' dev-east-control-plane 2>&1 || true`,
      `docker inspect -f '{{ (index .NetworkSettings.Networks "kindmesh-dev").IPAddress }}' dev-west-control-plane 2>&1 || true`,
    ]);
    const [east, west] = run.value.clusters;
    expect(await resolve(east.apiServer)).toBe(`https://${fakeContainer("dev-east-control-plane").ip}:6443`);
    expect(await resolve(west.apiServer)).toBe(`https://${fakeContainer("dev-west-control-plane").ip}:6443`);
    expect(await resolve(east.apiServer)).toBe("https://172.16.212.2:6443");
    // dependsOn: the address flows from the cluster, so whatever uses it waits for the cluster.
    const deps = [...(await (east.apiServer as any).allResources())] as pulumi.Resource[];
    expect(deps).toContain(east.lifetime);
  });

  it("preview of a new stack: no command runs but the bridge MTU read, the address and kubeconfig are unknown, nothing fails", async () => {
    const run = await layer(specOf("dev"), true);
    expect(run.mocks.invokes.map((i) => i.inputs.command)).toEqual([bridgeMtuCommand()]);
    const east = run.value.clusters[0];
    expect(await resolve(east.apiServer, 200)).toBeUndefined();
    expect(await resolve(east.kubeconfig, 200)).toBeUndefined();
    expect(named(run.resources, COMMAND, "east-kind-cluster").inputs.create).toContain("kind create cluster --name dev-east");
  });

  it("gives each cluster a provider built from its kubeconfig, parented to the cluster, replaced only with the cluster", async () => {
    const run = await layer(specOf("dev"));
    const provider = named(run.resources, "pulumi:providers:kubernetes", "east-k8s");
    expect(provider.parent).toBe(urnOf(run.resources, "kindmesh:clusters:KindCluster", "east"));
    // Provider inputs reach the engine JSON-encoded; the kubeconfig arrives as a secret.
    expect(provider.inputs.deleteUnreachable).toBe("true");
    expect(provider.inputs.clusterIdentifier).toBe("kindmesh-dev-east-east-kind-cluster-id");
    expect(provider.inputs.kubeconfig.value).toBe(await resolve(run.value.clusters[0].kubeconfig));
    expect(provider.inputs.kubeconfig["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(provider.dependencies).toContain(urnOf(run.resources, COMMAND, "east-kind-cluster"));
    expect(run.value.clusters[0].provider).toBeDefined();
  });

  it("explains a node that is missing or not on the network instead of building a URL from nothing", () => {
    expect(apiServerUrl("172.30.0.7\n", "dev-east-control-plane", "kindmesh-dev", 6443)).toBe("https://172.30.0.7:6443");
    expect(() => apiServerUrl("\n", "dev-east-control-plane", "kindmesh-dev", 6443)).toThrow(/dev-east-control-plane has no IPv4 address on the Docker network kindmesh-dev.*docker start dev-east-control-plane/);
    expect(() => apiServerUrl("Error: No such object: dev-east-control-plane\n", "dev-east-control-plane", "kindmesh-dev", 6443)).toThrow(
      'kindmesh: the kind node dev-east-control-plane has no IPv4 address on the Docker network kindmesh-dev (docker inspect printed "Error: No such object: dev-east-control-plane"). Is the container running (docker start dev-east-control-plane) and attached to kindmesh-dev (docker network inspect kindmesh-dev)? If it was deleted, run pulumi up again: it recreates a kind cluster whose nodes are gone.',
    );
  });

  it("docker inspect receives the template as one argument; a missing container is printed, not a failed command", () => {
    const res = runScript(containerIpCommand("dev-east-control-plane", "kindmesh-dev"), { stubs: { docker: "true" } });
    expect(res.calls).toEqual([`docker inspect -f {{ (index .NetworkSettings.Networks "kindmesh-dev").IPAddress }} dev-east-control-plane`]);
    const gone = runScript(containerIpCommand("dev-east-control-plane", "kindmesh-dev"), { stubs: { docker: "echo 'Error: No such object: dev-east-control-plane' >&2; exit 1" } });
    expect([gone.status, gone.stdout]).toEqual([0, "Error: No such object: dev-east-control-plane\n"]);
  });
});

describe("the kind scripts, run against a stand-in kind", () => {
  // A fake kind: clusters listed in $STUB_DIR/clusters; create reads stdin, fails if $STUB_DIR/fail exists.
  const KIND = [
    'case "$1 $2" in',
    '  "get clusters") cat "$STUB_DIR/clusters" 2>/dev/null; exit 0;;',
    '  "create cluster") cat > "$STUB_DIR/stdin"; echo "KUBECONFIG=$KUBECONFIG" >> "$STUB_DIR/calls.log"; echo "Creating cluster $4 ..."',
    '    if [ -f "$STUB_DIR/fail" ]; then echo "ERROR: failed to create cluster: boom" >&2; exit 1; fi',
    '    echo "$4" >> "$STUB_DIR/clusters"; exit 0;;',
    '  "get kubeconfig") echo "apiVersion: v1"; echo "# admin kubeconfig of $4"; exit 0;;',
    '  "delete cluster") echo "KUBECONFIG=$KUBECONFIG" >> "$STUB_DIR/calls.log"; exit 0;;',
    "esac",
    "exit 3",
  ].join("\n");
  const config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
  const create = kindCreateScript("east", "5m");
  // A stand-in docker on which the stack's network exists (`docker network inspect <name>` succeeds).
  const NET = { KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-dev" };
  const DOCKER = `[ "$1 $2 $3" = "network inspect kindmesh-dev" ] && exit 0`;
  const NET_CHECK = "docker network inspect kindmesh-dev";

  it("creates with the config on stdin and prints only the kubeconfig, with kind's own kubeconfig kept private", () => {
    const res = runScript(create, { stubs: { kind: KIND, docker: DOCKER }, stdin: config, env: NET });
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("apiVersion: v1\n# admin kubeconfig of east\n");
    expect(res.stderr).toContain("Creating cluster east ...");
    expect(fs.readFileSync(path.join(res.dir, "stdin"), "utf8")).toBe(config);
    expect(res.calls[0]).toBe(NET_CHECK);
    expect(res.calls[1]).toBe("kind get clusters");
    expect(res.calls[2]).toBe("kind create cluster --name east --config - --wait 5m");
    // Not the user's kubeconfig, and the private one is gone afterwards.
    const kc = res.calls[3].replace("KUBECONFIG=", "");
    expect(kc).not.toBe(path.join(res.dir, "users-kubeconfig"));
    expect(fs.existsSync(path.dirname(kc))).toBe(false);
    expect(res.calls[4]).toBe("kind get kubeconfig --name east");
  });

  it("refuses to create when the stack's network is gone (kind would make its own on another subnet)", () => {
    const res = runScript(create, { stubs: { kind: KIND, docker: "echo 'Error response from daemon: network kindmesh-dev not found' >&2; exit 1" }, stdin: config, env: NET });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      "kindmesh: the stack's Docker network kindmesh-dev is gone (removed outside Pulumi, e.g. docker system prune?); kind would make one of its own on another subnet. Run npm run refresh -- <stack> (it notices the network is gone; a bare pulumi refresh would also drop the objects of any cluster that is down), then npm run up -- <stack>.\n",
    );
    expect(res.calls).toEqual([NET_CHECK]);
  });

  it("reports a leftover cluster of the same name from elsewhere, with how to delete it, and creates nothing", () => {
    const res = runScript(create, {
      stubs: {
        kind: `[ "$1" = get ] && [ "$2" = clusters ] && { printf 'east2\\neast\\n'; exit 0; }\n${KIND}`,
        docker: `printf 'west-control-plane east-worker '`,
      },
      stdin: config,
      env: { KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-dev" },
    });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/a kind cluster named east already exists outside this stack's network \(kindmesh-dev\)/);
    expect(res.stderr).toContain("kind delete cluster --name east");
    expect(res.calls).toEqual([NET_CHECK, "kind get clusters", `docker network inspect -f {{range .Containers}}{{.Name}} {{end}} kindmesh-dev`]);
  });

  it("removes a half-made cluster an interrupted run left on this stack's network, then creates it again", () => {
    const res = runScript(create, {
      stubs: {
        kind: `[ "$1" = get ] && [ "$2" = clusters ] && { echo east; exit 0; }\n${KIND}`,
        docker: `printf 'east-control-plane west-control-plane '`,
      },
      stdin: config,
      env: { KIND_EXPERIMENTAL_DOCKER_NETWORK: "kindmesh-dev" },
    });
    expect(res.status).toBe(0);
    expect(res.stderr).toContain("removing the kind cluster east that an interrupted run of this stack left on its network (kindmesh-dev)");
    expect(res.calls.filter((c) => c.startsWith("kind ") && !c.startsWith("kind get"))).toEqual([
      "kind delete cluster --name east",
      "kind create cluster --name east --config - --wait 5m",
    ]);
    expect(res.stdout).toBe("apiVersion: v1\n# admin kubeconfig of east\n");
  });

  it("a similar name is not a leftover", () => {
    const res = runScript(create, { stubs: { kind: `[ "$2" = clusters ] && { echo east2; exit 0; }\n${KIND}`, docker: DOCKER }, stdin: config, env: NET });
    expect(res.status).toBe(0);
  });

  it("a failed create removes its half-made cluster, then fails without printing a kubeconfig", () => {
    const res = runScript(create, { stubs: { kind: `touch "$STUB_DIR/fail"\n${KIND}`, docker: DOCKER }, stdin: config, env: NET });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain("ERROR: failed to create cluster: boom");
    expect(res.stderr).toContain("creating kind cluster east failed");
    expect(res.calls.filter((c) => !c.startsWith("KUBECONFIG="))).toEqual([
      NET_CHECK,
      "kind get clusters",
      "kind create cluster --name east --config - --wait 5m",
      "kind delete cluster --name east",
    ]);
  });

  it("update prints the kubeconfig of the existing cluster, and says how to recover when it is gone", () => {
    const present = runScript(kindUpdateScript("east", "east-kind-cluster"), { stubs: { kind: `[ "$2" = clusters ] && { echo east; exit 0; }\n${KIND}` } });
    expect(present.status).toBe(0);
    expect(present.stdout).toBe("apiVersion: v1\n# admin kubeconfig of east\n");
    expect(present.calls).not.toContain("kind create cluster --name east --config - --wait 5m");
    const gone = runScript(kindUpdateScript("east", "east-kind-cluster"), { stubs: { kind: KIND } });
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/disappeared during this update.*Run pulumi up again: it notices a missing cluster and recreates it/);
  });

  it("delete runs kind delete cluster with a private kubeconfig (parallel deletes do not fight over ~/.kube/config's lock)", () => {
    const res = runScript(kindDeleteScript("east"), { stubs: { kind: KIND } });
    expect(res.status).toBe(0);
    expect(res.calls[0]).toBe("kind delete cluster --name east");
    expect(res.calls[1]).not.toBe(`KUBECONFIG=${path.join(res.dir, "users-kubeconfig")}`);
  });
});
