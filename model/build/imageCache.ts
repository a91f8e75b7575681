/**
 * The image cache as plain data: every image the program deploys, the upstream registries they come from,
 * and per registry one pull-through cache on the stack's Docker network that every kind node's containerd
 * uses as that registry's mirror. Pure: no Pulumi, no I/O.
 *
 * One cache per registry because distribution's proxy mode mirrors exactly one upstream ("It's currently
 * possible to mirror only one upstream registry at a time": distribution docs/content/recipes/mirror.md).
 */
import { shellWord } from "./kindScript";
import { CACHE_IMAGE, IMAGES, ISTIO_HUB, METALLB_IMAGES } from "../config/versions";
import type { MeshSpec, Versions } from "../types";

/**
 * The registries kindmesh pulls from, with the URL their images really come from: distribution's
 * `proxy.remoteurl`, and containerd's `server` (used when the mirror fails). Docker Hub's registry API lives on
 * registry-1.docker.io (containerd docs/hosts.md).
 */
export const UPSTREAMS = {
  "docker.io": "https://registry-1.docker.io",
  "quay.io": "https://quay.io",
  "registry.istio.io": "https://registry.istio.io",
} as const;
export type Registry = keyof typeof UPSTREAMS;

/** The port the registry image listens on (its config.yml `http.addr: :5000`). */
export const CACHE_PORT = 5000;
/** Where the registry image keeps its storage (the image's VOLUME). */
export const CACHE_STORAGE = "/var/lib/registry";
/** Where the containerd of kind's nodes looks for per-registry `hosts.toml` files. */
export const CERTS_DIR = "/etc/containerd/certs.d";

/**
 * The one containerd patch kind applies to every node: the registry host directory, as kind's local-registry
 * guide writes it (site/static/examples/kind-with-registry.sh). kind v0.27+ images already default to
 * "/etc/containerd/certs.d:/etc/docker/certs.d"; a single directory is set anyway because containerd 2.x has
 * read that two-directory list as one path when it pulls through the transfer service (containerd#12415).
 */
export const CONTAINERD_CONFIG_PATCH = `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${CERTS_DIR}"`;

export interface DeployedImage {
  /** What pulls it, for messages and the README. */
  use: string;
  /** The full reference as a node's containerd pulls it. */
  ref: string;
}

/**
 * Every image the program (and verify/drill, in-cluster) runs on a node. kind's own images are preloaded in
 * the node image; the node image itself is pulled by the host's Docker, not by containerd.
 */
export function deployedImages(versions: Pick<Versions, "istio" | "metallb">): DeployedImage[] {
  return [
    { use: "istiod", ref: `${ISTIO_HUB}/pilot:${versions.istio}` },
    { use: "sidecars and gateways", ref: `${ISTIO_HUB}/proxyv2:${versions.istio}` },
    { use: "MetalLB controller", ref: `${METALLB_IMAGES.controller}:v${versions.metallb}` },
    { use: "MetalLB speaker", ref: `${METALLB_IMAGES.speaker}:v${versions.metallb}` },
    { use: "demo backends", ref: IMAGES.helloworld },
    { use: "demo clients, verify and drill probes", ref: IMAGES.curl },
  ];
}

/**
 * The registry host of an image reference, as Docker normalises names: the first path component is a host
 * when it has a "." or ":" or is "localhost"; otherwise the image is on Docker Hub.
 */
export function registryOf(ref: string): string {
  const slash = ref.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = ref.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : "docker.io";
}

export interface RegistryCache {
  registry: Registry;
  upstream: string;
  /** The container, also the host name kind nodes resolve on the stack's network (Docker's embedded DNS). */
  container: string;
  /** The named volume that holds the cache; kept across `pulumi destroy`. */
  volume: string;
  /** The mirror URL containerd uses: plain HTTP, inside the Docker network only. */
  endpoint: string;
  /** The container's environment: distribution's config as REGISTRY_* variables. */
  env: string[];
  /** `/etc/containerd/certs.d/<registry>/hosts.toml` on every node. */
  hostsToml: string;
}

export interface ImageCachePlan {
  /** The cache container's image, by digest only (see `byDigest`). */
  image: string;
  caches: RegistryCache[];
  /** kind's `containerdConfigPatches`, the same on every node. */
  containerdConfigPatches: string[];
  /** Labels on every cache container and volume, so a command can find them (`npm run cache:clear`). */
  labels: Record<string, string>;
}

