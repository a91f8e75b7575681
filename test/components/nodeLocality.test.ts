import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { relocateScript } from "../../model/build/nodeScript";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw, type Raw } from "../helpers/configs";
import { byType, named, underMocks, urnOf } from "../helpers/components";
import { runScript } from "../helpers/fakes/clusters";

const PATCH = "kubernetes:core/v1:NodePatch";
const COMMAND = "command:local:Command";
const layer = (spec: MeshSpec, preview = false) =>
  underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { preview, stack: spec.stack });

/** Moves a node, and the traffic section's references to its old locality with it. */
function relocate(raw: Raw, cluster: number, node: number, locality: string): Raw {
  const old: string = raw.topology.clusters[cluster].nodes[node].locality;
  raw.topology.clusters[cluster].nodes[node].locality = locality;
  for (const s of raw.traffic.services) s.localities = s.localities.map((l: string) => (l === old ? locality : l));
  for (const c of raw.traffic.clients) if (c.locality === old) c.locality = locality;
  return raw;
}

describe("NodeLocality: the label patch", () => {
  it("flat: one NodePatch per node, with exactly its locality labels, forced over the kubelet's ownership", async () => {
    const spec = parse(stackRaw("flat"), "flat");
    const run = await layer(spec);
    expect(byType(run.resources, PATCH).map((p) => p.name)).toEqual([
      "cluster1-control-plane",
      "cluster1-worker",
      "cluster2-control-plane",
      "cluster2-worker",
      "cluster2-worker2",
    ]);
    expect(named(run.resources, PATCH, "cluster2-worker2").inputs).toEqual({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "flat-cluster2-worker2",
        labels: { "topology.kubernetes.io/region": "region3", "topology.kubernetes.io/zone": "zone4" },
        annotations: { "pulumi.com/patchForce": "true" },
      },
    });
    expect(named(run.resources, PATCH, "cluster1-control-plane").inputs.metadata.labels).toEqual({
      "topology.kubernetes.io/region": "region1",
      "topology.kubernetes.io/zone": "zone1",
    });
  });

  it("is applied with the cluster's provider, deleted with the cluster, and parented to its NodeLocality", async () => {
    const run = await layer(parse(stackRaw("dev"), "dev"));
    const patch = named(run.resources, PATCH, "east-worker");
    expect(patch.provider.startsWith(`${urnOf(run.resources, "pulumi:providers:kubernetes", "east-k8s")}::`)).toBe(true);
    expect(patch.deletedWith).toBe(urnOf(run.resources, COMMAND, "east-kind-cluster"));
    expect(patch.parent).toBe(urnOf(run.resources, "kindmesh:clusters:NodeLocality", "east-worker"));
    expect(named(run.resources, "kindmesh:clusters:NodeLocality", "east-worker").parent).toBe(urnOf(run.resources, "kindmesh:clusters:KindCluster", "east"));
  });

  it("a subzone is labelled; preview shows the labels (they are known before anything exists)", async () => {
    const spec = parse(relocate(stackRaw("dev"), 0, 1, "east/zone2/rack7"), "dev");
    const run = await layer(spec, true);
    expect(named(run.resources, PATCH, "east-worker").inputs.metadata.labels).toEqual({
      "topology.kubernetes.io/region": "east",
      "topology.kubernetes.io/zone": "zone2",
      "topology.istio.io/subzone": "rack7",
    });
  });
});

