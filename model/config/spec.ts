/**
 * `parseConfig`: the stack configuration (contract §1) in, a validated `MeshSpec` out, or one `ConfigError`
 * that lists every problem with its config path. Pure: no Pulumi, no I/O.
 */
import { planAddresses } from "./addressPlan";
import { ConfigError, Problems, closest, readObject, readString, show } from "./problems";
import { readRootCa, type RootCaInput } from "./rootCa";
import { readTopology } from "./topologySpec";
import { lintRouting } from "../traffic/routingLint";
import { lintPolicies } from "../traffic/trafficLint";
import { readTraffic } from "./trafficSpec";
import type { MeshSpec, Versions } from "../types";
import { DEFAULT_VERSIONS, compareVersions, parseVersion } from "./versions";

export { ConfigError } from "./problems";
export type * from "../types";

const VERSION_KEYS = ["istio", "metallb", "kindNodeImage"] as const;
/** The stack config keys in the kindmesh namespace (contract §1, plus the optional root CA). */
export const CONFIG_KEYS = ["topology", "traffic", "versions", "rootCaCert", "rootCaKey"];
/** `profile: remote` in the base and istiod charts exists from 1.24 on. */
const MIN_ISTIO: [number, number, number] = [1, 24, 0];
/** The chart values kindmesh sets for MetalLB (frrk8s.enabled) exist from 0.14 on. */
const MIN_METALLB: [number, number, number] = [0, 14, 0];

function readSemver(p: Problems, path: string, value: unknown, fallback: string, min: [number, number, number]): string | undefined {
  const text = readString(p, path, value, { default: fallback });
  if (text === undefined) return undefined;
  const v = parseVersion(text);
  if (!v) {
    p.error(path, `${show(text)} is not a version like "${fallback}" (chart versions are plain x.y.z).`);
    return undefined;
  }
  if (compareVersions(v, min) < 0) {
    p.error(path, `${text} is older than kindmesh supports (${min.join(".")} or newer); the pinned default is ${fallback}.`);
    return undefined;
  }
  return text.replace(/^v/, "");
}

function readVersions(p: Problems, raw: unknown): Versions {
  if (raw === undefined) return { ...DEFAULT_VERSIONS };
  const v = readObject(p, "versions", raw, VERSION_KEYS, "the version overrides") ?? {};
  const image = readString(p, "versions.kindNodeImage", v.kindNodeImage, { default: DEFAULT_VERSIONS.kindNodeImage });
  if (image !== undefined && !/^[^\s:@]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?$/.test(image)) {
    p.error("versions.kindNodeImage", `${show(image)} is not an image reference like "kindest/node:v1.35.8@sha256:<digest>".`);
  } else if (image !== undefined && !image.includes("@sha256:")) {
    p.warn("versions.kindNodeImage", `${show(image)} has no @sha256 digest; kind's release notes pin node images by digest so every machine gets the same image.`);
  }
  return {
    istio: readSemver(p, "versions.istio", v.istio, DEFAULT_VERSIONS.istio, MIN_ISTIO) ?? DEFAULT_VERSIONS.istio,
    metallb: readSemver(p, "versions.metallb", v.metallb, DEFAULT_VERSIONS.metallb, MIN_METALLB) ?? DEFAULT_VERSIONS.metallb,
    kindNodeImage: image ?? DEFAULT_VERSIONS.kindNodeImage,
  };
}

/**
 * Validates the stack configuration, applies defaults and allocates subnets, MetalLB pools and API ports.
 * Throws one `ConfigError` listing every problem; soft problems come back in `warnings`.
 */
export function parseConfig(
  raw: { topology?: unknown; traffic?: unknown; versions?: unknown; rootCa?: RootCaInput; unknownKeys?: string[] },
  opts: { stack?: string } = {},
): MeshSpec {
  const stack = opts.stack ?? "dev";
  const p = new Problems();
  for (const key of raw.unknownKeys ?? []) {
    // The suggestion is the whole key as the stack file spells it ("kindmesh:traffic"), not the bare "traffic"
    // a user would copy into the file as a key kindmesh never reads.
    const hit = closest(key, CONFIG_KEYS);
    p.error(key, `unknown stack config key "kindmesh:${key}".${hit ? ` Did you mean "kindmesh:${hit}"?` : ""} kindmesh reads: ${CONFIG_KEYS.map((k) => `kindmesh:${k}`).join(", ")}.`);
  }
  const topology = readTopology(p, raw.topology, stack);
  const { dockerNetwork, clusters } = planAddresses(p, topology, stack);
  // With a broken topology the real localities are not all known: matching traffic against them would
  // only add follow-on errors, so those checks wait until the topology is right.
  const localitiesIncomplete = p.errors.some((e) => /^topology(\.clusters(\[\d+\](\.nodes.*)?)?)?$/.test(e.path));
  const known = localitiesIncomplete ? undefined : clusters;
  const traffic = readTraffic(p, raw.traffic, known);
  const versions = readVersions(p, raw.versions);
  lintPolicies(p, traffic, known, versions.istio);
  lintRouting(p, traffic, known);
  const rootCa = readRootCa(p, raw.rootCa);
  if (p.errors.length > 0) throw new ConfigError(p.errors, `Pulumi.${stack}.yaml`);
  return {
    stack,
    meshId: topology.meshId,
    dockerNetwork,
    clusters,
    traffic: { services: traffic.services, clients: traffic.clients, policies: traffic.policies, routes: traffic.routes, meshConfig: traffic.meshConfig },
    versions,
    imageCache: topology.imageCache,
    ...(rootCa ? { rootCa } : {}),
    warnings: p.warnings,
  };
}