/**
 * `repo:tag@sha256:…` as `repo@sha256:…`: the same image (a digest always wins over a tag), in the form the
 * Docker provider's image resource has long found and pulled; names with both failed there
 * (kreuzwerker/terraform-provider-docker#52, "Unable to find or pull image").
 */
export function byDigest(ref: string): string {
  return ref.replace(/:[^:@/]+@sha256:/, "@sha256:");
}

/** Docker names and host names: the registry with its dots as dashes. */
const slug = (registry: string) => registry.replace(/\./g, "-");

/** The container (= host) name of a stack's cache of one registry. */
export function cacheName(stack: string, registry: string): string {
  return `kindmesh-${stack}-cache-${slug(registry)}`;
}

/** A DNS label, which the cache's host name must be for containerd to resolve it. */
export const MAX_HOST_LABEL = 63;

function hostsToml(registry: Registry, endpoint: string): string {
  return [
    `server = "${UPSTREAMS[registry]}"`,
    "",
    // pull + resolve: the mirror also answers tag -> digest lookups. A mirror that fails is skipped and the
    // server above is used (containerd docs/hosts.md), so a removed cache slows pulls but breaks none.
    `[host."${endpoint}"]`,
    `  capabilities = ["pull", "resolve"]`,
    "",
  ].join("\n");
}

/**
 * The caches of a stack, or undefined when it has none (imageCache false, or no kind cluster: existing
 * clusters pull as they always have). Registries are those of `deployedImages`, in the order of `UPSTREAMS`.
 * Throws when an image comes from a registry kindmesh has no upstream for (a bug in the image table).
 */
export function planImageCache(spec: Pick<MeshSpec, "stack" | "imageCache" | "clusters" | "versions">): ImageCachePlan | undefined {
  if (!spec.imageCache || !spec.clusters.some((c) => c.kind === "kind")) return undefined;
  const used = new Set(deployedImages(spec.versions).map((i) => registryOf(i.ref)));
  const unknown = [...used].filter((r) => !(r in UPSTREAMS));
  if (unknown.length > 0) throw new Error(`internal: images from registries without an upstream URL: ${unknown.join(", ")}`);
  const caches = (Object.keys(UPSTREAMS) as Registry[])
    .filter((r) => used.has(r))
    .map((registry): RegistryCache => {
      const container = cacheName(spec.stack, registry);
      const endpoint = `http://${container}:${CACHE_PORT}`;
      return {
        registry,
        upstream: UPSTREAMS[registry],
        container,
        volume: container,
        endpoint,
        // TTL 0: never expire what was fetched (the default 168h would empty a cache a week after a lab ran;
        // distribution configuration.go Proxy.TTL "If set to zero, will never expire cache").
        env: [`REGISTRY_PROXY_REMOTEURL=${UPSTREAMS[registry]}`, "REGISTRY_PROXY_TTL=0s"],
        hostsToml: hostsToml(registry, endpoint),
      };
    });
  return {
    image: byDigest(CACHE_IMAGE),
    caches,
    containerdConfigPatches: [CONTAINERD_CONFIG_PATCH],
    labels: { "kindmesh.stack": spec.stack, "kindmesh.role": "image-cache" },
  };
}

/**
 * Writes each cache's `hosts.toml` into every node of one kind cluster (kind's local-registry guide does the
 * same with `docker exec`). containerd reads these files at each pull, no restart needed (docs/hosts.md).
 */
export function mirrorScript(kindCluster: string, caches: RegistryCache[]): string {
  const lines = ["set -eu", `nodes=$(kind get nodes --name ${shellWord(kindCluster)})`];
  lines.push(`[ -n "$nodes" ] || { echo "kindmesh: kind lists no nodes for cluster ${kindCluster}; cannot point them at the image cache." >&2; exit 1; }`);
  lines.push("for node in $nodes; do");
  for (const c of caches) {
    const dir = `${CERTS_DIR}/${c.registry}`;
    const content = c.hostsToml.replace(/\n$/, "").split("\n").map(shellWord).join(" ");
    lines.push(`  printf '%s\\n' ${content} | docker exec -i "$node" sh -c ${shellWord(`mkdir -p ${dir} && cat > ${dir}/hosts.toml`)}`);
  }
  lines.push("done");
  return lines.join("\n");
}
