/**
 * The data-plane half of a canary upgrade in one cluster: once the new revision's istiod serves the cluster,
 * its namespaces carry the new `istio.io/rev` and its gateways rolled, restart the workloads onto the new
 * revision and wait until every proxy runs (and, on a primary, reports) the new version. The old revision's
 * resources are not registered any more, so Pulumi deletes them after this step succeeded (model/build/revision.ts).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { controlPlaneNode } from "../model/build/kindConfig";
import type { MeshPlan } from "../model/build/plan";
import { type KubectlAccess, rolloutScript } from "../model/build/rolloutScript";
import { istioRevision } from "../model/build/revision";
import type { MeshSpec } from "../model/types";
import type { ClusterHandle } from "./types";

export const REVISION_ROLLOUT_TOKEN = "kindmesh:mesh:RevisionRollout";

export interface RevisionRolloutArgs {
  cluster: ClusterHandle;
  /** kind: the control-plane container kubectl runs in; absent: an existing cluster, reached with its kubeconfig. */
  controlPlane?: string;
  istioVersion: string;
  /** Workload namespaces, restarted onto the revision. */
  namespaces: string[];
  /** A primary checks istiod's view too (its remotes' proxies included: pass their rollouts in `after`). */
  primary: boolean;
  /** The new revision serves this cluster: its istiod (or the primary's), relabelled namespaces, gateways. */
  after: pulumi.Resource[];
}

export class RevisionRollout extends pulumi.ComponentResource {
  readonly command: command.local.Command;

  constructor(name: string, args: RevisionRolloutArgs, opts?: pulumi.ComponentResourceOptions) {
    super(REVISION_ROLLOUT_TOKEN, name, {}, opts);
    const revision = istioRevision(args.istioVersion);
    const access: KubectlAccess = args.controlPlane ? { kind: "kind", controlPlane: args.controlPlane } : { kind: "kubeconfig" };
    this.command = new command.local.Command(
      `${name}-rollout`,
      {
        create: rolloutScript({ cluster: args.cluster.name, version: args.istioVersion, revision, namespaces: args.namespaces, access, primary: args.primary }),
        // A new revision replaces the Command, so `create` runs again; the same revision is a no-op on every up.
        triggers: [revision],
        // An existing cluster's kubeconfig goes in on stdin, as a secret, never on the command line.
        ...(access.kind === "kubeconfig" ? { stdin: pulumi.secret(args.cluster.kubeconfig) } : {}),
        logging: "stderr",
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        dependsOn: args.after,
        // Nothing to undo when the cluster goes.
        ...(args.cluster.lifetime ? { deletedWith: args.cluster.lifetime } : {}),
      },
    );
    this.registerOutputs({});
  }
}

/**
 * One rollout per cluster. A remote's rollout waits for its primary's new istiod (through the primary's ready
 * set); a primary's waits for its remotes' rollouts, so its look at istiod covers every proxy it serves.
 */
export function buildRevisionRollouts(
  spec: MeshSpec,
  plan: MeshPlan,
  clusters: ClusterHandle[],
  meshReady: Record<string, pulumi.Resource[]>,
  namespaces: Record<string, pulumi.Resource[]>,
): Record<string, RevisionRollout> {
  const rollouts: Record<string, RevisionRollout> = {};
  const handle = (name: string) => {
    const h = clusters.find((c) => c.name === name);
    if (!h) throw new Error(`internal: no cluster handle for ${name}`);
    return h;
  };
  const add = (c: MeshPlan["clusters"][number], extra: pulumi.Resource[]) => {
    const cluster = handle(c.name);
    rollouts[c.name] = new RevisionRollout(c.name, {
      cluster,
      ...(cluster.spec.kind === "kind" ? { controlPlane: controlPlaneNode(cluster.spec) } : {}),
      istioVersion: spec.versions.istio,
      namespaces: namespaces[c.name] ? plan.namespaces : [],
      primary: c.role === "primary",
      after: [...(meshReady[c.name] ?? []), ...(namespaces[c.name] ?? []), ...extra],
    });
  };
  for (const r of plan.clusters.filter((c) => c.role === "remote")) add(r, meshReady[r.controlPlane] ?? []);
  for (const p of plan.clusters.filter((c) => c.role === "primary")) {
    add(p, plan.clusters.filter((r) => r.role === "remote" && r.controlPlane === p.name).map((r) => rollouts[r.name].command));
  }
  return rollouts;
}
