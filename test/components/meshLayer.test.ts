import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { buildClusterLayer } from "../../components/clusterLayer";
import { buildMeshLayer, type MeshLayerOptions } from "../../components/meshLayer";
import { planMesh } from "../../model/build/plan";
import type { MeshSpec } from "../../model/types";
import { LIFETIME_TYPE, clusterOf, fakeClusterHandles } from "../helpers/clusterHandles";
import { byType, named, resolve, underMocks } from "../helpers/components";
import { fakePem, reveal } from "../helpers/fakes/mesh";
import type { Recorded } from "../helpers/mocks";
import { parse, stackRaw, type Raw } from "../helpers/configs";
import { shippedStacks } from "../helpers/stacks";

const NS = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const PA = "kubernetes:security.istio.io/v1:PeerAuthentication";
const GATEWAY = "kubernetes:networking.istio.io/v1:Gateway";
const VS = "kubernetes:networking.istio.io/v1:VirtualService";
const b64decode = (s: string) => Buffer.from(s, "base64").toString();

function layerOf(spec: MeshSpec, opts: { preview?: boolean; layer?: MeshLayerOptions } = {}) {
  return underMocks(() => buildMeshLayer(spec, planMesh(spec), fakeClusterHandles(spec), opts.layer), { preview: opts.preview });
}
const layer = (stack: string, opts: { preview?: boolean; layer?: MeshLayerOptions } = {}) => layerOf(parse(stackRaw(stack), stack), opts);

/** primary-remote with the remote on a network of its own: the remote gets a gateway too. */
function primaryRemoteTwoNetworks(): MeshSpec {
  const raw: Raw = stackRaw("primary-remote");
  raw.topology.clusters[1].network = "network2";
  return parse(raw, "primary-remote");
}

/** Whether `from` waits for `to`, directly or through other resources. */
function waitsFor(resources: Recorded[], from: Recorded, to: Recorded): boolean {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return false;
}

const COUNTS: Record<string, { cacerts: number; gateways: number; crossNetwork: number; istiodExposure: number; remoteSecrets: number }> = {
  "cluster-local": { cacerts: 2, gateways: 0, crossNetwork: 0, istiodExposure: 0, remoteSecrets: 2 },
  dev: { cacerts: 2, gateways: 2, crossNetwork: 2, istiodExposure: 0, remoteSecrets: 2 },
  flat: { cacerts: 2, gateways: 0, crossNetwork: 0, istiodExposure: 0, remoteSecrets: 2 },
  "hybrid-nodeport": { cacerts: 2, gateways: 2, crossNetwork: 2, istiodExposure: 0, remoteSecrets: 2 },
  multinet: { cacerts: 2, gateways: 2, crossNetwork: 2, istiodExposure: 0, remoteSecrets: 2 },
  "multizone-remote": { cacerts: 2, gateways: 2, crossNetwork: 2, istiodExposure: 0, remoteSecrets: 2 },
  "primary-remote": { cacerts: 1, gateways: 1, crossNetwork: 0, istiodExposure: 1, remoteSecrets: 1 },
};

describe("east-west gateway placement", () => {
  it("pins each gateway pod to its cluster's eastWestGatewayLocality (default: the control-plane node's)", async () => {
    const raw: Raw = stackRaw("dev");
    raw.topology.clusters[0].eastWestGatewayLocality = "east/zone2";
    const run = await layerOf(parse(raw, "dev"));
    const east = named(run.resources, RELEASE, "east-eastwest-gateway").inputs.values;
    const west = named(run.resources, RELEASE, "west-eastwest-gateway").inputs.values;
    expect(east.nodeSelector).toEqual({ "topology.kubernetes.io/region": "east", "topology.kubernetes.io/zone": "zone2" });
    expect(west.nodeSelector).toEqual({ "topology.kubernetes.io/region": "west", "topology.kubernetes.io/zone": "zone3" });
    expect(east.tolerations).toEqual([{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }]);
  });
});

