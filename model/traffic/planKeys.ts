/**
 * How the `trafficPlan` output names a client (contract §3, README "Reading the traffic plan"): by its locality, as
 * before, whenever every client in that locality gets the same plan; otherwise `<locality>@<cluster>`, and
 * `<locality>@<cluster>/<namespace>/<name>` when clients in one locality and cluster still differ (routes can match
 * a client's own pod labels or namespace). Every key contains a "/", so none collides with the plan's other keys.
 */

export interface PlannedClient {
  name: string;
  namespace: string;
  locality: string;
  cluster: string;
}

/** The candidate keys of a client, most specific first: the plan has exactly one of them. */
export function planKeysOf(c: PlannedClient): string[] {
  return [`${c.locality}@${c.cluster}/${c.namespace}/${c.name}`, `${c.locality}@${c.cluster}`, c.locality];
}

/** The key of the client's entry in a service's plan, or undefined when the plan has none for it. */
export function planKeyFor(plan: object, c: PlannedClient): string | undefined {
  return planKeysOf(c).find((k) => Object.prototype.hasOwnProperty.call(plan, k));
}

/**
 * Keys for clients whose results are `signature`s: the locality alone when every client there agrees, else the
 * cluster is added, and the client's name only where the cluster does not tell them apart.
 */
export function assignPlanKeys<T extends PlannedClient>(clients: T[], signature: (c: T) => string): Map<T, string> {
  const keys = new Map<T, string>();
  const by = <K>(list: T[], f: (c: T) => K) => [...new Set(list.map(f))].map((k) => list.filter((c) => f(c) === k));
  for (const here of by(clients, (c) => c.locality)) {
    if (new Set(here.map(signature)).size === 1) {
      for (const c of here) keys.set(c, c.locality);
      continue;
    }
    for (const inCluster of by(here, (c) => c.cluster)) {
      const same = new Set(inCluster.map(signature)).size === 1;
      for (const c of inCluster) keys.set(c, same ? planKeysOf(c)[1] : planKeysOf(c)[0]);
    }
  }
  return keys;
}
