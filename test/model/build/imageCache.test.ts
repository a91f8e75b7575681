import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CONTAINERD_CONFIG_PATCH, UPSTREAMS, byDigest, deployedImages, mirrorScript, planImageCache, registryOf } from "../../../model/build/imageCache";
import { kindConfigYaml, kindTriggers } from "../../../model/build/kindConfig";
import { CACHE_IMAGE, DEFAULT_VERSIONS, IMAGES } from "../../../model/config/versions";
import type { MeshSpec } from "../../../model/types";
import { expectProblem, parse, stackRaw } from "../../helpers/configs";
import { runScript } from "../../helpers/fakes/clusters";
import { shippedStacks } from "../../helpers/stacks";

const specOf = (stack: string, edit: (raw: ReturnType<typeof stackRaw>) => void = () => {}): MeshSpec => {
  const raw = stackRaw(stack);
  edit(raw);
  return parse(raw, stack);
};

describe("the images kindmesh deploys and their registries", () => {
  it("is one table: Istio's hub, MetalLB's chart images, the demo images (by digest where one is published)", () => {
    expect(deployedImages(DEFAULT_VERSIONS).map((i) => i.ref)).toEqual([
      "docker.io/istio/pilot:1.31.1",
      "docker.io/istio/proxyv2:1.31.1",
      "quay.io/metallb/controller:v0.16.1",
      "quay.io/metallb/speaker:v0.16.1",
      "registry.istio.io/release/examples-helloworld-v1:1.0",
      "docker.io/curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6",
    ]);
    // Version overrides move the tags, not the registries.
    expect(deployedImages({ istio: "1.30.3", metallb: "0.15.3" }).slice(0, 4).map((i) => i.ref)).toEqual([
      "docker.io/istio/pilot:1.30.3",
      "docker.io/istio/proxyv2:1.30.3",
      "quay.io/metallb/controller:v0.15.3",
      "quay.io/metallb/speaker:v0.15.3",
    ]);
    expect(CACHE_IMAGE).toMatch(/^docker\.io\/library\/registry:3\.1\.1@sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ["docker.io/istio/pilot:1.31.1", "docker.io"],
    ["istio/pilot:1.31.1", "docker.io"],
    ["registry:3", "docker.io"],
    ["quay.io/metallb/speaker:v0.16.1", "quay.io"],
    ["registry.istio.io/release/examples-helloworld-v1:1.0", "registry.istio.io"],
    ["localhost/x:1", "localhost"],
    ["kind-registry:5000/app:1", "kind-registry:5000"],
  ])("registryOf(%s) = %s, as Docker normalises names", (ref, registry) => {
    expect(registryOf(ref)).toBe(registry);
  });
});

describe("planImageCache", () => {
  it("dev: one cache per registry the images come from, named per stack, on port 5000, never expiring", () => {
    const plan = planImageCache(specOf("dev"));
    expect(plan?.image).toBe(`docker.io/library/registry@${CACHE_IMAGE.split("@")[1]}`);
    expect(CACHE_IMAGE.split("@")[1]).toBe("sha256:849b7d29920d060df8091770ede2279c07924ecd29e2a4c029ee0b5ea2ea542b");
    expect(plan?.containerdConfigPatches).toEqual(['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"']);
    expect(plan?.labels).toEqual({ "kindmesh.stack": "dev", "kindmesh.role": "image-cache" });
    expect(plan?.caches.map(({ hostsToml: _, ...c }) => c)).toEqual([
      {
        registry: "docker.io",
        upstream: "https://registry-1.docker.io",
        container: "kindmesh-dev-cache-docker-io",
        volume: "kindmesh-dev-cache-docker-io",
        endpoint: "http://kindmesh-dev-cache-docker-io:5000",
        env: ["REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io", "REGISTRY_PROXY_TTL=0s"],
      },
      {
        registry: "quay.io",
        upstream: "https://quay.io",
        container: "kindmesh-dev-cache-quay-io",
        volume: "kindmesh-dev-cache-quay-io",
        endpoint: "http://kindmesh-dev-cache-quay-io:5000",
        env: ["REGISTRY_PROXY_REMOTEURL=https://quay.io", "REGISTRY_PROXY_TTL=0s"],
      },
      {
        registry: "registry.istio.io",
        upstream: "https://registry.istio.io",
        container: "kindmesh-dev-cache-registry-istio-io",
        volume: "kindmesh-dev-cache-registry-istio-io",
        endpoint: "http://kindmesh-dev-cache-registry-istio-io:5000",
        env: ["REGISTRY_PROXY_REMOTEURL=https://registry.istio.io", "REGISTRY_PROXY_TTL=0s"],
      },
    ]);
    expect(plan?.caches[0].hostsToml).toBe(
      ['server = "https://registry-1.docker.io"', "", '[host."http://kindmesh-dev-cache-docker-io:5000"]', '  capabilities = ["pull", "resolve"]', ""].join("\n"),
    );
  });

  it.each(shippedStacks())("%s: every image the program deploys comes from a registry that has a cache", (stack) => {
    const spec = specOf(stack);
    const cached = new Set(planImageCache(spec)?.caches.map((c) => c.registry));
    for (const image of deployedImages(spec.versions)) expect(cached.has(registryOf(image.ref) as keyof typeof UPSTREAMS), image.ref).toBe(true);
  });

  it("two stacks never share a cache container or volume", () => {
    const [a, b] = [planImageCache(specOf("dev")), planImageCache(specOf("flat"))];
    const names = (p: typeof a) => p?.caches.flatMap((c) => [c.container, c.volume]) ?? [];
    expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
  });

  it("imageCache: false plans no cache: the nodes pull directly, as before", () => {
    const spec = specOf("dev", (raw) => (raw.topology.imageCache = false));
    expect(spec.imageCache).toBe(false);
    expect(planImageCache(spec)).toBeUndefined();
  });

  it("a stack of existing clusters only has nothing to cache for", () => {
    const spec = specOf("dev");
    const existingOnly = { ...spec, clusters: spec.clusters.map((c) => ({ ...c, kind: "existing" as const, nodes: [] })) };
    expect(planImageCache(existingOnly)).toBeUndefined();
  });
});

describe("topology.imageCache in the stack file", () => {
  it("defaults to true", () => {
    expect(specOf("dev").imageCache).toBe(true);
  });

  it("must be a boolean", () => {
    const raw = stackRaw("dev");
    raw.topology.imageCache = "yes";
    expectProblem(raw, "topology.imageCache", /"yes" is not true or false/, /imageCache: false \(every node pulls directly\)/);
  });

  it("is refused when the stack name makes a cache host name longer than a DNS label, with the longest that fits", () => {
    const raw = stackRaw("dev");
    let error: unknown;
    try {
      parse(raw, "a-very-long-stack-name-for-a-lab-abc");
    } catch (err) {
      error = err;
    }
    const problems = (error as { problems: { path: string; message: string }[] }).problems.filter((p) => p.path === "topology.imageCache");
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/"kindmesh-a-very-long-stack-name-for-a-lab-abc-cache-registry-istio-io" is 69 characters/);
    expect(problems[0].message).toMatch(/at most 30 characters, or set imageCache: false/);
    // With the cache off, the same stack name is fine.
    raw.topology.imageCache = false;
    expect(parse(raw, "a-very-long-stack-name-for-a-lab-abc").imageCache).toBe(false);
    expect(parse(stackRaw("dev"), "a".repeat(30)).imageCache).toBe(true);
  });

  it("true on a stack without kind clusters warns that nothing is cached", () => {
    const spec = parse(
      {
        topology: { imageCache: true, clusters: [{ name: "prod", kubeconfig: "~/.kube/config", context: "prod" }] },
        traffic: { services: [], clients: [], policies: [] },
      },
      "ext",
    );
    expect(spec.warnings).toContainEqual({ path: "topology.imageCache", message: expect.stringMatching(/no kind cluster: existing clusters pull their images as they always have/) });
  });
});