describe.each(shippedStacks())("mesh layer of the %s stack", (stack) => {
  it("what exists per topology: cacerts on primaries, gateways, Istio resources, remote secrets, STRICT mTLS", async () => {
    const run = await layer(stack);
    const secrets = byType(run.resources, SECRET);
    const want = COUNTS[stack];
    expect(secrets.filter((s) => s.inputs.metadata.name === "cacerts")).toHaveLength(want.cacerts);
    expect(byType(run.resources, PA)).toHaveLength(want.cacerts);
    expect(byType(run.resources, RELEASE).filter((r) => r.inputs.chart === "gateway")).toHaveLength(want.gateways);
    expect(byType(run.resources, GATEWAY).filter((g) => g.inputs.metadata.name === "cross-network-gateway")).toHaveLength(want.crossNetwork);
    expect(byType(run.resources, GATEWAY).filter((g) => g.inputs.metadata.name === "istiod-gateway")).toHaveLength(want.istiodExposure);
    expect(byType(run.resources, VS)).toHaveLength(want.istiodExposure);
    expect(secrets.filter((s) => s.inputs.metadata.labels?.["istio/multiCluster"] === "true")).toHaveLength(want.remoteSecrets);
    expect(Object.keys(run.value.gateways)).toHaveLength(want.gateways);
  });

  it("every chart: Istio's repository, the pinned version, istio-system, release names as istio.io", async () => {
    const run = await layer(stack);
    const spec = parse(stackRaw(stack), stack);
    for (const r of byType(run.resources, RELEASE)) {
      expect(r.inputs.repositoryOpts).toEqual({ repo: "https://istio-release.storage.googleapis.com/charts" });
      expect(r.inputs.version).toBe(spec.versions.istio);
      expect(r.inputs.namespace).toBe("istio-system");
      expect({ base: "istio-base", istiod: "istiod-1-31-1", gateway: "istio-eastwestgateway" }[r.inputs.chart as string]).toBe(r.inputs.name);
    }
    expect(byType(run.resources, RELEASE).filter((r) => r.inputs.chart === "istiod")).toHaveLength(spec.clusters.length);
  });

  it("names and networks agree everywhere Istio reads them", async () => {
    const run = await layer(stack);
    for (const c of planMesh(parse(stackRaw(stack), stack)).clusters) {
      const values = named(run.resources, RELEASE, `${c.name}-istiod-1-31-1`).inputs.values;
      expect(values.global.multiCluster.clusterName).toBe(c.name);
      expect(values.global.network).toBe(c.network);
      expect(named(run.resources, NS, `${c.name}-istio-system`).inputs.metadata.labels["topology.istio.io/network"]).toBe(c.network);
      if (c.eastWestGateway) expect(named(run.resources, RELEASE, `${c.name}-eastwest-gateway`).inputs.values.networkGateway).toBe(c.network);
    }
    for (const s of byType(run.resources, SECRET).filter((x) => x.inputs.metadata.labels?.["istio/multiCluster"])) {
      const source = s.inputs.metadata.annotations["networking.istio.io/cluster"];
      const data = reveal(s.inputs.data);
      expect(s.inputs.metadata.name).toBe(`istio-remote-secret-${source}`);
      expect(Object.keys(data)).toEqual([source]);
      expect(named(run.resources, RELEASE, `${source}-istiod-1-31-1`).inputs.values.global.multiCluster.clusterName).toBe(source);
      expect(clusterOf(s, run.resources)).not.toBe(source);
    }
  });

  it("remote secrets point at the source's in-network API server with its reader token", async () => {
    const run = await layer(stack);
    const handles = new Map<string, string>();
    for (const [source, rs] of Object.entries(run.value.remoteSecrets)) {
      const kubeconfig = (await resolve(rs.kubeconfig))!;
      handles.set(source, kubeconfig);
      expect(kubeconfig).toMatch(/server: https:\/\/172\.16\.\d+\.\d+:6443/);
      expect(kubeconfig).not.toMatch(/127\.0\.0\.1|localhost/);
      expect(await pulumi.isSecret(rs.kubeconfig)).toBe(true);
      for (const [destination, secret] of Object.entries(rs.secrets)) {
        const recorded = named(run.resources, SECRET, `${source}-in-${destination}`);
        expect(b64decode(reveal(recorded.inputs.data)[source])).toBe(kubeconfig);
        expect(secret).toBeDefined();
      }
    }
  });

  it("every object inside a cluster is in that cluster and deleted with it", async () => {
    const run = await layer(stack);
    const created = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== SERVICE);
    expect(created.length).toBeGreaterThan(0);
    for (const r of created) {
      const cluster = clusterOf(r, run.resources);
      expect(cluster, r.name).toBeDefined();
      expect(r.deletedWith, r.name).toBe(named(run.resources, LIFETIME_TYPE, `${cluster}-kind`).urn);
    }
  });

  it("install order (istio-on-kind.md §5) holds in the dependency graph", async () => {
    const run = await layer(stack);
    const get = (type: string, name: string) => named(run.resources, type, name);
    const plan = planMesh(parse(stackRaw(stack), stack));
    for (const c of plan.clusters) {
      const chain = [get(NS, `${c.name}-istio-system`), ...(c.role === "primary" ? [get(SECRET, `${c.name}-cacerts`)] : []), get(RELEASE, `${c.name}-istio-base`), get(RELEASE, `${c.name}-istiod-1-31-1`)];
      for (let i = 1; i < chain.length; i++) expect(waitsFor(run.resources, chain[i], chain[i - 1]), `${chain[i].name} after ${chain[i - 1].name}`).toBe(true);
      if (c.role === "primary") expect(get(RELEASE, `${c.name}-istiod-1-31-1`).dependencies).toContain(get(SECRET, `${c.name}-cacerts`).urn);
      if (c.eastWestGateway) {
        const gw = get(RELEASE, `${c.name}-eastwest-gateway`);
        expect(waitsFor(run.resources, gw, get(RELEASE, `${c.name}-istiod-1-31-1`))).toBe(true);
        for (const cr of [...byType(run.resources, GATEWAY), ...byType(run.resources, VS)].filter((x) => x.name.startsWith(`${c.name}-`))) {
          expect(cr.dependencies).toContain(gw.urn);
        }
      }
    }
    for (const { source, destination } of plan.remoteSecrets) {
      const secret = get(SECRET, `${source}-in-${destination}`);
      const token = get(SECRET, `${source}-reader-token`);
      expect(secret.dependencies).toContain(token.urn);
      expect(token.dependencies).toContain(get(RELEASE, `${source}-istiod-1-31-1`).urn);
      expect(token.dependencies).toContain(get(RELEASE, `${source}-istio-base`).urn);
      expect(secret.dependencies).toContain(get(RELEASE, `${destination}-istiod-1-31-1`).urn);
      for (const later of byType(run.resources, GATEWAY).filter((g) => g.name.startsWith(`${destination}-`))) {
        expect(secret.dependencies, `secret after ${later.name}`).toContain(later.urn);
      }
    }
  });

  it("preview of a fresh stack: the same resources, with unknown addresses and kubeconfigs, and nothing fails", async () => {
    const real = await layer(stack);
    const preview = await layer(stack, { preview: true });
    const shape = (rs: Recorded[]) => rs.map((r) => `${r.type}/${r.name}`).sort();
    expect(shape(preview.resources)).toEqual(shape(real.resources));
    for (const address of Object.values(preview.value.eastWestGatewayAddress)) expect(await resolve(address, 100)).toBeUndefined();
    for (const rs of Object.values(preview.value.remoteSecrets)) expect(await resolve(rs.kubeconfig, 100)).toBeUndefined();
  });

  it("outputs: gateway addresses are public bare IPv4s; keys and kubeconfigs are secret", async () => {
    const run = await layer(stack);
    for (const address of Object.values(run.value.eastWestGatewayAddress)) {
      expect(await resolve(address)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await pulumi.isSecret(address)).toBe(false);
    }
    for (const inter of Object.values(run.value.ca.intermediates)) {
      expect(await pulumi.isSecret(inter.keyPem)).toBe(true);
      expect(await pulumi.isSecret(inter.cacerts)).toBe(true);
    }
    expect(await pulumi.isSecret(run.value.ca.rootCertPem)).toBe(false);
  });
});

