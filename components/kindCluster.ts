import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { mirrorScript, type ImageCachePlan } from "../model/build/imageCache";
import { API_SERVER_INTERNAL_PORT, controlPlaneNode, kindConfigYaml, kindNameOf, kindTriggers } from "../model/build/kindConfig";
import { livenessTrigger, type KindPresence } from "../model/build/dockerProbes";
import { apiServerUrl, containerIpCommand, kindCreateScript, kindDeleteScript, kindUpdateScript } from "../model/build/kindScript";
import type { ClusterSpec } from "../model/types";
import type { DockerNetwork } from "./dockerNetwork";
import type { ImageCache } from "./imageCache";
import type { ClusterHandle } from "./types";

export interface KindClusterArgs {
  /** The planned kind cluster: nodes with roles and localities, subnets, fixed API server port. */
  spec: ClusterSpec;
  /** The node image of every node, pinned by tag and digest (`versions.kindNodeImage`). */
  nodeImage: string;
  /** The stack's Docker network: the nodes join it, the cluster is created after it and destroyed before it. */
  network: DockerNetwork;
  /** The stack name; with the cluster name it identifies the cluster to its Kubernetes provider. */
  stack: string;
  /**
   * What the preflight probe found of the cluster's node containers. "absent" (deleted outside Pulumi, or never
   * made) replaces the kind Command with a new one, so the cluster and everything inside are created again.
   */
  presence: KindPresence;
  /** Differs on every deployment: what makes an "absent" cluster's trigger new each time it is found missing. */
  deploymentId: string;
  /**
   * `kind create cluster --wait`: how long kind waits for the control plane to be Ready (on timeout kind only
   * warns and carries on: kind waitforready.go).
   * @default "5m"
   */
  wait?: string;
  /**
   * The stack's registry caches: the cluster is created after them, and every node's containerd uses them as
   * mirrors before anything in the cluster pulls an image.
   * @default none: nodes pull directly
   */
  imageCache?: { plan: ImageCachePlan; resource: ImageCache };
}

/**
 * One kind cluster on the stack's Docker network: `kind create cluster` with its kind config on stdin, its
 * host-side kubeconfig (a secret), its API server address inside the network (re-read on every deployment),
 * and the Kubernetes provider for everything inside it. Nothing orders clusters after one another: each
 * depends only on the network, so they are created side by side.
 */
export class KindCluster extends pulumi.ComponentResource {
  readonly spec: ClusterSpec;
  /** The `kind create cluster` Command: the cluster's lifetime (objects inside are deleted with it). */
  readonly command: command.local.Command;
  /** Host-side kubeconfig (`https://127.0.0.1:<apiServerPort>`); a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** `https://<control-plane container IP on the stack network>:6443`, as other clusters reach it. */
  readonly apiServer: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The control-plane node container, where kubectl runs with kind's admin kubeconfig. */
  readonly controlPlane: string;
  /** The name kind and Docker know the cluster by: `<stack>-<cluster>` (Istio's cluster name stays `spec.name`). */
  readonly kindName: string;

  constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:KindCluster", name, {}, opts);
    const child = { parent: this };
    const { spec, network, imageCache } = args;
    this.spec = spec;
    this.controlPlane = controlPlaneNode(spec);
    this.kindName = kindNameOf(spec);
    const commandName = `${name}-kind-cluster`;
    // The network's ID: a new network replaces the cluster, and because this input depends on the network,
    // Pulumi deletes the cluster before the network (Docker refuses to remove a network with endpoints).
    // After these, the liveness element (livenessTrigger, and the ignoreChanges below).
    const fixed: pulumi.Input<string>[] = [...kindTriggers(spec, args.nodeImage, network.spec, imageCache !== undefined), network.network.id];

    this.command = new command.local.Command(
      commandName,
      {
        create: kindCreateScript(this.kindName, args.wait ?? "5m"),
        // A locality change rewrites the kind config (stdin) but needs no new cluster: NodeLocality relabels.
        update: kindUpdateScript(this.kindName, commandName),
        delete: kindDeleteScript(this.kindName),
        stdin: kindConfigYaml(spec, args.nodeImage, imageCache?.plan.containerdConfigPatches),
        environment: { KIND_EXPERIMENTAL_DOCKER_NETWORK: network.network.name },
        triggers: [...fixed, livenessTrigger(args.presence, args.deploymentId)],
        // stdout is the kubeconfig: never logged, stored as a secret, and not handed to the next run as
        // PULUMI_COMMAND_STDOUT (that would put the credentials in the environment of kind and docker).
        logging: "stderr",
        addPreviousOutputInEnv: false,
      },
      {
        ...child,
        dependsOn: [network.network, ...(imageCache ? [imageCache.resource] : [])],
        additionalSecretOutputs: ["stdout"],
        // A cluster has a fixed name: create-before-delete would create the new one and then delete it.
        deleteBeforeReplace: true,
        // A cluster that is there keeps the liveness element it has in the state (whatever run wrote it), so a
        // normal second `up` changes nothing; a missing one gets a new value, hence a new cluster. A state-free
        // probe cannot tell "same as last time" otherwise (the nonce of the run that created it is not known here).
        ...(args.presence === "present" ? { ignoreChanges: [`triggers[${fixed.length}]`] } : {}),
      },
    );
    this.kubeconfig = pulumi.secret(this.command.stdout);

    // Read on every preview and update, not once: the container IP can change after a Docker restart
    // (kind#2246). dependsOn the cluster: while it does not exist yet (first preview) the result is unknown.
    const inspected = command.local.runOutput(
      { command: containerIpCommand(this.controlPlane, network.spec.name) },
      { parent: this, dependsOn: [this.command] },
    );
    this.apiServer = inspected.apply((r) => apiServerUrl(r.stdout, this.controlPlane, network.spec.name, API_SERVER_INTERNAL_PORT));

    // Each node's hosts.toml per cached registry, written once the nodes exist and again for a new cluster.
    const script = imageCache ? mirrorScript(this.kindName, imageCache.plan.caches) : undefined;
    const mirrors = script
      ? new command.local.Command(
          `${name}-registry-mirrors`,
          { create: script, update: script, triggers: [this.command.id], logging: "stderr" },
          { ...child, dependsOn: [this.command], deletedWith: this.command },
        )
      : undefined;

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.kubeconfig,
        // Stable while this cluster lives, so a changed kubeconfig never replaces what is inside; the Command's
        // ID changes only when the cluster is recreated, and then everything inside must be created again.
        clusterIdentifier: pulumi.interpolate`kindmesh-${args.stack}-${spec.name}-${this.command.id}`,
        // Objects in a cluster that is gone are gone: forget them instead of failing (istio-on-kind.md §9).
        deleteUnreachable: true,
      },
      // Every object in the cluster goes through this provider: none can pull an image before the mirrors exist.
      { ...child, ...(mirrors ? { dependsOn: [mirrors] } : {}) },
    );

    this.registerOutputs({ apiServer: this.apiServer, kubeconfig: this.kubeconfig });
  }

  /** The cluster as the other layers use it. */
  handle(ready: pulumi.Resource[]): ClusterHandle {
    return {
      name: this.spec.name,
      spec: this.spec,
      provider: this.provider,
      kubeconfig: this.kubeconfig,
      apiServer: this.apiServer,
      lifetime: this.command,
      ready,
    };
  }
}
