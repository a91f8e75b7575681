/**
 * `tsx scripts/ci/editWeights.ts <stack>` (the e2e workflow's day-2 weight edit): rotates the weights of the
 * first `distribute` rule in Pulumi.<stack>.yaml, else of the first weighted route (a VirtualService split over
 * subsets), in place and keeping its comments, the way a user edits a split (70/20/10 becomes 10/70/20). Prints
 * what changed; prints "none" and changes nothing when the stack has neither (failover-only stacks have no
 * weights to edit).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from "yaml";

/** The new weights: rotated by one; weights that rotation cannot change (all equal) move 10 from first to last. */
export function rotated(weights: number[]): number[] {
  const turned = [weights[weights.length - 1], ...weights.slice(0, -1)];
  if (turned.some((w, i) => w !== weights[i])) return turned;
  const moved = [...weights];
  const step = Math.min(10, moved[0]);
  moved[0] -= step;
  moved[moved.length - 1] += step;
  return moved;
}

type Edit = { text: string; before: Record<string, number>; after: Record<string, number> };

/** The first distribute rule's `to` map with two or more keys, rotated in place. */
function editDistribute(doc: Document): Omit<Edit, "text"> | undefined {
  const policies = doc.getIn(["config", "kindmesh:traffic", "policies"]);
  if (!isSeq(policies)) return undefined;
  for (const policy of policies.items) {
    const distribute = isMap(policy) ? policy.getIn(["trafficPolicy", "loadBalancer", "localityLbSetting", "distribute"]) : undefined;
    if (!isSeq(distribute)) continue;
    for (const rule of distribute.items) {
      const to = isMap(rule) ? (rule.get("to") as YAMLMap | undefined) : undefined;
      if (!isMap(to) || to.items.length < 2) continue;
      const keys = to.items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key));
      const weights = keys.map((k) => Number(to.get(k)));
      const next = rotated(weights);
      keys.forEach((k, i) => to.set(k, next[i]));
      return { before: Object.fromEntries(keys.map((k, i) => [k, weights[i]])), after: Object.fromEntries(keys.map((k, i) => [k, next[i]])) };
    }
  }
  return undefined;
}

/** The first route (routes[].http[].route) with two or more weighted destinations, rotated in place. */
function editRoute(doc: Document): Omit<Edit, "text"> | undefined {
  const routes = doc.getIn(["config", "kindmesh:traffic", "routes"]);
  if (!isSeq(routes)) return undefined;
  for (const route of routes.items) {
    const http = isMap(route) ? route.get("http") : undefined;
    if (!isSeq(http)) continue;
    for (const rule of http.items) {
      const dests = isMap(rule) ? rule.get("route") : undefined;
      if (!isSeq(dests) || dests.items.length < 2 || !dests.items.every((d) => isMap(d) && d.has("weight"))) continue;
      const maps = dests.items as YAMLMap[];
      const names = maps.map((d, i) => {
        const dest = d.get("destination") as YAMLMap | undefined;
        return `${isMap(dest) ? String(dest.get("subset") ?? dest.get("host")) : "destination"}#${i}`;
      });
      const weights = maps.map((d) => Number(d.get("weight")));
      const next = rotated(weights);
      maps.forEach((d, i) => d.set("weight", next[i]));
      return { before: Object.fromEntries(names.map((n, i) => [n, weights[i]])), after: Object.fromEntries(names.map((n, i) => [n, next[i]])) };
    }
  }
  return undefined;
}

/** The stack file with its first distribute rule's (else first weighted route's) weights rotated; undefined without. */
export function editWeights(text: string): Edit | undefined {
  const doc = parseDocument(text);
  const edit = editDistribute(doc) ?? editRoute(doc);
  return edit && { text: doc.toString({ flowCollectionPadding: false }), ...edit };
}

if (require.main === module) {
  const stack = process.argv[2];
  if (!stack) {
    process.stderr.write("usage: tsx scripts/ci/editWeights.ts <stack>\n");
    process.exit(2);
  }
  const file = path.join(process.cwd(), `Pulumi.${stack}.yaml`);
  const edit = editWeights(fs.readFileSync(file, "utf8"));
  if (!edit) {
    process.stdout.write("none\n");
  } else {
    fs.writeFileSync(file, edit.text);
    process.stdout.write(`${JSON.stringify(edit.before)} -> ${JSON.stringify(edit.after)}\n`);
  }
}
