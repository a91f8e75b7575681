/**
 * A cluster's east-west gateway: Istio's `gateway` chart as `istio-eastwestgateway` for the cluster's network,
 * its address read back, and the Istio resources that route through it (samples/multicluster): the
 * `cross-network-gateway` (mTLS passthrough to this network's services) and, on a primary with remotes, the
 * istiod exposure the remotes' sidecars and webhooks reach.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CLOUD_LB_HINT,
  EASTWEST_GATEWAY,
  ISTIO_NAMESPACE,
  crossNetworkGatewaySpec,
  gatewayValues,
  istiodGatewaySpec,
  istiodVirtualServiceSpec,
  loadBalancerAddress,
  requireBareIPv4,
} from "../model/build/istioValues";
import { gatewayRevisionValues, istioRevision } from "../model/build/revision";
import type { GatewayExposure } from "../model/types";
import { istioRelease } from "./istioControlPlane";
import { inCluster, type ClusterHandle } from "./types";

export const EAST_WEST_GATEWAY_TOKEN = "kindmesh:mesh:EastWestGateway";

export interface EastWestGatewayArgs {
  /** The cluster to install into; every object in it is deleted with the cluster. */
  cluster: ClusterHandle;
  /** The cluster's Istio network (`networkGateway`); must equal the istio-system label and istiod's `global.network`. */
  network: string;
  /** `LoadBalancer` (an address from MetalLB) or `NodePort` (reached at `nodeAddress`). */
  exposure: GatewayExposure;
  /**
   * NodePort only, required there: a node's address on the Docker network, set as the Service's `externalIPs`.
   * Other clusters dial it on 15443 (and 15012/15017); kube-proxy forwards it on every node.
   */
  nodeAddress?: pulumi.Input<string>;
  /**
   * LoadBalancer only: the address comes from the cluster's own cloud (an existing cluster), not MetalLB. Helm
   * then does not wait; a patch of the Service waits for the address instead, up to CLOUD_LB_TIMEOUT_SECONDS,
   * and names the Service when none comes. @default false
   */
  cloudLoadBalancer?: boolean;
  /** Kind clusters: the locality the gateway pod is pinned to (nodeSelector on the topology labels). */
  locality?: string;
  /** Version of the `gateway` chart (= the Istio version); the gateway joins that version's revision. */
  istioVersion: string;
  /** Add the `cross-network-gateway` Gateway (multi-network primaries). @default false */
  crossNetworkGateway?: boolean;
  /** Add `istiod-gateway` and `istiod-vs` (a primary that controls remotes). @default false */
  exposeIstiod?: boolean;
  /**
   * What must exist first. Always this cluster's istiod: the gateway's pods are injected (`image: auto`). On a
   * remote also the primary's secret for it: the injection is done by the primary's istiod.
   */
  after: pulumi.Resource[];
}

/** How long an existing cluster's cloud may take to give the gateway's LoadBalancer an address. */
export const CLOUD_LB_TIMEOUT_SECONDS = 600;

