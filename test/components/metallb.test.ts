import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { MetalLB } from "../../components/metallb";
import { toNumber } from "../../model/config/addresses";
import { webhookWaitScript } from "../../model/build/nodeScript";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { parse, stackRaw } from "../helpers/configs";
import { byType, named, underMocks, urnOf } from "../helpers/components";
import { runScript } from "../helpers/fakes/clusters";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR_POOL = "kubernetes:metallb.io/v1beta1:IPAddressPool";
const CR_L2 = "kubernetes:metallb.io/v1beta1:L2Advertisement";
const COMMAND = "command:local:Command";
const specOf = (stack: string): MeshSpec => parse(stackRaw(stack), stack);
const layer = (spec: MeshSpec, preview = false) =>
  underMocks(() => buildClusterLayer(spec, planMesh(spec), { deploymentId: "d" }), { preview, stack: spec.stack });

describe("MetalLB: where", () => {
  it.each([
    ["dev", ["east-metallb", "west-metallb"]],
    ["multinet", ["east-metallb", "west-metallb"]],
    ["primary-remote", ["main0-metallb"]],
    ["flat", []],
    ["hybrid-nodeport", []],
  ])("%s: %j (the plan's metallb flag; NodePort gateways and one-network meshes need none)", async (stack, expected) => {
    const spec = specOf(stack);
    const run = await layer(spec);
    expect(byType(run.resources, RELEASE).map((r) => r.name)).toEqual(expected);
    expect(planMesh(spec).clusters.filter((c) => c.metallb).map((c) => `${c.name}-metallb`)).toEqual(expected);
  });
});

describe("MetalLB: what", () => {
  it("installs chart metallb 0.16.1 from its repo as release metallb, FRR-K8s off, waiting up to 5 minutes", async () => {
    const run = await layer(specOf("dev"));
    const release = named(run.resources, RELEASE, "east-metallb");
    expect(release.inputs).toMatchObject({
      name: "metallb",
      chart: "metallb",
      version: "0.16.1",
      repositoryOpts: { repo: "https://metallb.github.io/metallb" },
      namespace: "metallb-system",
      timeout: 300,
    });
    // Exactly these values; the image repositories are the chart's defaults (values.yaml, v0.16.1), written from
    // kindmesh's image table so the image cache mirrors their registry.
    expect(release.inputs.values).toEqual({
      frrk8s: { enabled: false },
      controller: { image: { repository: "quay.io/metallb/controller" } },
      speaker: { image: { repository: "quay.io/metallb/speaker" }, frr: { enabled: false } },
    });
    expect(release.inputs.skipAwait).toBeUndefined();
    expect(release.inputs.createNamespace).toBeUndefined();
    expect(release.dependencies).toContain(urnOf(run.resources, "kubernetes:core/v1:Namespace", "east-metallb-namespace"));
  });

  it("creates its namespace labelled for the privileged speaker", async () => {
    const run = await layer(specOf("dev"));
    expect(named(run.resources, "kubernetes:core/v1:Namespace", "east-metallb-namespace").inputs.metadata).toEqual({
      name: "metallb-system",
      labels: {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    });
  });

  it("an IPAddressPool with exactly the cluster's planned range, and an L2Advertisement of it", async () => {
    const spec = specOf("dev");
    const run = await layer(spec);
    const east = spec.clusters[0].metallbPool!;
    expect(named(run.resources, CR_POOL, "east-metallb-pool").inputs).toEqual({
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: "kindmesh-pool", namespace: "metallb-system" },
      spec: { addresses: [`${east.first}-${east.last}`], avoidBuggyIPs: true },
    });
    expect(named(run.resources, CR_L2, "east-metallb-l2").inputs).toEqual({
      apiVersion: "metallb.io/v1beta1",
      kind: "L2Advertisement",
      metadata: { name: "kindmesh-l2", namespace: "metallb-system" },
      spec: { ipAddressPools: ["kindmesh-pool"] },
    });
  });

  it.each(["dev", "multinet"])("%s: the pools are disjoint, inside the Docker subnet, and each is its cluster's plan", async (stack) => {
    const spec = specOf(stack);
    const run = await layer(spec);
    const ranges = spec.clusters.map((c) => {
      const [first, last] = named(run.resources, CR_POOL, `${c.name}-metallb-pool`).inputs.spec.addresses[0].split("-");
      expect({ first, last }).toEqual({ first: c.metallbPool!.first, last: c.metallbPool!.last });
      return [toNumber(first), toNumber(last)];
    });
    expect(ranges[0][1] < ranges[1][0] || ranges[1][1] < ranges[0][0]).toBe(true);
    const [net, prefix] = spec.dockerNetwork.subnet.split("/");
    const [lo, hi] = [toNumber(net), toNumber(net) + 2 ** (32 - Number(prefix)) - 1];
    for (const [a, b] of ranges) expect(a > lo + 1 && b < hi && a <= b).toBe(true);
  });
});

