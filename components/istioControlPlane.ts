/**
 * Istio's control plane in one cluster, from its Helm charts, in the order istio-on-kind.md §5 gives:
 * `istio-system` (network label; on a remote the controlPlaneClusters annotation) -> `cacerts` (primaries)
 * -> `base` -> `istiod`, each waiting for the one before; then mesh-wide STRICT mTLS on a primary.
 *
 * A remote runs no istiod and gets no `cacerts`: only istiod reads it (pilot/pkg/bootstrap/istio_ca.go). The
 * remote's sidecars and gateways get certificates from the primary's istiod (the remote's `istiod` Service
 * points at remotePilotAddress:15012), signed by the primary's intermediate, and the primary's istiod writes the
 * root into the remote's namespaces (istio.io primary-remote: "Start the namespace controller which writes
 * configmaps in namespaces in cluster2").
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CHARTS,
  ISTIO_CHART_REPO,
  ISTIO_NAMESPACE,
  STRICT_MTLS,
  baseValues,
  istioNamespaceMetadata,
  istiodValues,
  secretData,
} from "../model/build/istioValues";
import type { ClusterPlan } from "../model/build/plan";
import { baseRevisionValues, istioRevision, istiodReleaseName, istiodRevisionValues } from "../model/build/revision";
import { inCluster, type ClusterHandle } from "./types";

export const ISTIO_CONTROL_PLANE_TOKEN = "kindmesh:mesh:IstioControlPlane";

/** Seconds Helm waits for a release's objects to be ready (image pulls on a fresh kind node are slow). */
export const HELM_TIMEOUT_SECONDS = 600;

/**
 * One of Istio's charts as a Helm release in `istio-system`.
 *
 * Why `helm.v3.Release` and not `helm.v4.Chart`:
 * - Waiting: the release waits like `helm --wait` (provider/pkg/provider/helm_release.go sets `client.Wait =
 *   !skipAwait`): istiod's Deployment must be ready before anything is injected (its webhook is failurePolicy
 *   Fail), and a LoadBalancer Service counts as ready only once it has an ingress address (helm pkg/kube/ready.go
 *   serviceReady), which is what the east-west gateway's address read needs.
 * - Preview: a remote's istiod values hold the primary's gateway address, unknown until it exists; a Release
 *   previews as one resource with the known values, while a v4 Chart (a provider-side component) cannot render
 *   with unknown values and shows nothing.
 * - Hooks: Istio's base/istiod/gateway charts have none (no helm.sh/hook under manifests/charts, release-1.31).
 * - Teardown: a Release ignores the provider's deleteUnreachable (pulumi-kubernetes#2675); on kind that is moot,
 *   because every object is `deletedWith` the cluster. An existing cluster that is gone needs `pulumi state delete`.
 * - People can inspect and upgrade it with `helm`, as istio.io's Helm pages do.
 */
export function istioRelease(
  name: string,
  chart: keyof typeof CHARTS,
  args: { namespace: pulumi.Input<string>; version: string; values: pulumi.Input<object>; skipAwait?: boolean; release?: string },
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    name,
    {
      name: args.release ?? CHARTS[chart].release,
      chart: CHARTS[chart].chart,
      version: args.version,
      repositoryOpts: { repo: ISTIO_CHART_REPO },
      namespace: args.namespace,
      createNamespace: false,
      values: args.values,
      skipAwait: args.skipAwait ?? false,
      timeout: HELM_TIMEOUT_SECONDS,
    },
    opts,
  );
}

export interface IstioControlPlaneArgs {
  /** The cluster to install into; every object in it is deleted with the cluster. */
  cluster: ClusterHandle;
  /** This cluster's plan: its role, its Istio network, and (on a remote) the primary that controls it. */
  plan: Pick<ClusterPlan, "role" | "network" | "controlPlane">;
  /** `global.meshID`, the same in every cluster. */
  meshId: string;
  /** Version of the `base` and `istiod` charts (= the Istio version); istiod is installed as its revision. */
  istioVersion: string;
  /** Primary only, required there: the `cacerts` entries from the mesh CA (secret). */
  cacerts?: pulumi.Input<Record<string, string>>;
  /** Primary: whether remote clusters name this one as their control plane (`global.externalIstiod`). @default false */
  controlsRemotes?: boolean;
  /** Remote only, required there: the primary's east-west gateway address, a bare IPv4 (`global.remotePilotAddress`). */
  remotePilotAddress?: pulumi.Input<string>;
  /** Primary only: MeshConfig fields for istiod (the chart's `meshConfig` value). @default none */
  meshConfig?: Record<string, unknown>;
}

