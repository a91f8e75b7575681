/**
 * `npm run -s preview -- <stack> --json | tsx scripts/ci/previewChanges.ts` (the e2e workflow): exit 0 when
 * the preview changes nothing but the pod routes, else list every other change and exit 1. The routes are
 * re-applied on every `up` by design (components/podRoutes.ts: a new deployment id each run, because routes
 * vanish when a node container restarts), so `--expect-no-changes` can never hold for a stack that has them.
 */
import * as fs from "node:fs";

/** One step of `pulumi preview --json` (Pulumi's PreviewDigest; "same" steps are usually left out). */
export interface PreviewStep {
  op: string;
  urn: string;
  diffReasons?: string[];
}

const ROUTES_TYPE = "kindmesh:clusters:PodRoutes";

/** The part of a URN that holds the type chain: `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
function typeChain(urn: string): string[] {
  return (urn.split("::")[2] ?? "").split("$");
}

/** Whether a step is a pod-route Command being updated (its input changes every deployment by design). */
export function isRoutesUpdate(step: PreviewStep): boolean {
  const chain = typeChain(step.urn);
  return step.op === "update" && chain.at(-1) === "command:local:Command" && chain.includes(ROUTES_TYPE);
}

/** Every step that is neither unchanged nor a pod-route update, as "<op> <urn> (<changed inputs>)". */
export function unexpectedChanges(digest: { steps?: PreviewStep[] }): string[] {
  return (digest.steps ?? [])
    .filter((s) => s.op !== "same" && !isRoutesUpdate(s))
    .map((s) => `${s.op} ${s.urn}${s.diffReasons?.length ? ` (${s.diffReasons.join(", ")})` : ""}`);
}

if (require.main === module) {
  const text = fs.readFileSync(0, "utf8");
  let digest: { steps?: PreviewStep[] };
  try {
    digest = JSON.parse(text) as { steps?: PreviewStep[] };
  } catch {
    process.stderr.write(`not the JSON of pulumi preview --json:\n${text.slice(0, 2000)}\n`);
    process.exit(2);
  }
  const unexpected = unexpectedChanges(digest);
  const routes = (digest.steps ?? []).filter(isRoutesUpdate).length;
  if (unexpected.length > 0) {
    process.stderr.write(`the preview changes more than the pod routes (${unexpected.length}):\n${unexpected.map((u) => `  - ${u}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(`no change but the pod routes (${routes} route command${routes === 1 ? "" : "s"} re-applied)\n`);
}