describe("mesh layer: primary-remote", () => {
  it("the remote's istiod points at the primary's east-west gateway address, read after the gateway", async () => {
    const run = await layer("primary-remote");
    const remote = named(run.resources, RELEASE, "remote0-istiod-1-31-1");
    expect(remote.inputs.values.global.remotePilotAddress).toBe(await resolve(run.value.eastWestGatewayAddress.main0));
    // Reads are not in the shared recorder's URN list; the read Service's URN ends in its type and name.
    expect(remote.dependencies.some((d) => d.endsWith(`${SERVICE}::main0-eastwest-service`))).toBe(true);
    expect(named(run.resources, RELEASE, "main0-istiod-1-31-1").inputs.values.global.externalIstiod).toBe(true);
  });

  it("only the primary holds a secret, for the remote; the remote has no gateway, cacerts or istiod exposure", async () => {
    const run = await layer("primary-remote");
    expect(Object.keys(run.value.remoteSecrets)).toEqual(["remote0"]);
    expect(Object.keys(run.value.remoteSecrets.remote0.secrets)).toEqual(["main0"]);
    expect(Object.keys(run.value.gateways)).toEqual(["main0"]);
    expect(run.value.ca.intermediates).not.toHaveProperty("remote0");
    expect(byType(run.resources, SECRET).map((s) => s.name).sort()).toEqual(["main0-cacerts", "remote0-in-main0", "remote0-reader-token"]);
  });

  it("the secret in main0 waits for main0's istiod exposure, so istiod is reachable before it manages the remote", async () => {
    const run = await layer("primary-remote");
    const secret = named(run.resources, SECRET, "remote0-in-main0");
    expect(secret.dependencies).toContain(named(run.resources, GATEWAY, "main0-istiod-gateway").urn);
    expect(secret.dependencies).toContain(named(run.resources, VS, "main0-istiod-vs-1-31-1").urn);
  });

  it("on two networks: the remote's gateway comes only after main0 holds the remote's secret; cross-network-gateway on main0 only", async () => {
    const run = await layerOf(primaryRemoteTwoNetworks());
    const gw = named(run.resources, RELEASE, "remote0-eastwest-gateway");
    expect(gw.dependencies).toContain(named(run.resources, SECRET, "remote0-in-main0").urn);
    expect(gw.inputs.values.networkGateway).toBe("network2");
    expect(byType(run.resources, GATEWAY).filter((g) => g.inputs.metadata.name === "cross-network-gateway").map((g) => g.name)).toEqual([
      "main0-cross-network-gateway",
    ]);
    expect(run.value.ready.remote0).toContain(run.value.remoteSecrets.remote0.secrets.main0);
    expect(run.value.ready.remote0).toContain(run.value.gateways.remote0.release);
  });
});

