import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ISTIO_CONTROL_PLANE_TOKEN, IstioControlPlane, type IstioControlPlaneArgs } from "../../components/istioControlPlane";
import { planMesh } from "../../model/build/plan";
import type { ClusterHandle } from "../../components/types";
import { LIFETIME_TYPE, READY_TYPE, fakeClusterHandles } from "../helpers/clusterHandles";
import { byType, named, underMocks } from "../helpers/components";
import { isSecretInput, reveal } from "../helpers/fakes/mesh";
import { parse, stackRaw } from "../helpers/configs";

const NS = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const PA = "kubernetes:security.istio.io/v1:PeerAuthentication";
const CACERTS = { "ca-cert.pem": "INTER\n", "ca-key.pem": "KEY\n", "root-cert.pem": "ROOT\n", "cert-chain.pem": "INTER\nROOT\n" };
const b64decode = (s: string) => Buffer.from(s, "base64").toString();

/** The control plane of one cluster of the primary-remote stack, with fake handles. */
function controlPlane(
  cluster: "main0" | "remote0",
  extra: Partial<IstioControlPlaneArgs> | ((handles: ClusterHandle[]) => Partial<IstioControlPlaneArgs>) = {},
) {
  return () => {
    const spec = parse(stackRaw("primary-remote"), "primary-remote");
    const plan = planMesh(spec).clusters.find((c) => c.name === cluster)!;
    const handles = fakeClusterHandles(spec);
    const handle = handles.find((h) => h.name === cluster)!;
    const role = cluster === "main0" ? { cacerts: pulumi.secret(CACERTS), controlsRemotes: true } : { remotePilotAddress: pulumi.output("172.27.255.200") };
    const more = typeof extra === "function" ? extra(handles) : extra;
    return new IstioControlPlane(cluster, { cluster: handle, plan, meshId: "mesh1", istioVersion: "1.31.1", ...role, ...more });
  };
}

describe("IstioControlPlane on a primary", () => {
  it("istio-system carries the network label and no annotation; it waits for the cluster layer", async () => {
    const run = await underMocks(controlPlane("main0"));
    const ns = named(run.resources, NS, "main0-istio-system");
    expect(ns.inputs.metadata).toEqual({ name: "istio-system", labels: { "topology.istio.io/network": "network1" } });
    expect(ns.dependencies).toContain(named(run.resources, READY_TYPE, "main0-ready").urn);
  });

  it("cacerts: Opaque Secret in istio-system with exactly the four keys, as a secret, after the namespace", async () => {
    const run = await underMocks(controlPlane("main0"));
    const cacerts = named(run.resources, SECRET, "main0-cacerts");
    expect(cacerts.inputs.metadata).toEqual({ name: "cacerts", namespace: "istio-system" });
    expect(cacerts.inputs.type).toBe("Opaque");
    expect(isSecretInput(cacerts.inputs.data)).toBe(true);
    const data = reveal(cacerts.inputs.data);
    expect(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64decode(v as string)]))).toEqual(CACERTS);
    expect(cacerts.additionalSecretOutputs).toEqual(expect.arrayContaining(["data", "stringData"]));
    expect(cacerts.dependencies).toContain(named(run.resources, NS, "main0-istio-system").urn);
  });

  it("base then istiod: pinned charts from Istio's repository into istio-system, waiting for readiness", async () => {
    const run = await underMocks(controlPlane("main0"));
    const common = {
      chart: expect.any(String),
      version: "1.31.1",
      repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
      namespace: "istio-system",
      createNamespace: false,
      skipAwait: false,
      timeout: 600,
    };
    const base = named(run.resources, RELEASE, "main0-istio-base");
    const istiod = named(run.resources, RELEASE, "main0-istiod-1-31-1");
    // base: the default validator calls istiod-<defaultRevision> (base defaultrevision-validatingwebhookconfiguration.yaml).
    expect(base.inputs).toMatchObject({ ...common, name: "istio-base", chart: "base", values: { defaultRevision: "1-31-1" } });
    expect(istiod.inputs).toMatchObject({ ...common, name: "istiod-1-31-1", chart: "istiod" });
    // No revision tags: each is a cluster-wide webhook both revisions' releases would own during an upgrade.
    expect(istiod.inputs.values).toMatchObject({ revision: "1-31-1", revisionTags: [] });
    expect(istiod.inputs.values.global).toMatchObject({ hub: "docker.io/istio", meshID: "mesh1", multiCluster: { clusterName: "main0" }, network: "network1", externalIstiod: true });
  });

  it("order: namespace -> cacerts -> base -> istiod, and istiod waits for cacerts directly (istio#57853)", async () => {
    const run = await underMocks(controlPlane("main0"));
    const urn = (type: string, name: string) => named(run.resources, type, name).urn;
    expect(named(run.resources, RELEASE, "main0-istio-base").dependencies).toContain(urn(SECRET, "main0-cacerts"));
    const istiod = named(run.resources, RELEASE, "main0-istiod-1-31-1").dependencies;
    expect(istiod).toContain(urn(RELEASE, "main0-istio-base"));
    expect(istiod).toContain(urn(SECRET, "main0-cacerts"));
  });

  it("STRICT mTLS: PeerAuthentication default in istio-system, after istiod", async () => {
    const run = await underMocks(controlPlane("main0"));
    const pa = named(run.resources, PA, "main0-mtls-strict");
    expect(pa.inputs).toEqual({
      apiVersion: "security.istio.io/v1",
      kind: "PeerAuthentication",
      metadata: { name: "default", namespace: "istio-system" },
      spec: { mtls: { mode: "STRICT" } },
    });
    expect(pa.dependencies).toContain(named(run.resources, RELEASE, "main0-istiod-1-31-1").urn);
    expect(run.value.ready.length).toBe(2);
  });

  it("everything is inside the cluster (its provider) and deleted with it", async () => {
    const run = await underMocks(controlPlane("main0"));
    const lifetime = named(run.resources, LIFETIME_TYPE, "main0-kind").urn;
    const provider = named(run.resources, "pulumi:providers:kubernetes", "main0-k8s").urn;
    const component = named(run.resources, ISTIO_CONTROL_PLANE_TOKEN, "main0").urn;
    const inCluster = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(inCluster).toHaveLength(5);
    for (const r of inCluster) {
      expect(r.deletedWith, r.name).toBe(lifetime);
      expect(r.provider.startsWith(`${provider}::`), r.name).toBe(true);
      expect(r.parent, r.name).toBe(component);
    }
  });

  it("a primary without cacerts is an error", async () => {
    await expect(underMocks(controlPlane("main0", { cacerts: undefined }))).rejects.toThrow(/needs cacerts/);
  });
});

