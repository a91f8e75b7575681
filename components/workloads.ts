import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClientPlacement, Placement } from "../model/build/plan";
import { deploymentName, localityName } from "../model/traffic/trafficPlan";
import { backendLabels } from "../model/traffic/routing";
import type { ServiceSpec } from "../model/types";
import { IMAGES } from "../model/config/versions";
import { namespaceRevisionLabels } from "../model/build/revision";
import { inCluster, type ClusterHandle } from "./types";

export interface WorkloadsArgs {
  cluster: ClusterHandle;
  /** Namespaces to create, injected by `revision`. */
  namespaces: string[];
  /** The Istio revision whose injector serves the namespaces (`istio.io/rev`). */
  revision: string;
  /** Every service of the stack: each gets a Service here, with or without local pods (istio#17087). */
  services: ServiceSpec[];
  /** The backends that run in this cluster. */
  backends: Placement[];
  /** The clients that run in this cluster. */
  clients: ClientPlacement[];
  /**
   * What pods here must wait for: injection works (istiod, or the primary's through its gateway), the node
   * localities are set, routes and pools exist. Namespaces wait too: relabelled onto a new revision before its
   * istiod runs, a pod restarted in between would get no sidecar (the injector selects by that label).
   * @default nothing
   */
  after?: pulumi.Resource[];
}

/** Node affinity to exactly one locality: a locality without subzone excludes nodes that have one. */
export function localityAffinity(locality: string): k8s.types.input.core.v1.Affinity {
  const [region, zone, subzone] = locality.split("/");
  const expressions = [
    { key: "topology.kubernetes.io/region", operator: "In", values: [region] },
    { key: "topology.kubernetes.io/zone", operator: "In", values: [zone] },
    subzone
      ? { key: "topology.istio.io/subzone", operator: "In", values: [subzone] }
      : { key: "topology.istio.io/subzone", operator: "DoesNotExist" },
  ];
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expressions }] } } };
}

/**
 * kind keeps the control-plane NoSchedule taint on multi-node clusters (it removes it only when the cluster
 * has one node), and the seed stacks put localities on control-plane nodes: the demo pods tolerate it.
 */
export const CONTROL_PLANE_TOLERATION = { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" };

/** The `version` label of a backend; the routing model matches subsets against the same labels. */
export { versionLabel } from "../model/traffic/routing";

/**
 * The demo workloads of one cluster: namespaces with injection, a Service for every service (so DNS resolves
 * everywhere), a helloworld Deployment per locality placed here whose answer names its locality, and the
 * curl clients with their own Services (a client without a Service gets no locality, istio#12528).
 */
export class Workloads extends pulumi.ComponentResource {
  /** The namespaces, for what must exist in them before the workloads (DestinationRules). */
  readonly namespaces: k8s.core.v1.Namespace[];

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:traffic:Workloads", name, {}, opts);
    const child = inCluster(args.cluster, { parent: this });
    const namespaces = new Map(
      args.namespaces.map((ns) => [
        ns,
        new k8s.core.v1.Namespace(`${name}-ns-${ns}`, { metadata: { name: ns, labels: namespaceRevisionLabels(args.revision) } }, { ...child, dependsOn: args.after ?? [] }),
      ]),
    );
    this.namespaces = [...namespaces.values()];
    const inNamespace = (ns: string) => ({ ...child, dependsOn: [namespaces.get(ns)!] });
    const podsIn = (ns: string) => ({ ...child, dependsOn: [namespaces.get(ns)!, ...(args.after ?? [])] });

    for (const s of args.services) {
      new k8s.core.v1.Service(
        `${name}-svc-${s.namespace}-${s.name}`,
        {
          metadata: { name: s.name, namespace: s.namespace, labels: { app: s.name, service: s.name } },
          spec: { ports: [{ port: s.port, name: "http", targetPort: 5000 }], selector: { app: s.name } },
        },
        inNamespace(s.namespace),
      );
    }
    for (const b of args.backends) this.backend(name, b, podsIn(b.namespace));
    for (const c of args.clients) this.client(name, c, podsIn(c.namespace));
    this.registerOutputs({});
  }

  private backend(name: string, b: Placement, opts: pulumi.CustomResourceOptions): void {
    const labels = backendLabels(b.service, b.locality);
    new k8s.apps.v1.Deployment(
      `${name}-deploy-${b.namespace}-${deploymentName(b.service, b.locality)}`,
      {
        metadata: { name: deploymentName(b.service, b.locality), namespace: b.namespace, labels },
        spec: {
          replicas: b.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              affinity: localityAffinity(b.locality),
              tolerations: [CONTROL_PLANE_TOLERATION],
              containers: [
                {
                  name: "helloworld",
                  image: IMAGES.helloworld,
                  // The image answers "Hello version: $SERVICE_VERSION": the locality itself, so verify can bucket it.
                  env: [{ name: "SERVICE_VERSION", value: b.locality }],
                  ports: [{ containerPort: 5000 }],
                  resources: { requests: { cpu: "10m", memory: "32Mi" } },
                  readinessProbe: { httpGet: { path: "/health", port: 5000 } },
                },
              ],
            },
          },
        },
      },
      opts,
    );
  }

  private client(name: string, c: ClientPlacement, opts: pulumi.CustomResourceOptions): void {
    const labels = { app: c.name };
    const base = `${name}-client-${c.namespace}-${c.name}`;
    const account = new k8s.core.v1.ServiceAccount(`${base}-sa`, { metadata: { name: c.name, namespace: c.namespace } }, opts);
    new k8s.core.v1.Service(
      `${base}-svc`,
      { metadata: { name: c.name, namespace: c.namespace, labels }, spec: { ports: [{ port: 80, name: "http" }], selector: labels } },
      opts,
    );
    new k8s.apps.v1.Deployment(
      `${base}-deploy`,
      {
        metadata: { name: c.name, namespace: c.namespace, labels: { ...labels, locality: localityName(c.locality) } },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: {
              labels,
              // Istio's default stats drop per-cluster counters; verify reads the client's retries and connect
              // failures for the outbound cluster (as Istio's fortio sample enables them).
              annotations: { "proxy.istio.io/config": "proxyStatsMatcher:\n  inclusionPrefixes:\n  - cluster.outbound\n" },
            },
            spec: {
              serviceAccountName: account.metadata.name,
              terminationGracePeriodSeconds: 0,
              affinity: localityAffinity(c.locality),
              tolerations: [CONTROL_PLANE_TOLERATION],
              containers: [{ name: "curl", image: IMAGES.curl, command: ["/bin/sleep", "infinity"], resources: { requests: { cpu: "10m", memory: "16Mi" } } }],
            },
          },
        },
      },
      opts,
    );
  }
}
