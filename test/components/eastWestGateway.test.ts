import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { EAST_WEST_GATEWAY_TOKEN, EastWestGateway, type EastWestGatewayArgs } from "../../components/eastWestGateway";
import type { ClusterHandle } from "../../components/types";
import { LIFETIME_TYPE, READY_TYPE, STAND_IN_TYPE, StandIn, fakeClusterHandles } from "../helpers/clusterHandles";
import { byType, named, resolve, underMocks } from "../helpers/components";
import { fakeLoadBalancerIP } from "../helpers/fakes/mesh";
import { parse, stackRaw } from "../helpers/configs";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const GATEWAY = "kubernetes:networking.istio.io/v1:Gateway";
const VS = "kubernetes:networking.istio.io/v1:VirtualService";
const SERVICE = "kubernetes:core/v1:Service";

interface Read {
  type: string;
  name: string;
  id: string;
  parent: string;
  provider: string;
  dependencies: string[];
}

/** Records what the shared mock leaves out for reads (`Resource.get`): ID, parent, provider and dependencies. */
function recordReads(): Read[] {
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.readResource.bind(monitor);
  const reads: Read[] = [];
  monitor.readResource = (req: any, callback: any) => {
    reads.push({
      type: req.getType(),
      name: req.getName(),
      id: req.getId(),
      parent: req.getParent(),
      provider: req.getProvider(),
      dependencies: req.getDependenciesList(),
    });
    return original(req, callback);
  };
  return reads;
}

/** A gateway in the first cluster of a shipped stack, after a stand-in for that cluster's istiod. */
function gateway(stack: string, extra: (h: ClusterHandle) => Partial<EastWestGatewayArgs> = () => ({})) {
  return () => {
    const reads = recordReads();
    const spec = parse(stackRaw(stack), stack);
    const handle = fakeClusterHandles(spec)[0];
    const istiod = new StandIn(`${handle.name}-istiod-stand-in`);
    const args: EastWestGatewayArgs = {
      cluster: handle,
      network: handle.spec.network,
      exposure: handle.spec.eastWestGateway,
      istioVersion: "1.31.1",
      after: [istiod],
      ...extra(handle),
    };
    return { gateway: new EastWestGateway(handle.name, args), reads };
  };
}

