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

/**
 * Every image the program deploys, in one table: the components take their image names from here, and the
 * image cache derives its registries from `deployedImages` (model/build/imageCache.ts), so the two cannot drift.
 *
 * Demo images, as Istio's own samples name them (release-1.31 samples/helloworld/helloworld.yaml,
 * samples/curl/curl.yaml).
 */
export const IMAGES = {
  // Answers GET /hello with "Hello version: $SERVICE_VERSION, instance: $HOSTNAME" on port 5000. Not pinned by
  // digest: no public source for the digest of registry.istio.io/release/examples-helloworld-v1:1.0 was found.
  helloworld: "registry.istio.io/release/examples-helloworld-v1:1.0",
  // The digest of the multi-arch tag 8.16.0 as pinned, identically, by many unrelated public repositories
  // (Dagger modules, kubectl-run probes, Dockerfiles); the curl project publishes no digest list itself.
  curl: "docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
};

/**
 * Istio's image hub. The released charts carry `hub: docker.io/istio` (istio/release-builder release/build.sh:
 * DOCKER_HUB "is just which version to embed in the Helm charts"; the repo's values.yaml says "Releases are
 * published to docker hub under 'istio' project"); kindmesh sets it explicitly so the cache plan and the charts
 * agree. Images: `pilot` (istiod) and `proxyv2` (sidecars, init containers, gateways), tag = the chart version.
 */
export const ISTIO_HUB = "docker.io/istio";

/** MetalLB 0.16 chart images (charts/metallb/values.yaml: controller.image, speaker.image; tag = appVersion). */
export const METALLB_IMAGES = {
  controller: "quay.io/metallb/controller",
  speaker: "quay.io/metallb/speaker",
};

/**
 * The pull-through cache's own image: CNCF distribution 3.1.1, the multi-arch index digest as docker-library
 * publishes it (docker-library/repo-info repos/registry/remote/3.1.1.md @ 38feaf4c). The one image the host
 * pulls directly.
 */
export const CACHE_IMAGE = "docker.io/library/registry:3.1.1@sha256:849b7d29920d060df8091770ede2279c07924ecd29e2a4c029ee0b5ea2ea542b";