export class EastWestGateway extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  /** LoadBalancer on kind: the gateway's Service as read after the release was ready. */
  readonly service?: k8s.core.v1.Service;
  /** LoadBalancer from a cloud: the patch whose await waits for the Service's address. */
  readonly addressWait?: k8s.core.v1.ServicePatch;
  /** The address other clusters reach this network at: a bare IPv4, unknown in a first preview. */
  readonly address: pulumi.Output<string>;
  readonly crossNetworkGateway?: k8s.apiextensions.CustomResource;
  readonly istiodGateway?: k8s.apiextensions.CustomResource;
  readonly istiodVirtualService?: k8s.apiextensions.CustomResource;
  /** Everything here, for whatever must come after the gateway (remote secrets, workloads). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: EastWestGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EAST_WEST_GATEWAY_TOKEN, name, {}, opts);
    const child = { parent: this };
    const { cluster } = args;
    const what = `east-west gateway of ${cluster.name}`;
    const revision = istioRevision(args.istioVersion);
    if (args.exposure === "NodePort" && args.nodeAddress === undefined) {
      throw new Error(`EastWestGateway ${name}: NodePort exposure needs nodeAddress (a node's container IP) for ${cluster.name}`);
    }
    const nodeAddress = args.exposure === "NodePort" ? pulumi.output(args.nodeAddress).apply((a) => requireBareIPv4(a, what)) : undefined;

    this.release = istioRelease(
      `${name}-eastwest-gateway`,
      "gateway",
      {
        namespace: ISTIO_NAMESPACE,
        version: args.istioVersion,
        // The revision's pod label picks the injector: a new revision rolls the gateway onto the new istiod.
        values: { ...gatewayValues({ network: args.network, exposure: args.exposure, externalIP: nodeAddress, locality: args.locality }), ...gatewayRevisionValues(revision) },
        // Helm's wait would end a missing cloud address with a bare "timed out waiting for the condition".
        skipAwait: args.cloudLoadBalancer === true,
      },
      // MetalLB's pool (in cluster.ready) must exist before a LoadBalancer can get its address.
      inCluster(cluster, { ...child, dependsOn: [...args.after, ...cluster.ready] }),
    );

    if (nodeAddress) {
      this.address = nodeAddress;
    } else if (args.cloudLoadBalancer) {
      // An annotation-only server-side-apply patch: the provider's Service await then waits, like for a Service it
      // created, until the LoadBalancer has an address and endpoints (the gateway pods are ready), and on timeout
      // fails naming istio-system/istio-eastwestgateway ("was not allocated an IP address"), not a Helm timeout.
      this.addressWait = new k8s.core.v1.ServicePatch(
        `${name}-eastwest-address`,
        {
          metadata: {
            name: EASTWEST_GATEWAY,
            namespace: ISTIO_NAMESPACE,
            annotations: { "kindmesh.io/address-from": "cloud-load-balancer", "pulumi.com/timeoutSeconds": String(CLOUD_LB_TIMEOUT_SECONDS) },
          },
        },
        inCluster(cluster, { ...child, dependsOn: [this.release] }),
      );
      this.address = this.addressWait.status.apply((s) => loadBalancerAddress(s, `${what} (Service ${ISTIO_NAMESPACE}/${EASTWEST_GATEWAY})`, CLOUD_LB_HINT));
    } else {
      // Read after the release: Helm's wait returns only once the Service has an ingress address. The ID comes
      // from the release's status, so a first preview (release unknown) skips the read instead of failing on a
      // Service that does not exist yet (pulumi/pulumi pkg/resource/deploy/step.go ReadStep: "the only time we
      // can't run is if the ID we are given is unknown"). Reads run on every deployment: a changed address shows.
      const id = this.release.status.apply((s) => `${s.namespace}/${EASTWEST_GATEWAY}`);
      this.service = k8s.core.v1.Service.get(`${name}-eastwest-service`, id, { ...child, provider: cluster.provider, dependsOn: [this.release] });
      this.address = this.service.status.apply((s) => loadBalancerAddress(s, what));
    }

    const istioResource = (suffix: string, kind: string, resourceName: string, spec: object) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${suffix}`,
        { apiVersion: "networking.istio.io/v1", kind, metadata: { name: resourceName, namespace: ISTIO_NAMESPACE }, spec },
        // The Gateways select this release's pods; CRDs come with base, validation from istiod (in `after`).
        inCluster(cluster, { ...child, dependsOn: [this.release] }),
      );
    if (args.crossNetworkGateway) {
      this.crossNetworkGateway = istioResource("cross-network-gateway", "Gateway", "cross-network-gateway", crossNetworkGatewaySpec());
    }
    if (args.exposeIstiod) {
      this.istiodGateway = istioResource("istiod-gateway", "Gateway", "istiod-gateway", istiodGatewaySpec());
      // One per revision (samples/multicluster/expose-istiod-rev.yaml.tmpl): while two revisions run, each
      // remote reaches its own istiod by SNI; the old one goes with the old revision.
      this.istiodVirtualService = istioResource(`istiod-vs-${revision}`, "VirtualService", `istiod-vs-${revision}`, istiodVirtualServiceSpec(revision));
    }

    this.ready = [this.release, this.addressWait, this.crossNetworkGateway, this.istiodGateway, this.istiodVirtualService].filter(
      (r): r is NonNullable<typeof r> => r !== undefined,
    );
    this.registerOutputs({ address: this.address });
  }
}
