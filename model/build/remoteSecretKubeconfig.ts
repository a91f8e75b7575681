/**
 * What `istioctl create-remote-secret` writes, as plain data (istio/istio release-1.31
 * `istioctl/pkg/multicluster/remote_secret.go`): the names and metadata of the reader token Secret in the
 * source cluster and of the remote secret in each destination, and the kubeconfig inside it.
 */
import { stringify } from "yaml";

/** The ServiceAccount the `base` chart makes for remote-secret workflows (reader-serviceaccount.yaml). */
export const READER_SERVICE_ACCOUNT = "istio-reader-service-account";
/** remote_secret.go:335-337: `<sa>-istio-remote-secret-token`. */
export const READER_TOKEN_SECRET = `${READER_SERVICE_ACCOUNT}-istio-remote-secret-token`;
export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";
export const SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name";
/** pkg/kube/multicluster/secretcontroller.go:44: the label istiod's secret controller watches. */
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";
/** istioctl/pkg/multicluster/options.go:24. */
export const CLUSTER_NAME_ANNOTATION = "networking.istio.io/cluster";

/** `istio-remote-secret-<cluster>` (remoteSecretPrefix, remote_secret.go:77-83). */
export function remoteSecretName(cluster: string): string {
  return `istio-remote-secret-${cluster}`;
}

export function remoteSecretMetadata(cluster: string, namespace: string) {
  return {
    name: remoteSecretName(cluster),
    namespace,
    labels: { [MULTICLUSTER_SECRET_LABEL]: "true" },
    annotations: { [CLUSTER_NAME_ANNOTATION]: cluster },
  };
}

/** What the token controller writes into the reader token Secret, as the kubeconfig needs it. */
export interface ReaderCredentials {
  /** The bearer token (decoded from the Secret). */
  token: string;
  /** The cluster CA, base64 of PEM: the Secret's `ca.crt` exactly as stored, which is what a kubeconfig's
   *  `certificate-authority-data` holds. */
  caData: string;
}

/**
 * The reader credentials from the token Secret's `data`. The token controller fills `token` and `ca.crt`
 * asynchronously; an empty read means it has not yet (or the ServiceAccount is missing, in which case it never will).
 */
export function readerCredentials(data: Record<string, string> | undefined, where: string): ReaderCredentials {
  const missing = ["token", "ca.crt"].filter((k) => !data?.[k]);
  if (!data || missing.length > 0) {
    throw new Error(
      `${where}: the token Secret ${READER_TOKEN_SECRET} has no ${missing.join(" or ")} yet. The token controller fills ` +
        `them once ServiceAccount ${READER_SERVICE_ACCOUNT} exists (made by Istio's base chart).`,
    );
  }
  return { token: Buffer.from(data.token, "base64").toString("utf8"), caData: data["ca.crt"] };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The host of an `https://host:port` API server URL (brackets stripped from IPv6). */
export function apiServerHost(server: string): string {
  return new URL(server).hostname.replace(/^\[(.*)\]$/, "$1");
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * The kubeconfig istiod uses to watch `cluster`: cluster, context and user all named after it (remote_secret.go:
 * 157-184), the reader token, and a server the destination can reach. A kind kubeconfig's 127.0.0.1 points at
 * the destination istiod's own pod: discovery of the cluster silently fails (istio#31081).
 */
export function remoteSecretKubeconfig(args: { cluster: string; server: string; credentials: ReaderCredentials }): string {
  const { cluster, server, credentials } = args;
  // remote_secret.go:632-633: istioctl refuses names that are not DNS-1123 labels.
  if (cluster.length > 63 || !DNS1123_LABEL.test(cluster)) {
    throw new Error(`cluster name ${JSON.stringify(cluster)} is not a DNS-1123 label; istiod uses it as the secret key`);
  }
  if (!/^https:\/\//.test(server)) {
    throw new Error(`${cluster}: API server ${JSON.stringify(server)} must be an https:// URL`);
  }
  if (isLoopback(apiServerHost(server))) {
    throw new Error(`${cluster}: API server ${server} is a loopback address; other clusters cannot reach it (istio#31081)`);
  }
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    // The API server's certificate names the container IP it had at creation; after a Docker restart the IP
    // may change (kind#2246). The certificate also names kubernetes.default.svc, which stays valid.
    clusters: [{ name: cluster, cluster: { "certificate-authority-data": credentials.caData, server, "tls-server-name": "kubernetes.default.svc" } }],
    contexts: [{ name: cluster, context: { cluster, user: cluster } }],
    "current-context": cluster,
    preferences: {},
    users: [{ name: cluster, user: { token: credentials.token } }],
  });
}