describe("NodeLocality: the restart Command", () => {
  it("does nothing on create, restarts on update, waits for the labels and goes with the cluster", async () => {
    const spec = parse(stackRaw("dev"), "dev");
    const run = await layer(spec);
    const restart = named(run.resources, COMMAND, "east-worker-restart");
    expect(restart.inputs.create).toBe("true");
    expect(restart.inputs.update).toBe(relocateScript(spec.clusters[0].nodes[1], "dev-east-control-plane"));
    expect(restart.inputs.triggers).toEqual(["east-kind-cluster-id"]);
    expect(restart.dependencies).toContain(urnOf(run.resources, PATCH, "east-worker"));
    expect(restart.deletedWith).toBe(urnOf(run.resources, COMMAND, "east-kind-cluster"));
    expect(restart.inputs.environment).toBeUndefined();
  });

  it("its update script: kubelet flags, then the node's controller-owned pods outside kube-system (exact)", () => {
    const spec = parse(stackRaw("dev"), "dev");
    expect(relocateScript(spec.clusters[0].nodes[1], "dev-east-control-plane")).toBe(
      [
        "set -eu",
        `docker exec dev-east-worker sed -i -E 's#--node-labels=[^ "]*#--node-labels=topology.kubernetes.io/region=east,topology.kubernetes.io/zone=zone2#' /var/lib/kubelet/kubeadm-flags.env`,
        "docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf label node dev-east-worker topology.istio.io/subzone- >&2",
        `pods=$(docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf get pods --all-namespaces --field-selector spec.nodeName=dev-east-worker,metadata.namespace!=kube-system -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.ownerReferences[0].kind}{"\\n"}{end}')`,
        `printf '%s\\n' "$pods" | while read -r ns pod owner; do`,
        '  [ -n "$pod" ] || continue',
        '  if [ -z "$owner" ]; then',
        '    echo "kindmesh: pod $ns/$pod on dev-east-worker has no controller to recreate it; delete and recreate it yourself so that Istio sees its new locality east/zone2" >&2',
        "    continue",
        "  fi",
        '  docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf delete pod --namespace "$ns" "$pod" --wait=false --ignore-not-found </dev/null >&2',
        "done",
        'echo "kindmesh: dev-east-worker is now in east/zone2; its pods were restarted so that Istio sees it (istio#51144)" >&2',
      ].join("\n"),
    );
  });

  it("run against a stand-in docker: relabels the kubelet flags, restarts owned pods, leaves a bare pod and names it", () => {
    const spec = parse(relocate(stackRaw("dev"), 0, 1, "east/zone1/rack2"), "dev");
    const docker = [
      'case "$*" in',
      '  *"get pods"*) printf "default helloworld-abc ReplicaSet\\nistio-system istio-eastwestgateway-x ReplicaSet\\ndefault debug \\n";;',
      "esac",
    ].join("\n");
    const res = runScript(relocateScript(spec.clusters[0].nodes[1], "dev-east-control-plane"), { stubs: { docker } });
    expect(res.status).toBe(0);
    expect(res.calls).toEqual([
      `docker exec dev-east-worker sed -i -E s#--node-labels=[^ "]*#--node-labels=topology.kubernetes.io/region=east,topology.kubernetes.io/zone=zone1,topology.istio.io/subzone=rack2# /var/lib/kubelet/kubeadm-flags.env`,
      `docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf get pods --all-namespaces --field-selector spec.nodeName=dev-east-worker,metadata.namespace!=kube-system -o jsonpath={range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.ownerReferences[0].kind}{"\\n"}{end}`,
      "docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf delete pod --namespace default helloworld-abc --wait=false --ignore-not-found",
      "docker exec dev-east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf delete pod --namespace istio-system istio-eastwestgateway-x --wait=false --ignore-not-found",
    ]);
    expect(res.stderr).toContain("pod default/debug on dev-east-worker has no controller");
    expect(res.stdout).toBe("");
  });

  it("the sed expression rewrites kubeadm's flag line, whatever order kind wrote the labels in", () => {
    const spec = parse(stackRaw("dev"), "dev");
    const line = `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=172.30.0.3 --node-labels=topology.kubernetes.io/zone=zone9,topology.istio.io/subzone=old,topology.kubernetes.io/region=east --pod-infra-container-image=registry.k8s.io/pause:3.10"\n`;
    // A stand-in docker that runs `docker exec <node> sed -i -E <expr> <file>` on a local copy of the flags file.
    const docker = `if [ "$1" = exec ] && [ "$3" = sed ]; then printf '%s' "$FLAGS" > "$STUB_DIR/flags"; sed -i -E "$6" "$STUB_DIR/flags"; exit $?; fi\nexit 0`;
    const res = runScript(relocateScript(spec.clusters[0].nodes[1], "dev-east-control-plane"), { stubs: { docker }, env: { FLAGS: line } });
    expect(res.status).toBe(0);
    expect(fs.readFileSync(path.join(res.dir, "flags"), "utf8")).toBe(
      `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=172.30.0.3 --node-labels=topology.kubernetes.io/region=east,topology.kubernetes.io/zone=zone2 --pod-infra-container-image=registry.k8s.io/pause:3.10"\n`,
    );
  });
});

describe("NodeLocality: a locality change", () => {
  const before = parse(stackRaw("dev"), "dev");
  const after = parse(relocate(stackRaw("dev"), 0, 1, "east/zone9"), "dev");

  it("keeps the cluster (same triggers) but hands kind the new birth labels for a future recreation", async () => {
    const [a, b] = [await layer(before), await layer(after)];
    const cmd = (run: typeof a) => named(run.resources, COMMAND, "east-kind-cluster").inputs;
    expect(cmd(b).triggers).toEqual(cmd(a).triggers);
    expect(cmd(b).stdin).not.toEqual(cmd(a).stdin);
    expect(cmd(b).stdin).toContain("topology.kubernetes.io/zone: zone9");
  });

  it("changes the labels in place and the moved node's restart Command, and nothing of the other nodes", async () => {
    const [a, b] = [await layer(before), await layer(after)];
    expect(named(b.resources, PATCH, "east-worker").inputs.metadata.labels["topology.kubernetes.io/zone"]).toBe("zone9");
    const restart = (run: typeof a, node: string) => named(run.resources, COMMAND, `${node}-restart`).inputs;
    expect(restart(b, "east-worker").update).not.toEqual(restart(a, "east-worker").update);
    expect(restart(b, "east-worker").update).toContain("--node-labels=topology.kubernetes.io/region=east,topology.kubernetes.io/zone=zone9#");
    expect(restart(b, "east-worker").triggers).toEqual(restart(a, "east-worker").triggers);
    expect(restart(b, "east-control-plane")).toEqual(restart(a, "east-control-plane"));
    expect(named(b.resources, PATCH, "east-control-plane").inputs).toEqual(named(a.resources, PATCH, "east-control-plane").inputs);
  });

  it("a removed subzone leaves the patch and is removed from the node by the restart script", async () => {
    const withSubzone = parse(relocate(stackRaw("dev"), 0, 1, "east/zone2/rack7"), "dev");
    const a = await layer(withSubzone);
    const b = await layer(before);
    expect(named(a.resources, PATCH, "east-worker").inputs.metadata.labels).toHaveProperty(["topology.istio.io/subzone"], "rack7");
    expect(named(b.resources, PATCH, "east-worker").inputs.metadata.labels).not.toHaveProperty(["topology.istio.io/subzone"]);
    const update = named(b.resources, COMMAND, "east-worker-restart").inputs.update;
    expect(update).toContain("label node dev-east-worker topology.istio.io/subzone-");
    expect(named(a.resources, COMMAND, "east-worker-restart").inputs.update).not.toContain("subzone-");
  });
});