describe("MetalLB: order and lifetime", () => {
  it("pool and L2Advertisement wait for the release and for the webhook to accept the pool", async () => {
    const run = await layer(specOf("dev"));
    const release = urnOf(run.resources, RELEASE, "east-metallb");
    const webhook = named(run.resources, COMMAND, "east-metallb-webhook-ready");
    expect(webhook.dependencies).toContain(release);
    for (const [type, name] of [[CR_POOL, "east-metallb-pool"], [CR_L2, "east-metallb-l2"]]) {
      expect(named(run.resources, type, name).dependencies).toEqual(expect.arrayContaining([release, webhook.urn]));
    }
  });

  it("a recreated cluster waits for its new webhook again: the wait is keyed on the cluster's ID", async () => {
    const run = await layer(specOf("dev"));
    const webhook = named(run.resources, COMMAND, "east-metallb-webhook-ready");
    expect(webhook.inputs.triggers).toEqual(["east-kind-cluster-id"]);
    expect(webhook.dependencies).toContain(urnOf(run.resources, COMMAND, "east-kind-cluster"));
  });

  it("everything is deleted with the cluster and applied with its provider", async () => {
    const run = await layer(specOf("dev"));
    const lifetime = urnOf(run.resources, COMMAND, "west-kind-cluster");
    const provider = urnOf(run.resources, "pulumi:providers:kubernetes", "west-k8s");
    for (const [type, name] of [
      ["kubernetes:core/v1:Namespace", "west-metallb-namespace"],
      [RELEASE, "west-metallb"],
      [CR_POOL, "west-metallb-pool"],
      [CR_L2, "west-metallb-l2"],
    ]) {
      const r = named(run.resources, type, name);
      expect(r.deletedWith).toBe(lifetime);
      expect(r.provider.startsWith(`${provider}::`)).toBe(true);
      expect(r.parent).toBe(urnOf(run.resources, "kindmesh:clusters:MetalLB", "west-metallb"));
    }
    expect(named(run.resources, COMMAND, "west-metallb-webhook-ready").deletedWith).toBe(lifetime);
    expect(run.value.clusters[1].ready.some((r) => r instanceof MetalLB)).toBe(true);
  });

  it("the webhook wait dry-runs the very pool it guards", async () => {
    const spec = specOf("dev");
    const run = await layer(spec);
    const pool = named(run.resources, CR_POOL, "east-metallb-pool").inputs;
    expect(named(run.resources, COMMAND, "east-metallb-webhook-ready").inputs.create).toBe(webhookWaitScript("east", "dev-east-control-plane", pool));
  });

  it("the webhook wait retries while the webhook refuses, then passes the manifest on stdin", () => {
    const manifest = { apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { name: "kindmesh-pool", namespace: "metallb-system" }, spec: { addresses: ["172.30.192.0-172.30.192.15"], avoidBuggyIPs: true } };
    const docker = [
      'cat > "$STUB_DIR/stdin"',
      'if [ ! -f "$STUB_DIR/tried" ]; then touch "$STUB_DIR/tried"; echo \'Error from server (InternalError): failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io": connection refused\' >&2; exit 1; fi',
      'echo "ipaddresspool.metallb.io/kindmesh-pool created (server dry run)"',
    ].join("\n");
    const res = runScript(webhookWaitScript("east", "east-control-plane", manifest), { stubs: { docker } });
    expect(res.status).toBe(0);
    expect(res.calls).toEqual([
      "docker exec -i east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf apply --dry-run=server -f -",
      "docker exec -i east-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf apply --dry-run=server -f -",
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(res.dir, "stdin"), "utf8"))).toEqual(manifest);
  });

  it("preview: the pool's addresses are known before any cluster exists", async () => {
    const spec = specOf("multinet");
    const run = await layer(spec, true);
    const pool = spec.clusters[1].metallbPool!;
    expect(named(run.resources, CR_POOL, "west-metallb-pool").inputs.spec).toEqual({ addresses: [`${pool.first}-${pool.last}`], avoidBuggyIPs: true });
  });
});
