import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { parseNodes, readNodesScript, routesDeleteScript, routesScript, type LiveNode } from "../model/build/nodeScript";
import type { KindCluster } from "./kindCluster";

export interface PodRoutesArgs {
  /** The cluster whose nodes get the routes. */
  from: KindCluster;
  /** The cluster whose nodes' pod CIDRs the routes lead to; its nodes are read live. */
  to: KindCluster;
  /**
   * A value that differs on every deployment (e.g. the time it started): it makes Pulumi re-apply the routes
   * on every `pulumi up`, because routes vanish when a node container restarts.
   */
  deploymentId: string;
}

/**
 * Routes from every node of `from` to every node's pod CIDR of `to`, for two kind clusters on one Istio network
 * (kindnet routes only inside its own cluster). `to`'s nodes are read live on every deployment (`runOutput`,
 * after `to` exists); the routes are applied by a Command, so they are a resource: shown in preview, run after
 * both clusters exist, deleted with `from`.
 */
export class PodRoutes extends pulumi.ComponentResource {
  /** `to`'s nodes as read from the cluster (sorted by name). */
  readonly toNodes: pulumi.Output<LiveNode[]>;
  readonly command: command.local.Command;

  constructor(name: string, args: PodRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kindmesh:clusters:PodRoutes", name, {}, opts);
    const child = { parent: this };
    const { from, to } = args;
    const fromNodes = from.spec.nodes.map((n) => n.nodeName);

    // An invoke, so it runs on every preview and update (and is unknown until `to` exists).
    const read = command.local.runOutput(
      { command: readNodesScript(to.spec.name, to.controlPlane, to.spec.nodes.length) },
      { parent: this, dependsOn: [to.command] },
    );
    this.toNodes = read.apply((r) => parseNodes(r.stdout, to.spec.name));
    const apply = this.toNodes.apply((nodes) => routesScript(fromNodes, nodes));

    this.command = new command.local.Command(
      `${name}-routes`,
      {
        create: apply,
        update: apply,
        delete: this.toNodes.apply((nodes) => routesDeleteScript(fromNodes, nodes)),
        // A new value each deployment is an input change, so Pulumi runs `update` (the same script) every time:
        // an update, not a `triggers` replacement, which would add nothing but a create/delete pair.
        environment: { KINDMESH_DEPLOYMENT: args.deploymentId },
        logging: "stderr",
      },
      { ...child, dependsOn: [from.command, to.command], deletedWith: from.command },
    );

    this.registerOutputs({ toNodes: this.toNodes });
  }
}
