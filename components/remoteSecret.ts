/**
 * What `istioctl create-remote-secret --name=<source>` builds, without istioctl, applied to every cluster whose
 * istiod must see the source (istioctl/pkg/multicluster/remote_secret.go, release-1.31):
 * - in the SOURCE, a token Secret for `istio-reader-service-account`, read back once the token controller has
 *   filled `token` and `ca.crt`;
 * - in each DESTINATION, `istio-remote-secret-<source>` holding one kubeconfig under the key `<source>`: the
 *   source's in-network API server and the reader token. Least privilege: never an admin credential.
 * One token per source, shared by all its destinations (istioctl, too, reuses the SA's existing token Secret).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ISTIO_NAMESPACE, secretData } from "../model/build/istioValues";
import {
  READER_SERVICE_ACCOUNT,
  READER_TOKEN_SECRET,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  readerCredentials,
  remoteSecretKubeconfig,
  remoteSecretMetadata,
} from "../model/build/remoteSecretKubeconfig";
import { inCluster, type ClusterHandle } from "./types";

export const REMOTE_SECRET_TOKEN = "kindmesh:mesh:RemoteSecret";

/**
 * The token controller fills the Secret asynchronously; a create that returned at once could be read empty.
 * `pulumi.com/waitFor` makes the provider watch the Secret until both keys exist and return that live object
 * as the resource's outputs (provider/pkg/metadata/overrides.go ReadyCondition; await.go returns `live`). The
 * alternatives race or leak: `Secret.get` is one read at one moment, and a polling kubectl Command would need
 * the admin kubeconfig and would carry the token through stdout. The provider parses the paths as RFC 9535
 * JSONPath (its CHANGELOG: "RFC9535-compliant JSONPath parser"): a dotted key is a quoted name selector.
 */
export const TOKEN_WAIT_FOR = JSON.stringify(["jsonpath={.data.token}", "jsonpath={.data['ca.crt']}"]);
// The controller answers in milliseconds once the ServiceAccount exists; if it does not, fail soon and say so.
export const TOKEN_TIMEOUT_SECONDS = "120";

/** A cluster that gets a secret for the source, and what there must exist before it. */
export interface RemoteSecretDestination {
  cluster: ClusterHandle;
  /**
   * Resources in the destination to wait for: its istiod and east-west gateway. istiod does not become ready
   * while a cluster it holds a secret for is unreachable (istio#30838), so the secret comes last.
   */
  after: pulumi.Resource[];
}

export interface RemoteSecretArgs {
  /** The cluster the secrets give access to: its reader token and its API server as other clusters reach it. */
  source: ClusterHandle;
  /**
   * What must exist in the source first: `base` (makes the ServiceAccount; a token Secret for a missing one is
   * deleted by the token controller) and `istiod` (makes the reader ClusterRole and its binding).
   */
  sourceReady: pulumi.Resource[];
  /** The clusters whose istiod watches the source. */
  destinations: RemoteSecretDestination[];
}

export class RemoteSecret extends pulumi.ComponentResource {
  /** The reader token Secret in the source, with `data` filled by the token controller. */
  readonly readerToken: k8s.core.v1.Secret;
  /** The kubeconfig istiod uses to watch the source (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** `istio-remote-secret-<source>` per destination cluster name. */
  readonly secrets: Record<string, k8s.core.v1.Secret>;

  constructor(name: string, args: RemoteSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(REMOTE_SECRET_TOKEN, name, {}, opts);
    const child = { parent: this };
    const { source } = args;
    const self = args.destinations.find((d) => d.cluster.name === source.name);
    // secretcontroller.go:435: istiod ignores a secret for its own cluster; one here is a planning error.
    if (self) throw new Error(`RemoteSecret ${name}: ${source.name} cannot hold a remote secret for itself`);

    this.readerToken = new k8s.core.v1.Secret(
      `${name}-reader-token`,
      {
        metadata: {
          name: READER_TOKEN_SECRET,
          namespace: ISTIO_NAMESPACE,
          annotations: {
            [SERVICE_ACCOUNT_NAME_ANNOTATION]: READER_SERVICE_ACCOUNT,
            "pulumi.com/waitFor": TOKEN_WAIT_FOR,
            "pulumi.com/timeoutSeconds": TOKEN_TIMEOUT_SECONDS,
          },
        },
        type: SERVICE_ACCOUNT_TOKEN_TYPE,
      },
      inCluster(source, { ...child, dependsOn: args.sourceReady }),
    );

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.readerToken.data, source.apiServer])
        .apply(([data, server]) =>
          remoteSecretKubeconfig({ cluster: source.name, server, credentials: readerCredentials(data, `cluster ${source.name}`) }),
        ),
    );

    this.secrets = {};
    for (const d of args.destinations) {
      this.secrets[d.cluster.name] = new k8s.core.v1.Secret(
        `${name}-in-${d.cluster.name}`,
        {
          metadata: remoteSecretMetadata(source.name, ISTIO_NAMESPACE),
          type: "Opaque",
          // ONE key, named exactly as the source's clusterName (remote_secret.go:138-141).
          data: pulumi.secret(this.kubeconfig.apply((kubeconfig) => secretData({ [source.name]: kubeconfig }))),
        },
        inCluster(d.cluster, { ...child, dependsOn: d.after }),
      );
    }

    this.registerOutputs({});
  }
}
