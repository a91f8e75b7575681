/**
 * Opening a deployed lab: the stack's outputs, checked for shape, and a reachable handle on every cluster.
 * Every way this can fail ends in a {@link UserError} that says what to do.
 */
import { parse as parseYaml } from "yaml";
import type { StackOutputs } from "../../model/build/outputs";
import type { ClusterClient, KubeCluster } from "./client";
import { KubeError, UserError } from "./errors";

/** A deployed stack, ready to be checked. */
export interface Lab {
  stack: string;
  outputs: StackOutputs;
  kube: Record<string, KubeCluster>;
}

const REQUIRED = ["clusters", "trafficPlan", "workloads", "trafficModel"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks the shape of `pulumi stack output --json` far enough that the commands can trust it. */
export function validateOutputs(stack: string, raw: unknown): StackOutputs {
  const redeploy = `npm run up -- ${stack}`;
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    throw new UserError(`stack "${stack}" is not deployed: it has no outputs (never deployed, or destroyed)`, undefined, `deploy it: ${redeploy}`);
  }
  const missing = REQUIRED.filter((k) => !isObject(raw[k]));
  if (missing.length > 0) {
    throw new UserError(
      `stack "${stack}" has no ${missing.map((m) => `\`${m}\``).join(", ")} output: its last deployment did not finish, or it was made by an older kindmesh`,
      undefined,
      `run ${redeploy} and wait for it to finish`,
    );
  }
  const clusters = raw.clusters as Record<string, unknown>;
  if (Object.keys(clusters).length === 0) throw new UserError(`stack "${stack}" has no clusters in its outputs`, undefined, `run ${redeploy}`);
  for (const [name, c] of Object.entries(clusters)) {
    if (!isObject(c) || typeof c.network !== "string" || typeof c.role !== "string") {
      throw new UserError(`stack "${stack}": output clusters.${name} is not { network, role, kubeconfig, apiServer }`, undefined, `run ${redeploy}`);
    }
  }
  const workloads = raw.workloads as Record<string, unknown>;
  if (!Array.isArray(workloads.services) || !Array.isArray(workloads.clients)) {
    throw new UserError(`stack "${stack}": output workloads lacks services or clients`, undefined, `run ${redeploy}`);
  }
  return raw as unknown as StackOutputs;
}

/** The API server a kubeconfig points at, for messages (never the credentials). */
export function kubeconfigServer(kubeconfig: string): string | undefined {
  try {
    const doc = parseYaml(kubeconfig) as { clusters?: { cluster?: { server?: unknown } }[] } | null;
    const server = doc?.clusters?.[0]?.cluster?.server;
    return typeof server === "string" ? server : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the stack, checks every cluster has a kubeconfig and answers. Throws a {@link UserError} naming every
 * cluster that does not.
 */
export async function openLab(client: ClusterClient, stack: string): Promise<Lab> {
  const outputs = validateOutputs(stack, await client.stackOutputs(stack));
  const kube: Record<string, KubeCluster> = {};
  const noKubeconfig: string[] = [];
  for (const [name, c] of Object.entries(outputs.clusters)) {
    // "[secret]" is what the CLI prints when secrets are not shown: as good as missing.
    if (typeof c.kubeconfig !== "string" || c.kubeconfig.trim() === "" || c.kubeconfig === "[secret]") noKubeconfig.push(name);
    else kube[name] = client.cluster(name, c.kubeconfig);
  }
  if (noKubeconfig.length > 0) {
    throw new UserError(
      `kubeconfig missing for cluster ${noKubeconfig.join(", ")} in the outputs of stack "${stack}"`,
      undefined,
      `the cluster may not have been created yet: run npm run up -- ${stack}`,
    );
  }
  const failures = await Promise.all(
    Object.entries(kube).map(async ([name, k]) => {
      try {
        await k.ping();
        return undefined;
      } catch (err) {
        if (err instanceof UserError) throw err;
        const server = kubeconfigServer(outputs.clusters[name].kubeconfig) ?? "its API server";
        const why = err instanceof KubeError ? err.message : String(err);
        return `cluster ${name} is unreachable at ${server} (${why})`;
      }
    }),
  );
  const down = failures.filter((f): f is string => f !== undefined);
  if (down.length > 0) {
    throw new UserError(
      down.join("; "),
      undefined,
      `is Docker running, and does \`docker ps\` list the cluster's \`${stack}-<cluster>-control-plane\` container (kind names a stack's clusters \`${stack}-<cluster>\`)? After a reboot, start the stopped kind containers, or run pulumi up: it recreates a kind cluster that is gone.`,
    );
  }
  return { stack, outputs, kube };
}
