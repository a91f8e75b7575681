/**
 * What Istio is given, per cluster, as plain data: `base`, `istiod` and `gateway` chart values, the
 * `istio-system` namespace metadata, the `cacerts` Secret keys and the multicluster resources of
 * `samples/multicluster`. The components only wrap these in resources.
 *
 * Checked against istio/istio release-1.31 (docs/upstream-facts.md §2-§4). The istiod chart has no schema and
 * silently ignores unknown keys, so every key here is pinned by test/model/build/istioValues.test.ts.
 */
import { ISTIO_HUB } from "../config/versions";
import type { ClusterRole, GatewayExposure } from "../types";
import { istiodServiceName } from "./revision";

export const ISTIO_NAMESPACE = "istio-system";
export const ISTIO_CHART_REPO = "https://istio-release.storage.googleapis.com/charts";
/** Also the gateway's Service and Deployment name: the chart names them after `name` (`_helpers.tpl`). */
export const EASTWEST_GATEWAY = "istio-eastwestgateway";
export const NETWORK_LABEL = "topology.istio.io/network";
export const CONTROL_PLANE_CLUSTERS_ANNOTATION = "topology.istio.io/controlPlaneClusters";

/** Helm release and chart names, as istio.io's Helm install pages use them. */
export const CHARTS = {
  base: { release: "istio-base", chart: "base" },
  istiod: { release: "istiod", chart: "istiod" },
  gateway: { release: EASTWEST_GATEWAY, chart: "gateway" },
} as const;

export interface Requests {
  requests: { cpu: string; memory: string };
}

// Requests from Istio's demo profile (manifests/helm-profiles/demo.yaml: proxies and gateways 10m/40Mi, istiod
// 10m/100Mi), so three clusters fit on a laptop. The chart defaults reserve 500m/2Gi for istiod and 100m/128Mi
// per proxy. Only requests are set: Helm merges maps, so the charts' default limits stay.
export const PROXY_REQUESTS: Requests = { requests: { cpu: "10m", memory: "40Mi" } };
export const ISTIOD_REQUESTS: Requests = { requests: { cpu: "10m", memory: "100Mi" } };

