// Envoy's priority and locality choice (source/extensions/load_balancing_policies/common/load_balancer_impl.cc,
// locality_wrr.cc). Percentages are integers where Envoy uses integer maths.

const DEFAULT_OVERPROVISIONING = 140;
const DEFAULT_PANIC_THRESHOLD = 50;

/** One priority level: all hosts (excluded ones included), and how many are healthy, degraded, excluded. */
export interface EnvoyPriority {
  hosts: number;
  healthy: number;
  degraded?: number;
  excluded?: number;
}

/** Priority health and load as Envoy computes them. */
export interface EnvoyPriorityLoad {
  /** Healthy availability per priority: min(100, floor(OPF × healthy / (hosts − excluded))). */
  health: number[];
  /** Degraded availability per priority, computed the same way. */
  degradedHealth: number[];
  /** Percent of requests sent to each priority's healthy hosts. */
  healthyLoad: number[];
  /** Percent of requests sent to each priority's degraded hosts. */
  degradedLoad: number[];
  panic: boolean[];
  normalizedTotalAvailability: number;
}

/**
 * Envoy priority health, load and panic (`recalculatePerPriorityState`, `distributeLoad`,
 * `recalculatePerPriorityPanic`, `recalculateLoadInTotalPanic`). Overprovisioning factor and panic threshold are
 * percentages (defaults 140 and 50).
 */
export function envoyPriorityLoad(
  priorities: EnvoyPriority[],
  opts?: { overprovisioningFactor?: number; panicThreshold?: number },
): EnvoyPriorityLoad {
  const opf = opts?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING;
  // The threshold is a Percent rounded to an integer and capped at 100.
  const pt = Math.min(100, Math.round(opts?.panicThreshold ?? DEFAULT_PANIC_THRESHOLD));
  const health = priorities.map((p) => availability(opf, p.healthy, p));
  const degradedHealth = priorities.map((p) => availability(opf, p.degraded ?? 0, p));
  const nta = Math.min(100, sum(health) + sum(degradedHealth));
  const result: EnvoyPriorityLoad = {
    health,
    degradedHealth,
    healthyLoad: priorities.map(() => 0),
    degradedLoad: priorities.map(() => 0),
    panic: priorities.map(() => false),
    normalizedTotalAvailability: nta,
  };
  if (priorities.length === 0) return result;
  if (nta > 0) distributeByAvailability(result, nta);
  // Panic disabled and nothing available: Envoy puts 100% on P0, where requests then find no healthy host.
  if (pt === 0 && nta === 0) {
    result.healthyLoad[0] = 100;
    return result;
  }
  result.panic = priorities.map((p) => (nta === 100 ? false : inPanic(p, pt)));
  if (result.panic.every(Boolean)) loadInTotalPanic(result, priorities);
  return result;
}

function availability(opf: number, count: number, p: EnvoyPriority): number {
  const total = p.hosts - (p.excluded ?? 0);
  return total > 0 ? Math.min(100, Math.floor((opf * count) / total)) : 0;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// distributeLoad for healthy, then degraded, then the rounding remainder to the first available priority.
function distributeByAvailability(r: EnvoyPriorityLoad, nta: number): void {
  const healthy = distributeLoad(r.health, 100, nta);
  const degraded = distributeLoad(r.degradedHealth, healthy.remaining, nta);
  r.healthyLoad = healthy.load;
  r.degradedLoad = degraded.load;
  if (degraded.remaining === 0) return;
  if (healthy.first >= 0) r.healthyLoad[healthy.first] = (r.healthyLoad[healthy.first] ?? 0) + degraded.remaining;
  else if (degraded.first >= 0) r.degradedLoad[degraded.first] = (r.degradedLoad[degraded.first] ?? 0) + degraded.remaining;
}

function distributeLoad(avail: number[], total: number, nta: number): { load: number[]; first: number; remaining: number } {
  let remaining = total;
  const load = avail.map((a) => {
    const l = Math.min(remaining, Math.floor((a * 100) / nta));
    remaining -= l;
    return l;
  });
  return { load, first: avail.findIndex((a) => a > 0), remaining };
}

// isHostSetInPanic: healthy% + degraded% (floating point, excluded hosts left out) below the threshold.
function inPanic(p: EnvoyPriority, pt: number): boolean {
  const total = p.hosts - (p.excluded ?? 0);
  const pct = (n: number): number => (total === 0 ? 0 : (100 * n) / total);
  return pct(p.healthy) + pct(p.degraded ?? 0) < pt;
}

// recalculateLoadInTotalPanic: split by host count (excluded included), remainder to the first non-empty priority.
function loadInTotalPanic(r: EnvoyPriorityLoad, priorities: EnvoyPriority[]): void {
  const total = sum(priorities.map((p) => p.hosts));
  r.degradedLoad = priorities.map(() => 0);
  if (total === 0) {
    r.healthyLoad = priorities.map((_, i) => (i === 0 ? 100 : 0));
    return;
  }
  r.healthyLoad = priorities.map((p) => Math.floor((100 * p.hosts) / total));
  const first = priorities.findIndex((p) => p.hosts > 0);
  r.healthyLoad[first] = (r.healthyLoad[first] ?? 0) + 100 - sum(r.healthyLoad);
}

/** One locality inside a priority, for locality-weighted choice. */
export interface EnvoyLocality {
  /** `load_balancing_weight` of the locality (0 = never chosen). */
  weight: number;
  hosts: number;
  healthy: number;
  excluded?: number;
  /** Sum of the healthy hosts' weights, used when Envoy falls back to all healthy hosts. @default healthy */
  healthyHostWeight?: number;
}

/**
 * Envoy's effective locality weights (`LocalityWrr::effectiveLocalityWeight`, locality_wrr.cc):
 * weight × min(1, OPF/100 × healthy / (hosts − excluded)), in floating point; 0 for a locality without hosts.
 */
export function envoyEffectiveLocalityWeights(
  localities: EnvoyLocality[],
  opts?: { overprovisioningFactor?: number },
): number[] {
  const opf = opts?.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING;
  return localities.map((l) => {
    const hostCount = l.hosts - (l.excluded ?? 0);
    if (hostCount <= 0) return 0;
    const ratio = (1.0 * l.healthy) / hostCount;
    return l.weight * Math.min(1.0, (opf / 100.0) * ratio);
  });
}

/**
 * Envoy's locality-weighted choice inside one priority: the fraction of that priority's requests per locality,
 * in input order. When no locality has an effective weight, Envoy falls back to all healthy hosts of the
 * priority (by host weight); all zeros when nothing is healthy.
 */
export function envoyLocalityShares(localities: EnvoyLocality[], opts?: { overprovisioningFactor?: number }): number[] {
  const effective = envoyEffectiveLocalityWeights(localities, opts);
  const total = sum(effective);
  if (total > 0) return effective.map((w) => w / total);
  return proportions(localities.map((l) => l.healthyHostWeight ?? l.healthy));
}

/** Each value's fraction of the sum; all zeros when the sum is 0. */
export function proportions(values: number[]): number[] {
  const total = sum(values);
  return values.map((v) => (total > 0 ? v / total : 0));
}
