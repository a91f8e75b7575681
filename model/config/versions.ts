/**
 * Every pinned version in one place (the README's table repeats them); a stack may override each under
 * `kindmesh:versions`.
 */
import type { Versions } from "../types";

export const DEFAULT_VERSIONS: Versions = {
  // Chart version = Istio version for base, istiod and gateway. `profile: remote` needs >= 1.24.
  istio: "1.31.1",
  // 0.16 deploys FRR-K8s by default; the install turns it off for plain layer 2.
  metallb: "0.16.1",
  // The Kubernetes 1.35 image published with kind v0.33.0; pinned by digest as kind's release notes advise.
  kindNodeImage:
    "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
};

/** The kind release the node image above belongs to; the up script checks the user's kind against it. */
export const KIND_VERSION = "v0.33.0";

/** [major, minor, patch] of "1.31.1" / "v0.16.1"; undefined when it is not a plain version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Negative, zero or positive like a comparator. */
export function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Demo images, as Istio's own samples pin them (samples/helloworld/helloworld.yaml, samples/curl/curl.yaml). */
export const IMAGES = {
  // Answers GET /hello with "Hello version: $SERVICE_VERSION, instance: $HOSTNAME" on port 5000.
  helloworld: "registry.istio.io/release/examples-helloworld-v1:1.0",
  curl: "docker.io/curlimages/curl:8.16.0",
};
