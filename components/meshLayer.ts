/**
 * The mesh layer: one root of trust, Istio in every cluster, east-west gateways and remote secrets, wired in
 * the order of istio-on-kind.md §5 across clusters:
 *   primaries: namespace -> cacerts -> base -> istiod -> STRICT mTLS; east-west gateway -> its address ->
 *              cross-network-gateway / istiod exposure
 *   remotes:   namespace -> base -> istiod (remotePilotAddress = the primary's gateway address)
 *   secrets:   reader token in the source (after its istiod) -> secret in each destination (after its gateway)
 *   remotes:   east-west gateway only after the primary holds the remote's secret
 * The shape (which components exist) comes from the plan alone, so a first preview shows all of it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterPlan, MeshPlan } from "../model/build/plan";
import { apiServerHost } from "../model/build/remoteSecretKubeconfig";
import type { MeshSpec } from "../model/types";
import { EastWestGateway } from "./eastWestGateway";
import { IstioControlPlane } from "./istioControlPlane";
import { MeshCA, type UserRootCa } from "./meshCA";
import { RemoteSecret } from "./remoteSecret";
import type { ClusterHandle } from "./types";

export interface MeshLayerOptions {
  /** Parent of every component the layer makes. @default none (the stack) */
  parent?: pulumi.Resource;
  /** Sign the intermediates with this root instead of a generated one. @default a generated root */
  rootCa?: UserRootCa;
  /**
   * Per cluster name, the node address a NodePort east-west gateway is published at (`service.externalIPs`).
   * @default for a kind cluster, the control-plane container IP taken from its `apiServer`; an existing cluster
   * with a NodePort gateway must be given one
   */
  nodeAddresses?: Record<string, pulumi.Input<string>>;
}

export interface MeshLayer {
  ca: MeshCA;
  /** Per cluster name. */
  controlPlanes: Record<string, IstioControlPlane>;
  /** Per cluster name, for the clusters the plan gives an east-west gateway. */
  gateways: Record<string, EastWestGateway>;
  /** Per cluster name with a gateway: its address (bare IPv4; unknown in a first preview). */
  eastWestGatewayAddress: Record<string, pulumi.Output<string>>;
  /** Per SOURCE cluster name: its reader token and the secrets the destinations hold for it. */
  remoteSecrets: Record<string, RemoteSecret>;
  /** Per cluster name: what must exist before workloads there are created (injection works; istiod sees it). */
  ready: Record<string, pulumi.Resource[]>;
}

function handlesByName(plan: MeshPlan, clusters: ClusterHandle[]): Record<string, ClusterHandle> {
  const byName = Object.fromEntries(clusters.map((h) => [h.name, h]));
  const problems = [
    ...plan.clusters.filter((c) => !byName[c.name]).map((c) => `no cluster handle for ${c.name}`),
    ...clusters.filter((h) => !plan.clusters.some((c) => c.name === h.name)).map((h) => `cluster handle ${h.name} is not in the plan`),
    ...plan.clusters
      .filter((c) => byName[c.name] && byName[c.name].spec.network !== c.network)
      .map((c) => `cluster ${c.name}: handle network ${byName[c.name].spec.network} != plan network ${c.network}`),
  ];
  if (clusters.length !== Object.keys(byName).length) problems.push("cluster handles with duplicate names");
  if (problems.length > 0) throw new Error(`buildMeshLayer: ${problems.join("; ")}`);
  return byName;
}