describe("IstioControlPlane on a remote", () => {
  it("istio-system: network label and the controlPlaneClusters annotation naming its primary", async () => {
    const run = await underMocks(controlPlane("remote0"));
    expect(named(run.resources, NS, "remote0-istio-system").inputs.metadata).toEqual({
      name: "istio-system",
      labels: { "topology.istio.io/network": "network1" },
      annotations: { "topology.istio.io/controlPlaneClusters": "main0" },
    });
  });

  it("no cacerts and no PeerAuthentication: only the primary's istiod signs and reads configuration", async () => {
    const run = await underMocks(controlPlane("remote0"));
    expect(byType(run.resources, SECRET)).toEqual([]);
    expect(byType(run.resources, PA)).toEqual([]);
    expect(run.value.cacerts).toBeUndefined();
  });

  it("base and istiod with the remote profile; istiod gets the primary's address and its injection path", async () => {
    const run = await underMocks(controlPlane("remote0"));
    expect(named(run.resources, RELEASE, "remote0-istio-base").inputs.values).toEqual({ profile: "remote", defaultRevision: "1-31-1" });
    expect(named(run.resources, RELEASE, "remote0-istiod-1-31-1").inputs).toMatchObject({ name: "istiod-1-31-1", chart: "istiod" });
    expect(named(run.resources, RELEASE, "remote0-istiod-1-31-1").inputs.values).toEqual({
      revision: "1-31-1",
      revisionTags: [],
      profile: "remote",
      global: { hub: "docker.io/istio", meshID: "mesh1", multiCluster: { clusterName: "remote0" }, network: "network1", remotePilotAddress: "172.27.255.200", configCluster: true },
      istiodRemote: { injectionPath: "/inject/cluster/remote0/net/network1" },
    });
    expect(named(run.resources, RELEASE, "remote0-istiod-1-31-1").dependencies).toContain(named(run.resources, RELEASE, "remote0-istio-base").urn);
  });

  it("in preview an unknown address leaves the other values known", async () => {
    // Anything derived from the (fake) kind cluster is unknown in a first preview, as the gateway address is.
    const run = await underMocks(controlPlane("remote0", (handles) => ({ remotePilotAddress: handles[0].apiServer })), { preview: true });
    const values = named(run.resources, RELEASE, "remote0-istiod-1-31-1").inputs.values;
    expect(typeof values.global.remotePilotAddress).not.toBe("string");
    expect(values.istiodRemote.injectionPath).toBe("/inject/cluster/remote0/net/network1");
    expect(values.global.configCluster).toBe(true);
  });

  it("a remote given cacerts, or no address, is an error", async () => {
    await expect(underMocks(controlPlane("remote0", { cacerts: CACERTS }))).rejects.toThrow(/takes no cacerts/);
    await expect(underMocks(controlPlane("remote0", { remotePilotAddress: undefined }))).rejects.toThrow(/remotePilotAddress/);
  });
});

describe("IstioControlPlane on an existing cluster", () => {
  it("has no lifetime to be deleted with: objects are deleted one by one", async () => {
    const run = await underMocks(() => {
      const raw = stackRaw("flat");
      raw.topology.clusters[1] = { name: "cluster2", network: "network1", context: "prod" };
      raw.traffic.services[0].localities = ["region1/zone1", "region1/zone2"];
      raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to = { "region1/zone1/*": 80, "region1/zone2/*": 20 };
      const spec = parse(raw);
      const handle = fakeClusterHandles(spec)[1];
      const plan = planMesh(spec).clusters[1];
      return new IstioControlPlane("cluster2", { cluster: handle, plan, meshId: "mesh1", istioVersion: "1.31.1", cacerts: CACERTS });
    });
    for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) expect(r.deletedWith, r.name).toBe("");
  });
});
