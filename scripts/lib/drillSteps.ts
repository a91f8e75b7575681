/**
 * The steps of the failover drill: find the backends of a locality, record their replicas,
 * scale them to 0, wait until they are gone from every client's sidecar, and scale them back.
 */
import type { Clock, KubeCluster } from "./client";
import { EXIT, UserError } from "./errors";
import { outboundCluster } from "./envoy";
import type { Lab } from "./lab";
import { isFailed } from "./prediction";
import { readHosts } from "./sidecar";
import { clientPod } from "./split";

/** One backend Deployment the drill takes away. */
export interface DrillTarget {
  service: string;
  locality: string;
  cluster: string;
  namespace: string;
  deployment: string;
  /** Replicas before the drill: what the restore puts back. */
  replicas: number;
  /** The Deployment's pod selector, as a label selector string. */
  selector: string;
}

const POLL_MS = 2_000;

/** The Deployments of every service placed in a locality matching `fail`, with their current replicas. */
export async function drillTargets(lab: Lab, fail: string): Promise<DrillTarget[]> {
  const placements = lab.outputs.workloads.services.flatMap((s) => s.placements.map((p) => ({ s, p })));
  const hit = placements.filter(({ p }) => isFailed(p.locality, fail));
  if (hit.length === 0) {
    const known = [...new Set(placements.map(({ p }) => p.locality))].sort();
    throw new UserError(`no backend runs in ${fail}; the backend localities are: ${known.join(", ")}`, EXIT.usage);
  }
  const targets: DrillTarget[] = [];
  for (const { s, p } of hit) {
    const dep = (await lab.kube[p.cluster].getJson("deployment", s.namespace, p.deployment)) as
      | { spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } } }
      | undefined;
    if (!dep) throw new UserError(`Deployment ${s.namespace}/${p.deployment} is missing in cluster ${p.cluster}; the stack outputs say it exists`, EXIT.failed, `run npm run up -- ${lab.stack}`);
    const labels = dep.spec?.selector?.matchLabels ?? {};
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    if (selector === "") throw new UserError(`Deployment ${s.namespace}/${p.deployment} in ${p.cluster} has no matchLabels selector; the drill cannot tell its pods apart`, EXIT.failed);
    targets.push({ service: s.name, locality: p.locality, cluster: p.cluster, namespace: s.namespace, deployment: p.deployment, replicas: dep.spec?.replicas ?? 1, selector });
  }
  return targets;
}

/** Scales every target to `replicas(target)`. */
export async function scaleTargets(lab: Lab, targets: DrillTarget[], replicas: (t: DrillTarget) => number): Promise<void> {
  for (const t of targets) await lab.kube[t.cluster].scale(t.namespace, t.deployment, replicas(t));
}

async function until(clock: Clock, timeoutMs: number, aborted: () => boolean, done: () => Promise<boolean>): Promise<boolean> {
  const end = clock.now() + timeoutMs;
  for (;;) {
    if (aborted()) return false;
    if (await done()) return true;
    if (clock.now() >= end) return false;
    await clock.sleep(POLL_MS);
  }
}

const podsOf = (kube: KubeCluster, t: DrillTarget) => kube.listPods(t.namespace, t.selector);

/**
 * Waits until the targets' pods are gone and no client's sidecar has a healthy host in a failed locality.
 * Throws a {@link UserError} on timeout (the drill's finally then restores).
 */
export async function waitEndpointsGone(lab: Lab, targets: DrillTarget[], fail: string, clock: Clock, aborted: () => boolean, timeoutMs = 180_000): Promise<void> {
  const podsGone = await until(clock, timeoutMs, aborted, async () => {
    for (const t of targets) if ((await podsOf(lab.kube[t.cluster], t)).length > 0) return false;
    return true;
  });
  if (aborted()) return;
  if (!podsGone) throw new UserError(`the pods of ${targets.map((t) => t.deployment).join(", ")} did not terminate within ${timeoutMs / 1000} s`, EXIT.failed);
  const services = lab.outputs.workloads.services.filter((s) => targets.some((t) => t.service === s.name));
  const cleared = await until(clock, timeoutMs, aborted, async () => {
    for (const client of lab.outputs.workloads.clients) {
      const kube = lab.kube[client.cluster];
      const pod = await clientPod(kube, client);
      if (typeof pod === "string") throw new UserError(pod, EXIT.failed);
      for (const s of services) {
        const hosts = (await readHosts(kube, pod, outboundCluster(s.name, s.namespace, s.port))) ?? [];
        if (hosts.some((h) => h.healthy && isFailed(h.locality, fail))) return false;
      }
    }
    return true;
  });
  if (!cleared && !aborted()) {
    throw new UserError(`the clients' sidecars still had healthy endpoints in ${fail} after ${timeoutMs / 1000} s: istiod did not push the change`, EXIT.failed);
  }
}

/**
 * Scales every target back to its recorded replicas and waits for them to be ready. Never throws: returns
 * problems, each with the command that fixes it by hand.
 */
export async function restoreTargets(lab: Lab, targets: DrillTarget[], clock: Clock, timeoutMs = 180_000): Promise<string[]> {
  const problems: string[] = [];
  const manual = (t: DrillTarget) => `restore by hand: kubectl scale deployment/${t.deployment} -n ${t.namespace} --replicas=${t.replicas} (cluster ${t.cluster}), or npm run up -- ${lab.stack} --refresh`;
  const scaled: DrillTarget[] = [];
  for (const t of targets) {
    let lastError = "";
    for (let attempt = 0; attempt < 3 && !scaled.includes(t); attempt++) {
      try {
        await lab.kube[t.cluster].scale(t.namespace, t.deployment, t.replicas);
        scaled.push(t);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        await clock.sleep(POLL_MS);
      }
    }
    if (!scaled.includes(t)) problems.push(`could not scale ${t.namespace}/${t.deployment} back to ${t.replicas} (${lastError}); ${manual(t)}`);
  }
  for (const t of scaled) {
    const ready = await until(clock, timeoutMs, () => false, async () => {
      try {
        return (await podsOf(lab.kube[t.cluster], t)).filter((p) => p.phase === "Running" && p.ready && !p.deleting).length >= t.replicas;
      } catch {
        return false;
      }
    });
    if (!ready) problems.push(`${t.namespace}/${t.deployment} in ${t.cluster} was scaled back to ${t.replicas} but is not ready after ${timeoutMs / 1000} s`);
  }
  return problems;
}