describe("EastWestGateway behind a LoadBalancer (dev: east)", () => {
  it("the gateway chart as istio-eastwestgateway in istio-system, for the cluster's network", async () => {
    const run = await underMocks(gateway("dev"));
    const release = named(run.resources, RELEASE, "east-eastwest-gateway");
    expect(release.inputs).toMatchObject({
      name: "istio-eastwestgateway",
      chart: "gateway",
      version: "1.31.1",
      repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
      namespace: "istio-system",
      skipAwait: false,
    });
    expect(release.inputs.values).toEqual({
      name: "istio-eastwestgateway",
      networkGateway: "network-east",
      service: { type: "LoadBalancer" },
      resources: { requests: { cpu: "10m", memory: "40Mi" } },
      autoscaling: { enabled: false },
      // gateway chart _helpers.tpl: pod label istio.io/rev, so the revision's injector serves it.
      revision: "1-31-1",
    });
  });

  it("waits for istiod (injection) and for the cluster layer (MetalLB's pool)", async () => {
    const run = await underMocks(gateway("dev"));
    const deps = named(run.resources, RELEASE, "east-eastwest-gateway").dependencies;
    expect(deps).toContain(named(run.resources, STAND_IN_TYPE, "east-istiod-stand-in").urn);
    expect(deps).toContain(named(run.resources, READY_TYPE, "east-ready").urn);
  });

  it("reads the gateway Service after the release, in the cluster, and takes its ingress IP as the address", async () => {
    const run = await underMocks(gateway("dev"));
    const { gateway: gw, reads } = run.value;
    const release = named(run.resources, RELEASE, "east-eastwest-gateway");
    expect(reads).toHaveLength(1);
    const read = reads[0];
    expect(read).toMatchObject({ type: SERVICE, name: "east-eastwest-service", id: "istio-system/istio-eastwestgateway" });
    expect(read.dependencies).toContain(release.urn);
    expect(read.parent).toBe(named(run.resources, EAST_WEST_GATEWAY_TOKEN, "east").urn);
    expect(read.provider.startsWith(named(run.resources, "pulumi:providers:kubernetes", "east-k8s").urn)).toBe(true);
    expect(await resolve(gw.address)).toBe(fakeLoadBalancerIP("east-eastwest-service"));
    expect(await pulumi.isSecret(gw.address)).toBe(false);
  });

  it("preview: the read gets an unknown ID (the engine skips it rather than fail on a Service not yet there); the address is unknown", async () => {
    const run = await underMocks(gateway("dev"), { preview: true });
    const { gateway: gw, reads } = run.value;
    expect(reads).toHaveLength(1);
    expect(reads[0].id).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    expect(await resolve(gw.address, 200)).toBeUndefined();
    expect(byType(run.resources, RELEASE)).toHaveLength(1);
  });

  it("no Istio resources unless asked", async () => {
    const run = await underMocks(gateway("dev"));
    expect(byType(run.resources, GATEWAY)).toEqual([]);
    expect(byType(run.resources, VS)).toEqual([]);
    expect(run.value.gateway.ready).toHaveLength(1);
  });

  it("cross-network-gateway: exactly expose-services.yaml, in istio-system, after the release", async () => {
    const run = await underMocks(gateway("dev", () => ({ crossNetworkGateway: true })));
    const gw = named(run.resources, GATEWAY, "east-cross-network-gateway");
    expect(gw.inputs).toEqual({
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: "cross-network-gateway", namespace: "istio-system" },
      spec: {
        selector: { istio: "eastwestgateway" },
        servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
      },
    });
    expect(gw.dependencies).toContain(named(run.resources, RELEASE, "east-eastwest-gateway").urn);
  });

  it("istiod exposure: istiod-gateway as expose-istiod.yaml, istiod-vs-<revision> as expose-istiod-rev.yaml.tmpl", async () => {
    const run = await underMocks(gateway("primary-remote", () => ({ exposeIstiod: true })));
    const gw = named(run.resources, GATEWAY, "main0-istiod-gateway");
    const vs = named(run.resources, VS, "main0-istiod-vs-1-31-1");
    const SNI = ["istiod-1-31-1.istio-system.svc", "istiod-1-31-1.istio-system.svc.cluster.local"];
    expect(gw.inputs.metadata).toEqual({ name: "istiod-gateway", namespace: "istio-system" });
    expect(gw.inputs.spec).toEqual({
      selector: { istio: "eastwestgateway" },
      servers: [
        { port: { name: "tls-istiod", number: 15012, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
        { port: { name: "tls-istiodwebhook", number: 15017, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
      ],
    });
    expect(vs.inputs).toMatchObject({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "istiod-vs-1-31-1", namespace: "istio-system" } });
    expect(vs.inputs.spec).toEqual({
      hosts: ["*"],
      gateways: ["istiod-gateway"],
      tls: [
        // Chosen by SNI, so while two revisions run each remote reaches its own istiod.
        { match: [{ port: 15012, sniHosts: SNI }], route: [{ destination: { host: "istiod-1-31-1.istio-system.svc.cluster.local", port: { number: 15012 } } }] },
        { match: [{ port: 15017, sniHosts: SNI }], route: [{ destination: { host: "istiod-1-31-1.istio-system.svc.cluster.local", port: { number: 443 } } }] },
      ],
    });
    expect(byType(run.resources, GATEWAY).map((r) => r.name)).toEqual(["main0-istiod-gateway"]);
  });

  it("everything in the cluster is deleted with it", async () => {
    const run = await underMocks(gateway("dev", () => ({ crossNetworkGateway: true, exposeIstiod: true })));
    const lifetime = named(run.resources, LIFETIME_TYPE, "east-kind").urn;
    const created = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== SERVICE);
    expect(created).toHaveLength(4);
    for (const r of created) expect(r.deletedWith, r.name).toBe(lifetime);
  });
});

describe("EastWestGateway on a NodePort (hybrid-nodeport: north)", () => {
  const nodeAddress = (h: ClusterHandle) => ({ nodeAddress: h.apiServer.apply((u) => new URL(u).hostname) });

  it("publishes the node address as the Service's externalIPs; that address is the gateway's; nothing is read", async () => {
    const run = await underMocks(gateway("hybrid-nodeport", nodeAddress));
    const values = named(run.resources, RELEASE, "north-eastwest-gateway").inputs.values;
    expect(values.service).toEqual({ type: "NodePort", externalIPs: ["172.16.88.2"] });
    expect(values.networkGateway).toBe("network-north");
    expect(await resolve(run.value.gateway.address)).toBe("172.16.88.2");
    expect(run.value.reads).toEqual([]);
    expect(run.value.gateway.service).toBeUndefined();
  });

  it("NodePort without a node address is an error", async () => {
    await expect(underMocks(gateway("hybrid-nodeport"))).rejects.toThrow(/NodePort exposure needs nodeAddress/);
  });
});
