import * as fs from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expandHome, isLoopbackServer, selectContext, type SelectedContext } from "../model/build/kubeconfigFile";
import type { ClusterSpec } from "../model/types";
import type { ClusterHandle } from "./types";

export interface ExistingClusterArgs {
  /** The cluster as configured: `kubeconfig` (a path, `~` allowed) and/or `context`. */
  spec: ClusterSpec;
  /** The stack name; with the cluster name it identifies the cluster to its Kubernetes provider. */
  stack: string;
  /** The directory `~` stands for in the kubeconfig path (the composition root passes the user's home). */
  homeDir: string;
}

/** The kubeconfig used when the stack file names only a context. */
export const DEFAULT_KUBECONFIG = "~/.kube/config";

/**
 * A cluster kindmesh does not create (a cloud cluster, a cluster made by other tooling), reached through a
 * kubeconfig file and context. No kind, no pod routes, no MetalLB; its nodes keep the localities they have
 * (cloud nodes carry region/zone labels). Its objects are deleted one by one (there is no cluster lifetime to
 * delete them with).
 */
export class ExistingCluster extends pulumi.ComponentResource {
  readonly spec: ClusterSpec;
  /** The kubeconfig reduced to the chosen context; a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The context's API server, as written in the kubeconfig. */
  readonly apiServer: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:ExistingCluster", name, {}, opts);
    const child = { parent: this };
    const { spec } = args;
    this.spec = spec;
    const file = expandHome(spec.kubeconfig ?? DEFAULT_KUBECONFIG, args.homeDir);
    const selected = readKubeconfig(file, spec);
    this.kubeconfig = pulumi.secret(selected.kubeconfig);
    this.apiServer = pulumi.output(selected.server);

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        // The path, not the content: relative certificate paths and exec credential plugins keep working, and
        // the provider reads fresh credentials every run. The context is pinned, so a `kubectl config
        // use-context` elsewhere does not quietly point the stack at another cluster.
        kubeconfig: file,
        context: selected.context,
        clusterIdentifier: `kindmesh-${args.stack}-${spec.name}`,
        // Not ours: an unreachable cluster is more likely a VPN or credentials problem than a deleted cluster,
        // and forgetting its objects would leave them running, unmanaged.
        deleteUnreachable: false,
      },
      child,
    );

    this.registerOutputs({ apiServer: this.apiServer });
  }

  /** The cluster as the other layers use it: no lifetime, nothing to wait for. */
  handle(): ClusterHandle {
    return { name: this.spec.name, spec: this.spec, provider: this.provider, kubeconfig: this.kubeconfig, apiServer: this.apiServer, ready: [] };
  }
}

/**
 * Every existing cluster's kubeconfig problem at once (unreadable file, missing context or server, a loopback
 * server), so the program can stop before registering any resource instead of failing half-way through the graph.
 */
export function kubeconfigProblems(clusters: ClusterSpec[], homeDir: string): string[] {
  return clusters
    .filter((c) => c.kind === "existing")
    .flatMap((c) => {
      try {
        const file = expandHome(c.kubeconfig ?? DEFAULT_KUBECONFIG, homeDir);
        const selected = readKubeconfig(file, c);
        // istiod in the other clusters reads this cluster's API server at that address (remote secret), where
        // 127.0.0.1 is their own machine (istio#31081): it would deploy, and the mesh would never see this cluster.
        if (isLoopbackServer(selected.server)) {
          return [
            `cluster "${c.name}" (topology.clusters[${c.index}]): context "${selected.context}" in ${file} reaches its API server at ${selected.server}, an address of this machine only; istiod in the other clusters cannot use it (istio#31081). Use a kubeconfig whose server the other clusters can reach (the cluster's routable address or DNS name).`,
          ];
        }
        return [];
      } catch (err) {
        return [(err as Error).message];
      }
    });
}

/** The kubeconfig file of an existing cluster and the context used in it (throws like kubeconfigProblems). */
export function existingKubeconfigPath(spec: ClusterSpec, homeDir: string): { file: string; context: string } {
  const file = expandHome(spec.kubeconfig ?? DEFAULT_KUBECONFIG, homeDir);
  return { file, context: readKubeconfig(file, spec).context };
}

function readKubeconfig(file: string, spec: ClusterSpec): SelectedContext {
  const where = `topology.clusters[${spec.index}]`;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new pulumi.RunError(
      `cluster "${spec.name}" (${where}): cannot read the kubeconfig ${file}: ${(err as Error).message}. Set ${where}.kubeconfig to a readable kubeconfig file.`,
    );
  }
  try {
    return selectContext(text, file, spec.context);
  } catch (err) {
    throw new pulumi.RunError(`cluster "${spec.name}" (${where}): ${(err as Error).message}`);
  }
}