describe("the kind config of a cached stack (exact)", () => {
  it("dev/east: containerdConfigPatches sets containerd's registry directory", () => {
    const spec = specOf("dev");
    const east = spec.clusters[0];
    expect(kindConfigYaml(east, spec.versions.kindNodeImage, [CONTAINERD_CONFIG_PATCH])).toBe(
      [
        "kind: Cluster",
        "apiVersion: kind.x-k8s.io/v1alpha4",
        "containerdConfigPatches:",
        "  - |-",
        '    [plugins."io.containerd.grpc.v1.cri".registry]',
        '      config_path = "/etc/containerd/certs.d"',
        "networking:",
        "  apiServerAddress: 127.0.0.1",
        `  apiServerPort: ${east.apiServerPort}`,
        `  podSubnet: ${east.podSubnet}`,
        `  serviceSubnet: ${east.serviceSubnet}`,
        "nodes:",
        "  - role: control-plane",
        `    image: ${spec.versions.kindNodeImage}`,
        "    labels:",
        "      topology.kubernetes.io/region: east",
        "      topology.kubernetes.io/zone: zone1",
        "  - role: worker",
        `    image: ${spec.versions.kindNodeImage}`,
        "    labels:",
        "      topology.kubernetes.io/region: east",
        "      topology.kubernetes.io/zone: zone2",
        "",
      ].join("\n"),
    );
    // Without the cache the config is exactly what it was before the cache existed.
    expect(parseYaml(kindConfigYaml(east, spec.versions.kindNodeImage))).not.toHaveProperty("containerdConfigPatches");
  });

  it("turning the cache on or off replaces the clusters (containerd reads the directory at start); off keeps the old triggers", () => {
    const spec = specOf("dev");
    const [east, image, net] = [spec.clusters[0], spec.versions.kindNodeImage, spec.dockerNetwork];
    expect(kindTriggers(east, image, net, true)).toEqual([...kindTriggers(east, image, net, false), "imageCache=on"]);
    expect(kindTriggers(east, image, net, false).some((t) => t.startsWith("imageCache"))).toBe(false);
  });
});

