import { DEFAULT_VERSIONS } from "../../config/versions";
import type { Locality } from "./types";

/** The Istio release the project pins (model/config/versions.ts); version-specific rules default to it. */
export const DEFAULT_ISTIO_VERSION = DEFAULT_VERSIONS.istio;

/** Well-known topology label keys (`pilot/pkg/serviceregistry/util/label/label.go`, istio/api `label`). */
export const TOPOLOGY_LABELS = {
  region: "topology.kubernetes.io/region",
  zone: "topology.kubernetes.io/zone",
  subzone: "topology.istio.io/subzone",
  cluster: "topology.istio.io/cluster",
  network: "topology.istio.io/network",
  hostname: "kubernetes.io/hostname",
} as const;

/**
 * Splits a locality the way istiod does at runtime (`SplitLocalityLabel`, label.go): on `/`, keeping at most
 * three parts and silently dropping the rest, so `us/west/zone3/*` is region `us`, zone `west`, subzone `zone3`.
 */
export function parseLocality(locality: string | null | undefined): Locality {
  const items = (locality ?? "").split("/");
  return { region: items[0] ?? "", zone: items[1] ?? "", subzone: items[2] ?? "" };
}

/** Joins a locality back into `region/zone/subzone`, leaving out empty trailing parts. */
export function formatLocality(l: Locality): string {
  if (l.zone === "" && l.subzone === "") return l.region;
  if (l.subzone === "") return `${l.region}/${l.zone}`;
  return `${l.region}/${l.zone}/${l.subzone}`;
}

/**
 * Whether a locality matches a `from`/`to` pattern at runtime (`LocalityMatch`, networking/util/util.go):
 * `*` works only as a whole segment, an empty or `*` zone/subzone matches anything, comparison is exact.
 */
export function localityMatch(locality: string | Locality | null | undefined, rule: string): boolean {
  const loc = typeof locality === "object" && locality !== null ? locality : parseLocality(locality);
  const r = parseLocality(rule);
  const regionMatch = r.region === "*" || loc.region === r.region;
  const zoneMatch = r.zone === "*" || r.zone === "" || loc.zone === r.zone;
  const subzoneMatch = r.subzone === "*" || r.subzone === "" || loc.subzone === r.subzone;
  return regionMatch && zoneMatch && subzoneMatch;
}

/** Proximity of an endpoint locality to the client (`LbPriority`, util.go): 0 same subzone … 3 other region. */
export function lbPriority(client: Locality, endpoint: Locality): number {
  if (client.region !== endpoint.region) return 3;
  if (client.zone !== endpoint.zone) return 2;
  return client.subzone === endpoint.subzone ? 0 : 1;
}

/**
 * The comparable minor release of an Istio version string (`1.30.3`, `1.31`, `1.31.0-rc.0`, `v1.24.2`).
 * Pre-releases count as their release: the features in question landed in its first alpha.
 */
export function istioMinor(version: string = DEFAULT_ISTIO_VERSION): number {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (!m) throw new Error(`unsupported Istio version "${version}": expected something like "1.30.3"`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1) return major > 1 ? 1000 : 0;
  return minor;
}

/** Renders a pattern the way istiod reads it at runtime, for messages: `region "us", zone "west", subzone "zone3"`. */
export function describePattern(rule: string): string {
  const p = parseLocality(rule);
  const part = (name: string, v: string): string => (v === "*" || v === "" ? `any ${name}` : `${name} "${v}"`);
  if (p.region === "*") return "any locality";
  const parts = [`region "${p.region}"`];
  if (p.zone !== "" || p.subzone !== "") parts.push(part("zone", p.zone));
  if (p.subzone !== "") parts.push(part("subzone", p.subzone));
  return parts.join(", ");
}
