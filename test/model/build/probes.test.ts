/**
 * The preflight's command lines and how their output is read: the kind clusters' liveness probe and an existing
 * cluster's node localities. The scripts run under /bin/sh against stand-in docker/kubectl.
 */
import { describe, expect, it } from "vitest";
import { livenessScript, livenessTrigger, readLiveness } from "../../../model/build/dockerProbes";
import { localityProblem, nodeLabelsCommand, parseNodeLabels } from "../../../model/build/nodeLabels";
import { runScript } from "../../helpers/fakes/clusters";

const NODES = ["dev-east-control-plane", "dev-east-worker"];

describe("the kind liveness probe", () => {
  it("asks Docker once if it answers, then each node container's state, one line each", () => {
    const docker = [
      'case "$1" in version) echo 29.1.0;; inspect) case "$4" in dev-east-control-plane) echo true;; dev-east-worker) echo false;; *) echo "Error: No such object: $4" >&2; exit 1;; esac;; esac',
    ].join("\n");
    const res = runScript(livenessScript([...NODES, "dev-east-worker2"]), { stubs: { docker } });
    expect(res.status).toBe(0);
    expect(res.calls).toEqual([
      "docker version --format {{.Server.Version}}",
      "docker inspect -f {{.State.Running}} dev-east-control-plane",
      "docker inspect -f {{.State.Running}} dev-east-worker",
      "docker inspect -f {{.State.Running}} dev-east-worker2",
    ]);
    expect(res.stdout).toBe("dev-east-control-plane running\ndev-east-worker stopped\ndev-east-worker2 missing\n");
  });

  it("a Docker that does not answer fails the probe with the fix, and reads no node", () => {
    const res = runScript(livenessScript(NODES), { stubs: { docker: "exit 1" } });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^kindmesh: Docker does not answer \(docker version failed\)\. Start Docker, or point DOCKER_HOST/);
    expect(res.calls).toEqual(["docker version --format {{.Server.Version}}"]);
  });

  it("all running is present; any missing is absent; stopped is an error naming the containers and the command", () => {
    expect(readLiveness("dev-east-control-plane running\ndev-east-worker running\n", "dev-east", NODES)).toBe("present");
    expect(readLiveness("dev-east-control-plane running\ndev-east-worker missing\n", "dev-east", NODES)).toBe("absent");
    expect(readLiveness("dev-east-control-plane missing\ndev-east-worker stopped\n", "dev-east", NODES)).toBe("absent");
    expect(() => readLiveness("dev-east-control-plane stopped\ndev-east-worker stopped\n", "dev-east", NODES)).toThrow(
      "kind cluster dev-east: node containers dev-east-control-plane, dev-east-worker are stopped (a reboot or a Docker restart?). Start them with: docker start dev-east-control-plane dev-east-worker -- then run pulumi up again. (To start over instead: kind delete cluster --name dev-east, and pulumi up recreates it.)",
    );
    expect(() => readLiveness("dev-east-control-plane running\n", "dev-east", NODES)).toThrow(/did not report dev-east-worker/);
    expect(() => readLiveness("garbage\n", "dev-east", NODES)).toThrow(/cannot read the state of kind cluster dev-east's nodes from "garbage"/);
  });

  it("the trigger element: this deployment's stamp when absent, a constant when present", () => {
    expect(livenessTrigger("absent", "2026-12-06T00:00:00.000Z")).toBe("recreated-if-missing=2026-12-06T00:00:00.000Z");
    expect(livenessTrigger("absent", "2026-12-07T00:00:00.000Z")).not.toBe(livenessTrigger("absent", "2026-12-06T00:00:00.000Z"));
    expect(livenessTrigger("present", "a")).toBe(livenessTrigger("present", "b"));
  });
});

describe("an existing cluster's node localities", () => {
  const cluster = { name: "west", index: 1, localities: ["us-east1/us-east1-b", "us-east1/us-east1-c"] };

  it("lists region, zone and subzone labels per node with the stack's kubeconfig and context", () => {
    const kubectl = `printf 'gke-a\\tus-east1\\tus-east1-b\\t\\ngke-b\\tus-east1\\tus-east1-c\\track1\\ngke-c\\t\\t\\t\\n'`;
    const res = runScript(nodeLabelsCommand("west", "/home/u/.kube/config", "gke_west"), { stubs: { kubectl } });
    expect(res.status).toBe(0);
    expect(res.calls).toEqual([
      `kubectl --kubeconfig /home/u/.kube/config --context gke_west get nodes -o jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.metadata.labels.topology\\.kubernetes\\.io/region}{"\\t"}{.metadata.labels.topology\\.kubernetes\\.io/zone}{"\\t"}{.metadata.labels.topology\\.istio\\.io/subzone}{"\\n"}{end}`,
    ]);
    expect(parseNodeLabels(res.stdout)).toEqual([
      { name: "gke-a", locality: "us-east1/us-east1-b" },
      { name: "gke-b", locality: "us-east1/us-east1-c/rack1" },
      { name: "gke-c" },
    ]);
  });

  it("a declared locality no node has is one message listing what the nodes have (exact match: a subzone differs)", () => {
    const nodes = parseNodeLabels("gke-a\tus-east1\tus-east1-b\t\ngke-b\tus-east1\tus-east1-c\track1\ngke-c\t\t\t\n");
    expect(localityProblem(cluster, nodes)).toBe(
      'cluster "west" (topology.clusters[1].localities): no node is in us-east1/us-east1-c; the nodes have: gke-a us-east1/us-east1-b, gke-b us-east1/us-east1-c/rack1, gke-c (no region/zone labels). List the localities the nodes have, or label nodes with topology.kubernetes.io/region, topology.kubernetes.io/zone (and topology.istio.io/subzone).',
    );
    expect(localityProblem({ ...cluster, localities: ["us-east1/us-east1-b"] }, nodes)).toBeUndefined();
  });

  it("no kubectl, or a cluster that does not answer, is a message naming the cluster and context", () => {
    // Only shell builtins on PATH: no kubectl anywhere.
    const none = runScript(nodeLabelsCommand("west", "/k", "gke_west"), { stubs: {}, env: { PATH: "/nonexistent" } });
    expect([none.status, none.stderr]).toEqual([1, "kindmesh: cluster west declares localities, and checking them against its nodes needs kubectl on PATH.\n"]);
    const down = runScript(nodeLabelsCommand("west", "/k", "gke_west"), { stubs: { kubectl: "echo 'Unable to connect to the server: dial tcp: i/o timeout' >&2; exit 1" } });
    expect([down.status, down.stderr]).toEqual([
      1,
      "kindmesh: cannot list the nodes of cluster west (context gke_west in /k) to check its localities: Unable to connect to the server: dial tcp: i/o timeout\n",
    ]);
  });
});