describe("mirrorScript: each node's hosts.toml per cached registry", () => {
  const caches = planImageCache(specOf("dev"))?.caches ?? [];
  const script = mirrorScript("east", caches);

  it("is exactly this", () => {
    const write = (registry: string, endpoint: string, server: string) =>
      `  printf '%s\\n' 'server = "${server}"' '' '[host."${endpoint}"]' '  capabilities = ["pull", "resolve"]' | docker exec -i "$node" sh -c 'mkdir -p /etc/containerd/certs.d/${registry} && cat > /etc/containerd/certs.d/${registry}/hosts.toml'`;
    expect(script).toBe(
      [
        "set -eu",
        "nodes=$(kind get nodes --name east)",
        '[ -n "$nodes" ] || { echo "kindmesh: kind lists no nodes for cluster east; cannot point them at the image cache." >&2; exit 1; }',
        "for node in $nodes; do",
        write("docker.io", "http://kindmesh-dev-cache-docker-io:5000", "https://registry-1.docker.io"),
        write("quay.io", "http://kindmesh-dev-cache-quay-io:5000", "https://quay.io"),
        write("registry.istio.io", "http://kindmesh-dev-cache-registry-istio-io:5000", "https://registry.istio.io"),
        "done",
      ].join("\n"),
    );
  });

  it("writes every cache's hosts.toml, byte for byte, into every node kind lists", () => {
    const res = runScript(script, {
      stubs: {
        kind: `[ "$1 $2 $3 $4" = "get nodes --name east" ] && printf 'east-control-plane\\neast-worker\\n'`,
        // docker exec -i <node> sh -c <cmd>: keep what reached stdin, per node and target file.
        docker: 'f=$(printf %s "$6" | sed "s/.*cat > //; s#/#_#g"); cat > "$STUB_DIR/$3$f"',
      },
    });
    expect(res.status).toBe(0);
    expect(res.calls.filter((c) => c.startsWith("docker"))).toHaveLength(6);
    for (const node of ["east-control-plane", "east-worker"]) {
      for (const c of caches) {
        const file = path.join(res.dir, `${node}_etc_containerd_certs.d_${c.registry}_hosts.toml`);
        expect(fs.readFileSync(file, "utf8")).toBe(c.hostsToml);
      }
    }
  });

  it("fails, saying why, when kind lists no nodes", () => {
    const res = runScript(script, { stubs: { kind: "true", docker: "exit 9" } });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/kind lists no nodes for cluster east/);
    expect(res.calls.some((c) => c.startsWith("docker"))).toBe(false);
  });

  it("stops at the first node it cannot write to", () => {
    const res = runScript(script, { stubs: { kind: "printf 'east-control-plane\\n'", docker: "cat >/dev/null; exit 1" } });
    expect(res.status).not.toBe(0);
    expect(res.calls.filter((c) => c.startsWith("docker"))).toHaveLength(1);
  });
});

describe("byDigest", () => {
  it.each([
    ["docker.io/library/registry:3.1.1@sha256:abc", "docker.io/library/registry@sha256:abc"],
    ["kind-registry:5000/app:1@sha256:abc", "kind-registry:5000/app@sha256:abc"],
    ["registry@sha256:abc", "registry@sha256:abc"],
    ["registry:3.1.1", "registry:3.1.1"],
  ])("%s -> %s", (ref, expected) => {
    expect(byDigest(ref)).toBe(expected);
  });
});

describe("the demo images", () => {
  it("curl is pinned by digest; helloworld keeps its tag (no public digest source, see versions.ts)", () => {
    expect(IMAGES.curl).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(IMAGES.helloworld).toBe("registry.istio.io/release/examples-helloworld-v1:1.0");
  });
});
