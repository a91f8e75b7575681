import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { localityLabels } from "../model/build/kindConfig";
import { relocateScript } from "../model/build/nodeScript";
import type { NodeSpec } from "../model/types";
import type { KindCluster } from "./kindCluster";
import { inCluster } from "./types";

export interface NodeLocalityArgs {
  /** The node as planned: its kind node name and its locality `region/zone[/subzone]`. */
  node: NodeSpec;
  /** The kind cluster the node belongs to (provider, lifetime, control-plane container). */
  cluster: KindCluster;
}

/**
 * Keeps one node's locality labels as the stack file says. A node has its locality from birth (kind config);
 * when the stack file changes it, the labels are patched in place (no new cluster; `pulumi preview` shows the
 * label diff) and the node's pods are restarted, because istiod reads a pod's locality only when the pod
 * starts (istio#51144).
 */
export class NodeLocality extends pulumi.ComponentResource {
  readonly patch: k8s.core.v1.NodePatch;
  /** Does nothing on create; restarts the node's pods when the locality changes. */
  readonly restart: command.local.Command;

  constructor(name: string, args: NodeLocalityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:NodeLocality", name, {}, opts);
    const child = { parent: this };
    const { node, cluster } = args;
    const inside = { provider: cluster.provider, lifetime: cluster.command };

    this.patch = new k8s.core.v1.NodePatch(
      name,
      {
        metadata: {
          name: node.nodeName,
          // A removed subzone is left out here and deleted by the restart Command: the kubelet co-owns the
          // labels it registered the node with, so server-side apply alone would keep it.
          labels: localityLabels(node),
          // The kubelet owns these labels (from --node-labels): without force, the apply conflicts with it.
          annotations: { "pulumi.com/patchForce": "true" },
        },
      },
      inCluster(inside, child),
    );

    this.restart = new command.local.Command(
      `${name}-restart`,
      {
        // A new node was born with its locality: nothing runs on it yet that could have read another one.
        create: "true",
        // The script names the locality, so a locality change is an input change: Pulumi runs `update`.
        update: relocateScript(node, cluster.controlPlane),
        // A recreated cluster is a new node: start over with a no-op create instead of an update.
        triggers: [cluster.command.id],
        logging: "stderr",
      },
      { ...child, dependsOn: [this.patch], deletedWith: cluster.command },
    );

    this.registerOutputs({});
  }
}
