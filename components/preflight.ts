/**
 * What the program asks the machine before it registers any resource, because the answers decide resource
 * options or stop the deployment (all problems at once, nothing half-made):
 * - per kind cluster, whether its node containers still exist (the kind Command's replacement trigger);
 * - per existing cluster that declares localities, whether its live nodes have them.
 * Both are `command.local.run` invokes: they run on every preview and update, and tests see every command line.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { kindNameOf } from "../model/build/kindConfig";
import { livenessScript, readLiveness, type KindPresence } from "../model/build/dockerProbes";
import { localityProblem, nodeLabelsCommand, parseNodeLabels } from "../model/build/nodeLabels";
import type { MeshSpec } from "../model/types";
import { existingKubeconfigPath } from "./existingCluster";

export interface Preflight {
  /** Per kind cluster name (the stack file's): whether its node containers are all there. */
  presence: Record<string, KindPresence>;
}

/** A failed invoke's message without the command line (which the provider repeats) when we wrote our own. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const ours = /kindmesh: [^\n]*/.exec(text);
  return ours ? ours[0] : text;
}

export async function preflight(spec: MeshSpec, homeDir: string): Promise<Preflight> {
  const problems: string[] = [];
  const presence: Record<string, KindPresence> = {};
  const kind = spec.clusters.filter((c) => c.kind === "kind");
  await Promise.all(
    kind.map(async (c) => {
      const nodes = c.nodes.map((n) => n.nodeName);
      try {
        const probe = await command.local.run({ command: livenessScript(nodes), logging: "stderr" });
        presence[c.name] = readLiveness(probe.stdout, kindNameOf(c), nodes);
      } catch (err) {
        problems.push(reason(err));
      }
    }),
  );
  const declaring = spec.clusters.filter((c) => c.kind === "existing" && c.localities.length > 0);
  await Promise.all(
    declaring.map(async (c) => {
      const { file, context } = existingKubeconfigPath(c, homeDir);
      try {
        const listed = await command.local.run({ command: nodeLabelsCommand(c.name, file, context), logging: "stderr" });
        const problem = localityProblem(c, parseNodeLabels(listed.stdout));
        if (problem) problems.push(problem);
      } catch (err) {
        problems.push(reason(err));
      }
    }),
  );
  if (problems.length > 0) {
    // The same message twice (one Docker down, every probe failing) says nothing more.
    const unique = [...new Set(problems)].sort();
    throw new pulumi.RunError(`Checked the machine before deploying; nothing was deployed:\n  - ${unique.join("\n  - ")}`);
  }
  return { presence };
}
