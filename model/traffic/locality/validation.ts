import { TOPOLOGY_LABELS } from "./parse";
import type { LocalityLbSetting } from "./types";

const OUTLIER_DETECTION_WARNING = "outlier detection policy must be provided for failover";

/**
 * Istio's `ValidateLocalityLbSetting` (pkg/config/validation/agent/validation.go), the check behind the
 * DestinationRule webhook and MeshConfig validation. Errors reject the object; warnings admit it.
 * Checks run in Istio's order and stop where Istio stops. `to` keys are checked in insertion order, which stands
 * in for Go's (random) map order.
 */
export function validateLocalityLbSetting(
  setting: LocalityLbSetting | null | undefined,
  hasOutlierDetection: boolean,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!setting) return { errors, warnings };
  const distribute = setting.distribute ?? [];
  const failover = setting.failover ?? [];
  const failoverPriority = setting.failoverPriority ?? [];

  if (distribute.length > 0 && failover.length > 0) {
    return { errors: ["can not simultaneously specify 'distribute' and 'failover'"], warnings };
  }
  const early = topologyLabelWithFailover(failover.length, failoverPriority) ?? distributeProblem(distribute, errors);
  if (early) return { errors: [...errors, early], warnings };

  pushIf(errors, validateLocalities(distribute.map((d) => d.from)));
  if ((failover.length > 0 || failoverPriority.length > 0) && !hasOutlierDetection) {
    warnings.push(OUTLIER_DETECTION_WARNING);
  }
  for (const rule of failover) {
    if (rule.from === rule.to) errors.push("locality lb failover settings must specify different regions");
    if (rule.from.includes("/") || rule.to.includes("/")) errors.push("locality lb failover only specify region");
    if (rule.from.includes("*") || rule.to.includes("*")) {
      errors.push("locality lb failover region should not contain '*' wildcard");
    }
  }
  return { errors, warnings };
}

// With explicit `failover`, failoverPriority may not also rank by region/zone/subzone.
function topologyLabelWithFailover(failoverCount: number, failoverPriority: string[]): string | undefined {
  if (failoverCount === 0 || failoverPriority.length === 0) return undefined;
  const topology: string[] = [TOPOLOGY_LABELS.region, TOPOLOGY_LABELS.zone, TOPOLOGY_LABELS.subzone];
  const bad = failoverPriority.find((l) => topology.includes(l));
  return bad === undefined ? undefined : `can not simultaneously set 'failover' and topology label '${bad}' in 'failover_priority'`;
}

// Weight range and sum stop validation at once; overlapping `to` keys are collected and validation goes on.
function distributeProblem(distribute: NonNullable<LocalityLbSetting["distribute"]>, errors: string[]): string | undefined {
  for (const rule of distribute) {
    let total = 0;
    for (const weight of Object.values(rule.to ?? {})) {
      if (!(weight > 0 && weight <= 100)) return "locality weight must be in range [1, 100]";
      total += weight;
    }
    if (total !== 100) return `total locality weight ${total} != 100`;
    pushIf(errors, validateLocalities(Object.keys(rule.to ?? {})));
  }
  return undefined;
}

function pushIf(list: string[], message: string | undefined): void {
  if (message !== undefined) list.push(message);
}

/**
 * Istio's `validateLocalities`: undefined when the list is valid, else the error. A `*` must be the only one and
 * the last character; later entries may not overlap earlier ones. Overlap detection depends on order: a broad
 * entry after a narrow one (`["a/b/*", "a/*"]`) passes. Parsing uses `SplitN(s, "/", 3)` (`getLocalityParam`),
 * so `us/west/zone3/*` is valid with subzone `zone3/*`.
 */
export function validateLocalities(localities: string[]): string | undefined {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split("*").length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith("*"))) {
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    if (seen.has("*")) return overlap(locality);
    const items = splitN3(locality);
    if (items.some((i) => i === "")) return `locality ${locality} must not contain empty region/zone/subzone info`;
    if (!record(seen, items)) return overlap(locality);
  }
  return undefined;
}

function overlap(locality: string): string {
  return `locality ${locality} overlap with previous specified ones`;
}

// strings.SplitN(s, "/", 3): the third item keeps any further slashes.
function splitN3(s: string): string[] {
  const parts = s.split("/");
  return parts.length <= 3 ? parts : [parts[0] ?? "", parts[1] ?? "", parts.slice(2).join("/")];
}

// The region -> zone -> subzone bookkeeping of validateLocalities; false on overlap. `*` marks a wildcard level.
function record(seen: Map<string, Map<string, Set<string>>>, items: string[]): boolean {
  const [region = "", zone = "", subzone = ""] = items;
  const zones = seen.get(region);
  if (items.length === 1) {
    if (zones) return false;
    seen.set(region, new Map([["*", new Set(["*"])]]));
    return true;
  }
  if (!zones) {
    seen.set(region, new Map([[zone, new Set([items.length === 2 ? "*" : subzone])]]));
    return true;
  }
  if (zones.has("*")) return false;
  const subzones = zones.get(zone);
  if (items.length === 2) {
    if (subzones) return false;
    zones.set(zone, new Set(["*"]));
    return true;
  }
  if (!subzones) {
    zones.set(zone, new Set([subzone]));
    return true;
  }
  if (subzones.has("*") || subzones.has(subzone)) return false;
  subzones.add(subzone);
  return true;
}