export class IstioControlPlane extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  /** Primaries only. */
  readonly cacerts?: k8s.core.v1.Secret;
  readonly base: k8s.helm.v3.Release;
  /** The revision of `istioVersion` (`1-31-1`): istiod's release, Service and injector carry it. */
  readonly revision: string;
  /** Release `istiod-<revision>`; its Pulumi name carries the revision too, so a new version is a new release. */
  readonly istiod: k8s.helm.v3.Release;
  /** Primaries only: `default` in istio-system, mTLS STRICT. */
  readonly peerAuthentication?: k8s.apiextensions.CustomResource;
  /** What must exist before anything is injected in this cluster (for a remote, see also its primary). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: IstioControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ISTIO_CONTROL_PLANE_TOKEN, name, {}, opts);
    const child = { parent: this };
    const { cluster, plan } = args;
    const primary = plan.role === "primary";
    this.revision = istioRevision(args.istioVersion);
    if (primary && args.cacerts === undefined) throw new Error(`IstioControlPlane ${name}: a primary needs cacerts from the mesh CA`);
    if (!primary && args.cacerts !== undefined) throw new Error(`IstioControlPlane ${name}: a remote runs no istiod and takes no cacerts`);

    this.namespace = new k8s.core.v1.Namespace(
      `${name}-istio-system`,
      { metadata: { name: ISTIO_NAMESPACE, ...istioNamespaceMetadata(plan) } },
      inCluster(cluster, { ...child, dependsOn: cluster.ready }),
    );
    const namespace = this.namespace.metadata.name;

    // istiod reads cacerts only at start-up: created later, istiod keeps a self-signed root of its own and
    // cross-cluster mTLS fails (istio#57853). So istiod depends on it directly.
    if (args.cacerts !== undefined) {
      this.cacerts = new k8s.core.v1.Secret(
        `${name}-cacerts`,
        {
          metadata: { name: "cacerts", namespace },
          type: "Opaque",
          data: pulumi.secret(pulumi.output(args.cacerts).apply(secretData)),
        },
        inCluster(cluster, child),
      );
    }
    const afterCacerts = this.cacerts ? [this.cacerts] : [];

    this.base = istioRelease(
      `${name}-istio-base`,
      "base",
      // defaultRevision: the default validator follows the current revision (the canary steps' last `helm upgrade
      // istio-base --set defaultRevision`; here in the same upgrade as the CRDs, before the new istiod: kindmesh
      // registers no Istio config in between, and istiod-<rev> patches the validator once it runs).
      { namespace, version: args.istioVersion, values: { ...baseValues(plan.role), ...baseRevisionValues(this.revision) } },
      inCluster(cluster, { ...child, dependsOn: afterCacerts }),
    );

    const values = istiodValues({
      meshId: args.meshId,
      cluster: cluster.name,
      network: plan.network,
      role: plan.role,
      controlsRemotes: args.controlsRemotes ?? false,
      remotePilotAddress: args.remotePilotAddress,
      meshConfig: args.meshConfig,
    });
    // Keyed by revision: an upgrade installs istiod-<new> beside istiod-<old>; the old one, no longer registered,
    // is deleted by Pulumi after everything registered succeeded, the rollout included (model/build/revision.ts).
    this.istiod = istioRelease(
      `${name}-istiod-${this.revision}`,
      "istiod",
      { namespace, version: args.istioVersion, values: { ...values, ...istiodRevisionValues(this.revision) }, release: istiodReleaseName(this.revision) },
      inCluster(cluster, { ...child, dependsOn: [this.base, ...afterCacerts] }),
    );

    // The CRD comes with base; its validating webhook is served by istiod: hence after istiod.
    if (primary) {
      this.peerAuthentication = new k8s.apiextensions.CustomResource(
        `${name}-mtls-strict`,
        { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace }, spec: STRICT_MTLS },
        inCluster(cluster, { ...child, dependsOn: [this.istiod] }),
      );
    }

    this.ready = [this.istiod, ...(this.peerAuthentication ? [this.peerAuthentication] : [])];
    this.registerOutputs({ istiodStatus: this.istiod.status });
  }
}