export interface NamespaceMetadata {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** `istio-system`: the network label istiod reads, and on a remote the cluster whose istiod manages it. */
export function istioNamespaceMetadata(c: { role: ClusterRole; network: string; controlPlane: string }): NamespaceMetadata {
  const labels = { [NETWORK_LABEL]: c.network };
  // istio.io primary-remote: "instructs the istiod running in the same namespace on cluster1 to manage cluster2".
  return c.role === "remote" ? { labels, annotations: { [CONTROL_PLANE_CLUSTERS_ANNOTATION]: c.controlPlane } } : { labels };
}

export interface BaseValues {
  profile?: "remote";
}

/** `base`: nothing on a primary (`global.externalIstiod` has no effect on this chart); the remote profile on a remote. */
export function baseValues(role: ClusterRole): BaseValues {
  return role === "remote" ? { profile: "remote" } : {};
}

export interface IstiodGlobal<A> {
  /** Where istiod and the injected proxies come from; the image cache mirrors this registry. */
  hub: string;
  meshID: string;
  multiCluster: { clusterName: string };
  network: string;
  externalIstiod?: true;
  remotePilotAddress?: A;
  configCluster?: true;
  proxy?: { resources: Requests };
}

export interface IstiodValues<A> {
  profile?: "remote";
  global: IstiodGlobal<A>;
  istiodRemote?: { injectionPath: string };
  resources?: Requests;
  autoscaleEnabled?: false;
  /** MeshConfig fields (`kindmesh:traffic.meshConfig`), merged over the chart's mesh (templates/configmap.yaml). */
  meshConfig?: Record<string, unknown>;
}

export interface IstiodValuesInput<A> {
  meshId: string;
  cluster: string;
  network: string;
  role: ClusterRole;
  /** Primary: whether remote clusters name it as their control plane. */
  controlsRemotes: boolean;
  /** Remote: the primary's east-west gateway address (a bare IPv4; any type, so an Output can stand in). */
  remotePilotAddress?: A;
  /** Primary: MeshConfig fields for its istiod; empty or absent sets nothing. */
  meshConfig?: Record<string, unknown>;
}

/** The path the remote's injection webhook calls on the primary's istiod; carries the remote's identity. */
export function injectionPath(cluster: string, network: string): string {
  return `/inject/cluster/${cluster}/net/${network}`;
}

/**
 * `istiod` chart values, with the chart's own top-level keys (values.yaml, release-1.31). A `pilot:` wrapper
 * would work too (templates/zzy_descope_legacy.yaml merges `.Values.pilot` over the top level); kindmesh does
 * not use it, so each value has one place.
 */
export function istiodValues<A>(input: IstiodValuesInput<A>): IstiodValues<A> {
  // The released charts default to the same hub; written out so the images and the cache plan share one table.
  const identity = { hub: ISTIO_HUB, meshID: input.meshId, multiCluster: { clusterName: input.cluster }, network: input.network };
  if (input.role === "remote") {
    if (input.remotePilotAddress === undefined) {
      throw new Error(`cluster ${input.cluster}: a remote needs its primary's east-west gateway address (global.remotePilotAddress)`);
    }
    return {
      // profile-remote.yaml: "The base and istio-discovery charts must be deployed with this profile."
      profile: "remote",
      global: {
        ...identity,
        remotePilotAddress: input.remotePilotAddress,
        // As istio.io's primary-remote Helm tab sets it (istio/istio.io content/en/docs/setup/install/multicluster/
        // primary-remote/index.md). With istiodRemote.enabled it keeps istiod's ServiceAccount, RBAC and the
        // validation webhook in the remote (clusterrole.yaml:4, validatingwebhookconfiguration.yaml:3).
        configCluster: true,
      },
      istiodRemote: { injectionPath: injectionPath(input.cluster, input.network) },
    };
  }
  return {
    global: {
      ...identity,
      // Sets EXTERNAL_ISTIOD itself (deployment.yaml:211-213), so the docs' pilot.env.EXTERNAL_ISTIOD (honoured
      // through zzy_descope_legacy.yaml) is not needed.
      ...(input.controlsRemotes ? { externalIstiod: true as const } : {}),
      proxy: { resources: PROXY_REQUESTS },
    },
    resources: ISTIOD_REQUESTS,
    // kind has no metrics-server: the HPA could never scale and would only log FailedGetResourceMetric.
    autoscaleEnabled: false,
    // Top-level `meshConfig` (values.yaml, release-1.31): only an istiod reads it, so remotes never get it.
    ...(input.meshConfig && Object.keys(input.meshConfig).length > 0 ? { meshConfig: input.meshConfig } : {}),
  };
}

export interface GatewayValues<A> {
  name: typeof EASTWEST_GATEWAY;
  networkGateway: string;
  service: { type: GatewayExposure; externalIPs?: A[] };
  resources: Requests;
  autoscaling: { enabled: false };
  /** The topology labels of the gateway's locality (values.schema.json: `nodeSelector` is an object). */
  nodeSelector?: Record<string, string>;
  /** With a nodeSelector: tolerate the control-plane taint (kind keeps it on multi-node clusters). */
  tolerations?: { key: string; operator: "Exists"; effect: "NoSchedule" }[];
}

/** Node labels that pin a pod to a locality (the labels kindmesh gives kind nodes from birth). */
export function localityNodeSelector(locality: string): Record<string, string> {
  const [region = "", zone = "", subzone = ""] = locality.split("/");
  return {
    "topology.kubernetes.io/region": region,
    "topology.kubernetes.io/zone": zone,
    ...(subzone !== "" ? { "topology.istio.io/subzone": subzone } : {}),
  };
}

/**
 * `gateway` chart values for the east-west gateway. `name` gives the labels `istio: eastwestgateway` (the
 * selector of the Gateways below); `networkGateway` adds the network label and env and replaces the Service
 * ports with 15021/15443/15012/15017; `nodeSelector` pins the pod to the cluster's eastWestGatewayLocality. Only
 * top-level keys the chart's strict schema allows.
 */
export function gatewayValues<A>(input: { network: string; exposure: GatewayExposure; externalIP?: A; locality?: string }): GatewayValues<A> {
  if (input.exposure === "NodePort" && input.externalIP === undefined) {
    throw new Error(`network ${input.network}: a NodePort east-west gateway needs a node address for service.externalIPs`);
  }
  // NodePort: kind nodes have no ExternalIP, so traffic.istio.io/nodeSelector finds nothing. istiod takes a
  // Service's spec.externalIPs as its gateway address instead (pilot/pkg/serviceregistry/kube/conversion.go:156).
  const service =
    input.exposure === "NodePort" && input.externalIP !== undefined
      ? { type: input.exposure, externalIPs: [input.externalIP] }
      : { type: input.exposure };
  // The gateway re-splits cross-network requests as a client in its own locality (cluster.go
  // buildOutboundSniDnatClusters), so its pod is pinned where the traffic plan assumes it runs.
  // The default locality is the control-plane node's, which kind keeps tainted when the cluster has workers.
  const nodeSelector = input.locality
    ? {
        nodeSelector: localityNodeSelector(input.locality),
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" as const, effect: "NoSchedule" as const }],
      }
    : {};
  return { name: EASTWEST_GATEWAY, networkGateway: input.network, service, resources: PROXY_REQUESTS, autoscaling: { enabled: false }, ...nodeSelector };
}

/** samples/multicluster/expose-services.yaml: mTLS passthrough for `*.local` on 15443. */
export function crossNetworkGatewaySpec() {
  return {
    selector: { istio: "eastwestgateway" },
    servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
  };
}

/** samples/multicluster/expose-istiod.yaml, Gateway `istiod-gateway` (upstream writes the protocol as `tls`). */
export function istiodGatewaySpec() {
  return {
    selector: { istio: "eastwestgateway" },
    servers: [
      { port: { name: "tls-istiod", number: 15012, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
      { port: { name: "tls-istiodwebhook", number: 15017, protocol: "tls" }, tls: { mode: "PASSTHROUGH" }, hosts: ["*"] },
    ],
  };
}

/**
 * samples/multicluster/expose-istiod-rev.yaml.tmpl, VirtualService `istiod-vs-<revision>`: discovery on 15012 and
 * webhooks on 443 of `istiod-<revision>`, chosen by the SNI the remote's proxies and API server send.
 */
export function istiodVirtualServiceSpec(revision: string) {
  const service = istiodServiceName(revision);
  const sniHosts = [`${service}.${ISTIO_NAMESPACE}.svc`, `${service}.${ISTIO_NAMESPACE}.svc.cluster.local`];
  const to = (port: number) => [{ destination: { host: `${service}.${ISTIO_NAMESPACE}.svc.cluster.local`, port: { number: port } } }];
  return {
    hosts: ["*"],
    gateways: ["istiod-gateway"],
    tls: [
      { match: [{ port: 15012, sniHosts }], route: to(15012) },
      { match: [{ port: 15017, sniHosts: [...sniHosts] }], route: to(443) },
    ],
  };
}

export const STRICT_MTLS = { mtls: { mode: "STRICT" } } as const;

/** The four keys istiod reads from `cacerts` (an incomplete set makes istiod fail: istio-on-kind.md §5). */
export function cacertsData(pem: { caCert: string; caKey: string; rootCert: string }): Record<string, string> {
  const block = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);
  return {
    "ca-cert.pem": block(pem.caCert),
    "ca-key.pem": block(pem.caKey),
    "root-cert.pem": block(pem.rootCert),
    // tools/certs/common.mk: `cat ca-cert.pem root-cert.pem > cert-chain.pem`.
    "cert-chain.pem": block(pem.caCert) + block(pem.rootCert),
  };
}

/** A Secret's `data`: every value base64-encoded. */
export function secretData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A gateway address as Istio needs it: a bare IPv4 (remotePilotAddress with a port matches nothing: istio#40691). */
export function requireBareIPv4(address: string | undefined, what: string): string {
  if (address === undefined || !IPV4.test(address)) {
    throw new Error(`${what}: expected a bare IPv4 address, got ${JSON.stringify(address ?? null)}`);
  }
  return address;
}

/** The minimal shape of a Service's status that holds a LoadBalancer address. */
export interface LoadBalancerStatus {
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

/** The east-west gateway's LoadBalancer IP, or an error that says what to look at. */
export const METALLB_HINT = "Is MetalLB's address pool in place? Without it istiod hands out unreachable addresses for this network.";
/** An existing cluster's gateway: its cloud gives the address (kindmesh installs no MetalLB there). */
export const CLOUD_LB_HINT =
  "Does this cluster's cloud give LoadBalancer Services an address (kubectl -n istio-system get service istio-eastwestgateway)? An address given only as a hostname (e.g. an AWS ELB) is not supported: istiod needs an IP for this network.";

export function loadBalancerAddress(status: LoadBalancerStatus | undefined, what: string, hint: string = METALLB_HINT): string {
  const ip = status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
  if (!ip) {
    throw new Error(`${what}: the Service has no status.loadBalancer.ingress[].ip (EXTERNAL-IP <pending>). ${hint}`);
  }
  return requireBareIPv4(ip, what);
}