describe("mesh layer: NodePort and options", () => {
  it("hybrid-nodeport: each gateway is published at its control-plane container IP, which is its address", async () => {
    const run = await layer("hybrid-nodeport");
    for (const [cluster, ip] of [["north", "172.16.88.2"], ["south", "172.16.88.3"]]) {
      expect(named(run.resources, RELEASE, `${cluster}-eastwest-gateway`).inputs.values.service).toEqual({ type: "NodePort", externalIPs: [ip] });
      expect(await resolve(run.value.eastWestGatewayAddress[cluster])).toBe(ip);
    }
    expect(byType(run.resources, SERVICE)).toEqual([]);
  });

  it("nodeAddresses overrides the default node address", async () => {
    const run = await layer("hybrid-nodeport", { layer: { nodeAddresses: { south: "172.26.0.9" } } });
    expect(named(run.resources, RELEASE, "south-eastwest-gateway").inputs.values.service.externalIPs).toEqual(["172.26.0.9"]);
  });

  it("a user root CA signs every intermediate", async () => {
    const certPem = fakePem("CERTIFICATE", { subject: { organization: "acme", commonName: "Acme Root" } });
    const run = await layer("dev", { layer: { rootCa: { certPem, keyPem: pulumi.secret(fakePem("PRIVATE KEY", { key: "acme" })) } } });
    expect(byType(run.resources, "tls:index/selfSignedCert:SelfSignedCert")).toEqual([]);
    for (const c of ["east", "west"]) expect(b64decode(reveal(named(run.resources, SECRET, `${c}-cacerts`).inputs.data)["root-cert.pem"])).toBe(certPem);
  });

  it("ready: a primary's list holds its istiod, mTLS policy, gateway and the secrets it holds", async () => {
    const run = await layer("dev");
    const ready = run.value.ready.east;
    expect(ready).toContain(run.value.controlPlanes.east.istiod);
    expect(ready).toContain(run.value.controlPlanes.east.peerAuthentication);
    expect(ready).toContain(run.value.gateways.east.crossNetworkGateway);
    expect(ready).toContain(run.value.remoteSecrets.west.secrets.east);
  });
});