export function buildMeshLayer(spec: MeshSpec, plan: MeshPlan, clusters: ClusterHandle[], opts: MeshLayerOptions = {}): MeshLayer {
  const handles = handlesByName(plan, clusters);
  const options = opts.parent ? { parent: opts.parent } : {};
  const primaries = plan.clusters.filter((c) => c.role === "primary");
  const remotes = plan.clusters.filter((c) => c.role === "remote");
  const version = spec.versions.istio;

  const ca = new MeshCA("mesh-ca", { clusters: primaries.map((c) => c.name), root: opts.rootCa }, options);
  const controlPlanes: Record<string, IstioControlPlane> = {};
  const gateways: Record<string, EastWestGateway> = {};
  const remoteSecrets: Record<string, RemoteSecret> = {};

  const nodeAddress = (c: ClusterPlan): pulumi.Input<string> | undefined => {
    if (c.eastWestGateway !== "NodePort") return undefined;
    const given = opts.nodeAddresses?.[c.name];
    if (given !== undefined) return given;
    const handle = handles[c.name];
    if (handle.spec.kind !== "kind") {
      throw new Error(`cluster ${c.name}: a NodePort east-west gateway on an existing cluster needs nodeAddresses["${c.name}"]`);
    }
    // kind: apiServer is https://<control-plane container IP>:6443, a node address other clusters reach.
    return handle.apiServer.apply(apiServerHost);
  };
  const addGateway = (c: ClusterPlan, after: pulumi.Resource[]): void => {
    if (!c.eastWestGateway) return;
    gateways[c.name] = new EastWestGateway(
      c.name,
      {
        cluster: handles[c.name],
        network: c.network,
        exposure: c.eastWestGateway,
        ...(c.gatewayAddressFrom === "cloud-load-balancer" ? { cloudLoadBalancer: true } : {}),
        nodeAddress: nodeAddress(c),
        locality: c.eastWestGatewayLocality,
        istioVersion: version,
        crossNetworkGateway: c.crossNetworkGateway,
        exposeIstiod: c.exposesIstiod,
        after,
      },
      options,
    );
  };

  for (const c of primaries) {
    controlPlanes[c.name] = new IstioControlPlane(
      c.name,
      {
        cluster: handles[c.name],
        plan: c,
        meshId: spec.meshId,
        istioVersion: version,
        cacerts: ca.intermediates[c.name].cacerts,
        controlsRemotes: remotes.some((r) => r.controlPlane === c.name),
        meshConfig: spec.traffic.meshConfig,
      },
      options,
    );
    addGateway(c, controlPlanes[c.name].ready);
  }

  for (const c of remotes) {
    const primaryGateway = gateways[c.controlPlane];
    if (!primaryGateway) throw new Error(`remote ${c.name}: its primary ${c.controlPlane} has no east-west gateway to reach istiod through`);
    controlPlanes[c.name] = new IstioControlPlane(
      c.name,
      { cluster: handles[c.name], plan: c, meshId: spec.meshId, istioVersion: version, remotePilotAddress: primaryGateway.address },
      options,
    );
  }

  const sources = [...new Set(plan.remoteSecrets.map((s) => s.source))];
  for (const source of sources) {
    const destinations = plan.remoteSecrets.filter((s) => s.source === source).map((s) => s.destination);
    remoteSecrets[source] = new RemoteSecret(
      source,
      {
        source: handles[source],
        sourceReady: [controlPlanes[source].base, controlPlanes[source].istiod],
        destinations: destinations.map((d) => ({
          cluster: handles[d],
          after: [...controlPlanes[d].ready, ...(gateways[d]?.ready ?? [])],
        })),
      },
      options,
    );
  }

  for (const c of remotes) {
    const held = remoteSecrets[c.name]?.secrets[c.controlPlane];
    if (!held) throw new Error(`remote ${c.name}: the plan gives its primary ${c.controlPlane} no remote secret for it`);
    addGateway(c, [...controlPlanes[c.name].ready, held]);
  }

  const heldBy = (d: string) => Object.values(remoteSecrets).flatMap((r) => (r.secrets[d] ? [r.secrets[d]] : []));
  const ready = Object.fromEntries(
    plan.clusters.map((c) => {
      const mine = [...controlPlanes[c.name].ready, ...(gateways[c.name]?.ready ?? [])];
      const secrets = c.role === "remote" ? [remoteSecrets[c.name].secrets[c.controlPlane]] : heldBy(c.name);
      return [c.name, [...mine, ...secrets]];
    }),
  );
  const eastWestGatewayAddress = Object.fromEntries(Object.entries(gateways).map(([name, g]) => [name, g.address]));
  return { ca, controlPlanes, gateways, eastWestGatewayAddress, remoteSecrets, ready };
}
