/**
 * Which Istio every proxy runs, and whether the mesh is left on two revisions (an upgrade that did not finish:
 * model/build/revision.ts). A proxy's version is its `istio-proxy` image tag (the version it reports to istiod
 * as ISTIO_VERSION); its revision is `istio.io/rev`, an annotation the injector puts on a sidecar pod (release-1.31
 * istio-discovery files/injection-template.yaml) and a label on gateway and istiod pods (PodInfo.revision).
 */
import { istioRevision } from "../../model/build/revision";
import type { CheckResult } from "../../model/verify/verifyReport";
import type { Lab } from "./lab";

/** The version in a proxy image reference: `docker.io/istio/proxyv2:1.31.1-distroless@sha256:…` -> `1.31.1`. */
export function proxyVersionOf(image: string): string | undefined {
  const tag = /:([^:/@]+)(@sha256:[0-9a-f]+)?$/.exec(image)?.[1];
  return tag?.replace(/-(distroless|debug)$/, "");
}

/** The check: every proxy's version and revision; a problem when revisions or versions differ. */
export async function checkProxyVersions(lab: Lab): Promise<CheckResult> {
  const expected = Object.values(lab.outputs.trafficModel)[0]?.istioVersion;
  const details: string[] = [];
  const problems: string[] = [];
  const faulty = new Set<string>();
  const revisions = new Map<string, string[]>();
  const note = (rev: string, what: string) => revisions.set(rev, [...(revisions.get(rev) ?? []), what]);
  for (const [cluster, kube] of Object.entries(lab.kube)) {
    for (const pod of await kube.listPods("", "")) {
      const rev = pod.revision;
      if (pod.labels.app === "istiod" && rev) note(rev, `istiod ${cluster}/${pod.name}`);
      if (!pod.proxyImage) continue;
      const version = proxyVersionOf(pod.proxyImage) ?? `unknown (${pod.proxyImage})`;
      details.push(`${cluster} ${pod.namespace}/${pod.name}: Istio ${version}, revision ${rev ?? "none"}`);
      note(rev ?? "none", `${cluster}/${pod.namespace}/${pod.name}`);
      if (expected !== undefined && version !== expected) {
        problems.push(`${cluster} ${pod.namespace}/${pod.name} runs Istio ${version}, the stack deploys ${expected}: restart it (kubectl rollout restart) or run npm run up -- ${lab.stack}`);
        faulty.add(cluster);
      }
    }
  }
  if (revisions.size > 1) {
    const list = [...revisions].map(([rev, who]) => `${rev} (${who.length}: ${who.slice(0, 3).join(", ")}${who.length > 3 ? ", …" : ""})`).join("; ");
    const keep = expected !== undefined ? istioRevision(expected) : undefined;
    problems.unshift(
      `the mesh is left on ${revisions.size} revisions: ${list}. An upgrade did not finish: run npm run up -- ${lab.stack} again (it restarts what is left, then removes the old revision)${keep ? `; what is not on ${keep} is left over` : ""}`,
    );
  }
  return { id: "proxyVersions", title: "proxy versions", ok: problems.length === 0, details, problems, faultyClusters: [...faulty] };
}