describe.each([false, true])("mesh layer on the real clusters layer's handles (preview: %s)", (preview) => {
  it.each(shippedStacks())("%s: builds; each mesh object is in its cluster and deleted with that kind cluster", async (stack) => {
    const spec = parse(stackRaw(stack), stack);
    const plan = planMesh(spec);
    const run = await underMocks(() => {
      const clusters = buildClusterLayer(spec, plan, { deploymentId: "test", homeDir: "/home/test" }).clusters;
      return { mesh: buildMeshLayer(spec, plan, clusters), clusters };
    }, { preview });
    const { mesh, clusters } = run.value;
    expect(Object.keys(mesh.controlPlanes)).toEqual(plan.clusters.map((c) => c.name));
    for (const handle of clusters) {
      const provider = (await resolve(handle.provider.urn))!;
      const lifetime = (await resolve(handle.lifetime!.urn))!;
      const inside = run.resources.filter((r) => r.provider.startsWith(`${provider}::`) && r.parent.includes("kindmesh:mesh:") && r.type !== SERVICE);
      expect(inside.length, handle.name).toBeGreaterThan(0);
      for (const r of inside) expect(r.deletedWith, r.name).toBe(lifetime);
    }
    for (const address of Object.values(mesh.eastWestGatewayAddress)) {
      expect(await resolve(address, preview ? 100 : 2000)).toEqual(preview ? undefined : expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/));
    }
  });
});

describe("mesh layer: wrong inputs fail before anything is registered", () => {
  it("a missing handle or a handle on another network", async () => {
    const spec = parse(stackRaw("dev"), "dev");
    await expect(underMocks(() => buildMeshLayer(spec, planMesh(spec), fakeClusterHandles(spec).slice(0, 1)))).rejects.toThrow(/no cluster handle for west/);
    await expect(
      underMocks(() => {
        const handles = fakeClusterHandles(spec);
        handles[1] = { ...handles[1], spec: { ...handles[1].spec, network: "other" } };
        return buildMeshLayer(spec, planMesh(spec), handles);
      }),
    ).rejects.toThrow(/west: handle network other != plan network network-west/);
  });

  it("a NodePort gateway on an existing cluster without a node address", async () => {
    const raw = stackRaw("hybrid-nodeport");
    raw.topology.clusters[1] = { name: "south", network: "network-south", eastWestGateway: "NodePort", context: "prod" };
    raw.traffic.services[0].localities = ["north/zone1"];
    raw.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting = { enabled: true };
    const spec = parse(raw);
    await expect(layerOf(spec)).rejects.toThrow(/south: a NodePort east-west gateway on an existing cluster needs nodeAddresses/);
    const run = await layerOf(spec, { layer: { nodeAddresses: { south: "10.1.2.3" } } });
    expect(await resolve(run.value.eastWestGatewayAddress.south)).toBe("10.1.2.3");
  });
});

describe("meshConfig (kindmesh:traffic.meshConfig)", () => {
  it("cluster-local: every primary's istiod release carries the stack's serviceSettings as the chart's meshConfig", async () => {
    const run = await layer("cluster-local");
    const istiods = byType(run.resources, RELEASE).filter((r) => r.inputs.chart === "istiod");
    expect(istiods.map((r) => r.name)).toEqual(["site-a-istiod-1-31-1", "site-b-istiod-1-31-1"]);
    for (const r of istiods) {
      expect(r.inputs.values.meshConfig).toEqual({ serviceSettings: [{ settings: { clusterLocal: true }, hosts: ["cache.sample.svc.cluster.local"] }] });
    }
  });

  it("primary-remote with serviceSettings: the primary's istiod gets them, the remote's values do not", async () => {
    const raw = stackRaw("primary-remote");
    raw.traffic.meshConfig = { serviceSettings: [{ settings: { clusterLocal: true }, hosts: ["*.sample.svc.cluster.local"] }] };
    const run = await layerOf(parse(raw, "primary-remote"));
    expect(named(run.resources, RELEASE, "main0-istiod-1-31-1").inputs.values.meshConfig).toEqual(raw.traffic.meshConfig);
    expect(named(run.resources, RELEASE, "remote0-istiod-1-31-1").inputs.values).not.toHaveProperty("meshConfig");
  });

  it("a stack without meshConfig leaves the chart's own meshConfig alone (no key)", async () => {
    const run = await layer("flat");
    for (const r of byType(run.resources, RELEASE).filter((x) => x.inputs.chart === "istiod")) expect(r.inputs.values).not.toHaveProperty("meshConfig");
  });
});

