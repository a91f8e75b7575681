/**
 * .github/workflows/e2e.yml cannot run where kindmesh is developed, so it is kept correct here: its pins match
 * the code's, every shipped stack is in its matrix, it runs the README's commands and the day-2 phases in
 * order, always destroys, checks that nothing is left, records time and memory, and each drill takes away a
 * locality that has backends while leaving the client somewhere to go. The CI helpers it calls
 * (scripts/ci/) are tested here against the real program's resources.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planMesh } from "../../model/build/plan";
import { DEFAULT_VERSIONS, KIND_VERSION } from "../../model/config/versions";
import { editWeights, rotated } from "../../scripts/ci/editWeights";
import { isRoutesUpdate, unexpectedChanges } from "../../scripts/ci/previewChanges";
import { isFailed, predictFor } from "../../scripts/lib/prediction";
import { parseCheckArgs } from "../../scripts/lib/args";
import { clusterDrillOf } from "../../scripts/lib/clusterDrillArgs";
import { withoutCluster } from "../../scripts/lib/clusterDrill";
import { compareVersions, parseVersion } from "../../model/config/versions";
import { parse, stackRaw } from "../helpers/configs";
import { runProgram } from "../helpers/program";
import { shippedStacks } from "../helpers/stacks";
import { fakeOutputs } from "./fakes/outputs";

const ROOT = path.resolve(__dirname, "../..");

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: {
    e2e: {
      "runs-on": string;
      env: Record<string, string>;
      strategy: { "max-parallel": number; "fail-fast": boolean; matrix: { include: { stack: string; fail: string }[] } };
      steps: Step[];
    };
    ops: { "runs-on": string; strategy: { matrix: { include: { stack: string; istioPrevious: string; drilled: string }[] } }; steps: Step[] };
  };
}

const wf = parseYaml(fs.readFileSync(path.join(ROOT, ".github/workflows/e2e.yml"), "utf8")) as Workflow;
const job = wf.jobs.e2e;
const matrix = job.strategy.matrix.include;
const stepIndex = (pattern: RegExp) => job.steps.findIndex((s) => pattern.test(s.run ?? ""));
const lines = job.steps.flatMap((s) => (s.run ?? "").split("\n").map((l) => l.trim()));
const lineIndex = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));

describe("e2e workflow", () => {
  it("runs on a standard hosted Linux runner, by hand, weekly and on main", () => {
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(Object.keys(wf.on).sort()).toEqual(["push", "schedule", "workflow_dispatch"]);
  });

  it("pins kind, kubectl and the Pulumi CLI to the versions the code pins", () => {
    expect(wf.env.KIND_VERSION).toBe(KIND_VERSION);
    expect(DEFAULT_VERSIONS.kindNodeImage).toContain(`kindest/node:${wf.env.KUBECTL_VERSION}@`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(wf.env.PULUMI_VERSION).toBe(pkg.dependencies["@pulumi/pulumi"]);
    expect(job.steps.find((s) => s.name === "Install kind")?.run).toMatch(/sha256sum --check/);
    expect(job.steps.find((s) => s.name === "Install kubectl")?.run).toMatch(/sha256sum --check/);
  });

  it("every shipped stack is in the matrix, once (add a {stack, fail} entry with a new Pulumi.<stack>.yaml)", () => {
    const inMatrix = matrix.map((m) => m.stack);
    expect(new Set(inMatrix).size).toBe(inMatrix.length);
    for (const stack of shippedStacks()) expect(inMatrix, `Pulumi.${stack}.yaml is shipped but not in e2e.yml's matrix`).toContain(stack);
    for (const stack of inMatrix) expect(shippedStacks(), `e2e.yml's matrix names ${stack}, which has no stack file`).toContain(stack);
    expect(job.strategy["fail-fast"]).toBe(false);
    expect(job.strategy["max-parallel"]).toBeGreaterThanOrEqual(1);
    expect(job.env.STACK).toBe("${{ matrix.stack }}");
  });

  it("the README's commands, then the day-2 story, in order: up, verify, drill, second up, weight edit, refresh, destroy, assert", () => {
    const order = [
      /^npm ci/,
      /sysctl -w fs\.inotify\.max_user_watches=524288 fs\.inotify\.max_user_instances=512/,
      /^bash scripts\/ci\/labStats\.sh start$/,
      /^bash scripts\/ci\/phase\.sh up npm run up -- \$\{\{ matrix\.stack \}\} --yes$/,
      /^bash scripts\/ci\/labStats\.sh disk$/,
      /^bash scripts\/ci\/phase\.sh verify npm run verify -- \$\{\{ matrix\.stack \}\}$/,
      /^bash scripts\/ci\/phase\.sh drill npm run drill -- \$\{\{ matrix\.stack \}\} --fail \$\{\{ matrix\.fail \}\}$/,
      /npm run -s preview -- "\$STACK" --json > "\$RUNNER_TEMP\/preview-second\.json"/,
      /^npx tsx scripts\/ci\/previewChanges\.ts < "\$RUNNER_TEMP\/preview-second\.json"$/,
      /^bash scripts\/ci\/phase\.sh "second up" npm run up -- "\$STACK" --yes$/,
      /^edit="\$\(npx tsx scripts\/ci\/editWeights\.ts "\$STACK"\)"$/,
      /^bash scripts\/ci\/phase\.sh "weight edit: up" npm run up -- "\$STACK" --yes$/,
      /^bash scripts\/ci\/phase\.sh "weight edit: verify" npm run verify -- "\$STACK"$/,
      /^bash scripts\/ci\/phase\.sh refresh npm run refresh -- "\$STACK" --yes$/,
      /^npm run -s preview -- "\$STACK" --json > "\$RUNNER_TEMP\/preview-refreshed\.json"$/,
      /^npx tsx scripts\/ci\/previewChanges\.ts < "\$RUNNER_TEMP\/preview-refreshed\.json"$/,
      /^bash scripts\/ci\/phase\.sh destroy npm run destroy -- \$\{\{ matrix\.stack \}\} --yes$/,
      /^clusters="\$\(kind get clusters 2>\/dev\/null \|\| true\)"$/,
      /^bash scripts\/ci\/labStats\.sh summary "\$STACK" >> "\$GITHUB_STEP_SUMMARY"$/,
    ];
    const at = order.map(lineIndex);
    expect(at.map((i, k) => (i < 0 ? String(order[k]) : "")).filter(Boolean)).toEqual([]);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Multi-line steps stop at the first failing command.
    for (const s of job.steps.filter((s) => (s.run ?? "").includes("phase.sh") && (s.run ?? "").trim().includes("\n"))) expect(s.run).toMatch(/^set -euo pipefail\n/);
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("npm run up -- dev --yes");
  });

  it("always destroys, checks that no cluster, container, network or resource is left, and writes the summary", () => {
    const destroy = job.steps[stepIndex(/npm run destroy/)];
    const assert = job.steps[stepIndex(/kind get clusters 2>\/dev\/null \|\| true/)];
    const summary = job.steps[stepIndex(/GITHUB_STEP_SUMMARY/)];
    expect([destroy.if, assert.if, summary.if]).toEqual(["always()", "always()", "always()"]);
    expect(assert.run).toMatch(/docker ps -aq --filter label=io\.x-k8s\.kind\.cluster/);
    expect(assert.run).toMatch(/others="\$\(docker ps -a --format '\{\{\.Names\}\}'\)"\n\s*if \[ -n "\$others" \]; then echo "::error::containers left/);
    expect(assert.run).toMatch(/docker network ls --format '\{\{\.Name\}\}' \| grep -vxE 'bridge\|host\|none'/);
    expect(assert.run).toMatch(/pulumi stack export --stack "\$\{STACK\}"/);
    expect(summary.run).toMatch(/^bash scripts\/ci\/labStats\.sh stop\n/);
    expect(job.steps.filter((s) => s.if === "failure()").map((s) => s.name)).toEqual(["Collect kind logs", "Upload kind logs", "Force cleanup after a failed destroy"]);
  });

  it("every lab command runs inside scripts/ci/phase.sh, so each phase's wall-clock time reaches the summary", () => {
    const labCommands = lines.filter((l) => /npm run (up|verify|drill|refresh|destroy)\b/.test(l));
    expect(labCommands.length).toBeGreaterThanOrEqual(8);
    for (const l of labCommands) expect(l).toMatch(/^bash scripts\/ci\/phase\.sh ("[^"]+"|\S+) npm run /);
  });

  it.each(matrix.map((m) => [m.stack, m.fail]))("%s: the drill fails %s, a locality with backends, and the client still has somewhere to go", (stack, fail) => {
    const plan = planMesh(parse(stackRaw(stack), stack));
    expect(plan.backends.some((b) => isFailed(b.locality, fail))).toBe(true);
    const outputs = fakeOutputs(stack);
    for (const client of outputs.workloads.clients) {
      const shares = predictFor(outputs.trafficModel.helloworld, client.locality, fail).shares;
      const total = Object.values(shares).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 9);
      expect(Object.keys(shares).some((l) => isFailed(l, fail) && shares[l] > 0)).toBe(false);
    }
  });

  it("the commands it runs exist: npm scripts in package.json, and the scripts/ci helpers", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const used = [...new Set(lines.flatMap((l) => [...l.matchAll(/npm run (?:-s )?([\w:]+)/g)].map((m) => m[1])))];
    expect(used.sort()).toEqual(["destroy", "drill", "preview", "refresh", "up", "verify"]);
    for (const name of used) {
      const file = /scripts\/[\w.]+\.(ts|sh)/.exec(pkg.scripts[name] ?? "")?.[0];
      expect(file && fs.existsSync(path.join(ROOT, file)), `${name}: ${pkg.scripts[name]}`).toBe(true);
    }
    for (const file of new Set(lines.flatMap((l) => [...l.matchAll(/scripts\/ci\/[\w.]+/g)].map((m) => m[0])))) expect(fs.existsSync(path.join(ROOT, file)), file).toBe(true);
  });
});

describe("README: what a lab costs", () => {
  it("has a row per stack of the workflow, with its kind clusters, and says \"not measured yet\" until a run fills it", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.split("### What a lab costs")[1]?.split(/\n#{2,3} /)[0] ?? "";
    expect(section).toMatch(/^\s*Not measured yet/);
    const rows = section.split("\n").filter((l) => /^\| `/.test(l)).map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
    expect(rows.map((r) => r[0])).toEqual(matrix.map((m) => `\`${m.stack}\``));
    for (const [name, clusters, ...figures] of rows) {
      const stack = name.replace(/`/g, "");
      expect(Number(clusters), stack).toBe(parse(stackRaw(stack), stack).clusters.filter((c) => c.kind === "kind").length);
      for (const f of figures) expect(f, stack).toMatch(/^(not measured yet|\d.*)$/);
    }
  });
});

describe("scripts/ci/previewChanges: no change but the pod routes", () => {
  it("flat under mocks: of all the program's resources, exactly the pod-route Commands may update", async () => {
    const run = await runProgram("flat");
    const steps = run.resources.map((r) => ({ op: "update", urn: r.urn }));
    const routes = steps.filter(isRoutesUpdate).map((s) => s.urn.split("::").pop());
    expect(routes.sort()).toEqual(["cluster1-to-cluster2-routes", "cluster2-to-cluster1-routes"]);
    expect(unexpectedChanges({ steps })).toHaveLength(steps.length - 2);
    expect(unexpectedChanges({ steps: steps.filter(isRoutesUpdate) })).toEqual([]);
  });

  it("unchanged steps pass; a create, replace or delete of a route Command does not; the report names op, URN and inputs", () => {
    const route = "urn:pulumi:flat::kindmesh::kindmesh:clusters:ClusterLayer$kindmesh:clusters:KindCluster$kindmesh:clusters:PodRoutes$command:local:Command::cluster1-to-cluster2-routes";
    const dr = "urn:pulumi:flat::kindmesh::kubernetes:networking.istio.io/v1:DestinationRule::helloworld";
    expect(unexpectedChanges({ steps: [{ op: "same", urn: dr }, { op: "update", urn: route, diffReasons: ["environment"] }] })).toEqual([]);
    expect(unexpectedChanges({ steps: [{ op: "replace", urn: route }, { op: "update", urn: dr, diffReasons: ["spec"] }] })).toEqual([`replace ${route}`, `update ${dr} (spec)`]);
    expect(unexpectedChanges({})).toEqual([]);
  });
});

describe("scripts/ci/editWeights: the day-2 weight edit", () => {
  it("flat: rotates the distribute weights in place, keeps the comments, and the program predicts the new split", () => {
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.flat.yaml"), "utf8");
    const edit = editWeights(text);
    expect(edit?.before).toEqual({ "region1/zone1/*": 70, "region1/zone2/*": 20, "region3/zone4/*": 10 });
    expect(edit?.after).toEqual({ "region1/zone1/*": 10, "region1/zone2/*": 70, "region3/zone4/*": 20 });
    const comments = (t: string) => t.split("\n").filter((l) => l.trim().startsWith("#"));
    expect(comments(edit?.text ?? "")).toEqual(comments(text));
    const config = (parseYaml(edit?.text ?? "") as { config: Record<string, unknown> }).config;
    const spec = parse({ topology: config["kindmesh:topology"], traffic: config["kindmesh:traffic"] }, "flat");
    const rule = (spec.traffic.policies[0].trafficPolicy as { loadBalancer: { localityLbSetting: { distribute: { to: Record<string, number> }[] } } }).loadBalancer.localityLbSetting.distribute[0];
    expect(rule.to).toEqual(edit?.after);
  });

  it("cluster-local: without a distribute rule, the first weighted route's split is rotated (80/20 becomes 20/80)", () => {
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.cluster-local.yaml"), "utf8");
    const edit = editWeights(text);
    expect(edit?.before).toEqual({ "site-a#0": 80, "site-b#1": 20 });
    expect(edit?.after).toEqual({ "site-a#0": 20, "site-b#1": 80 });
    const config = (parseYaml(edit?.text ?? "") as { config: Record<string, unknown> }).config;
    const spec = parse({ topology: config["kindmesh:topology"], traffic: config["kindmesh:traffic"] }, "cluster-local");
    expect(spec.traffic).toBeDefined();
    const routes = (config["kindmesh:traffic"] as { routes: { http: { route: { weight: number }[] }[] }[] }).routes;
    expect(routes[0].http[0].route.map((r) => r.weight)).toEqual([20, 80]);
  });

  it("a stack with neither a distribute rule nor a weighted route has no weights to edit", () => {
    expect(editWeights(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"))).toBeUndefined();
  });

  it("weights always change: rotated, or (all equal) 10 moved from the first to the last", () => {
    expect(rotated([10, 10, 80])).toEqual([80, 10, 10]);
    expect(rotated([50, 50])).toEqual([40, 60]);
  });
});

describe("e2e workflow: the ops job (upgrade and cluster drills on one stack)", () => {
  const ops = wf.jobs.ops;
  const at = (pattern: RegExp) => ops.steps.findIndex((s) => pattern.test(s.run ?? ""));
  const { stack, istioPrevious, drilled } = ops.strategy.matrix.include[0];

  it("is the last job of the file, on a hosted Linux runner, with the same pins as the e2e job", () => {
    expect(Object.keys(wf.jobs).at(-1)).toBe("ops");
    expect(ops["runs-on"]).toBe("ubuntu-latest");
    for (const name of ["Install kind", "Install kubectl", "Install the Pulumi CLI"]) {
      expect(ops.steps.find((s) => s.name === name)?.run).toBe(job.steps.find((s) => s.name === name)?.run);
    }
  });

  it("upgrades from the previous patch of the pinned Istio to the pin, in one up", () => {
    const pin = parseVersion(DEFAULT_VERSIONS.istio)!;
    const previous = parseVersion(istioPrevious)!;
    expect([previous[0], previous[1], previous[2] + 1]).toEqual(pin);
    expect(compareVersions(previous, pin)).toBeLessThan(0);
    const order = [
      /pulumi config set --path kindmesh:versions\.istio \$\{\{ matrix\.istioPrevious \}\} --stack \$\{\{ matrix\.stack \}\}\nnpm run up -- \$\{\{ matrix\.stack \}\} --yes/,
      /^npm run verify -- \$\{\{ matrix\.stack \}\}$/,
      /^pulumi config rm kindmesh:versions --stack \$\{\{ matrix\.stack \}\}\nnpm run up -- \$\{\{ matrix\.stack \}\} --yes\n$/,
      /^npm run preview -- \$\{\{ matrix\.stack \}\} --json > preview\.json/,
      /^npm run drill -- \$\{\{ matrix\.stack \}\} --isolate-api \$\{\{ matrix\.drilled \}\}$/,
      /^npm run drill -- \$\{\{ matrix\.stack \}\} --fail-cluster \$\{\{ matrix\.drilled \}\}$/,
      /^npm run destroy -- \$\{\{ matrix\.stack \}\} --yes$/,
      /kind get clusters 2>\/dev\/null \|\| true/,
    ];
    const idx = order.map(at);
    expect(idx.every((i) => i >= 0), JSON.stringify(idx)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    // verify runs twice: on the previous patch, and after the upgrade.
    expect(ops.steps.filter((s) => /^npm run verify/.test(s.run ?? ""))).toHaveLength(2);
    expect(ops.steps[at(/^npm run destroy/)].if).toBe("always()");
    expect(ops.steps[at(/kind get clusters 2>\/dev\/null \|\| true/)].if).toBe("always()");
  });

  it("drills a kind cluster that another primary watches, whose failure leaves the clients elsewhere somewhere to go", () => {
    const spec = parse(stackRaw(stack), stack);
    const target = spec.clusters.find((c) => c.name === drilled)!;
    expect(target.kind).toBe("kind");
    expect(spec.clusters.some((c) => c.role === "primary" && c.name !== drilled)).toBe(true);
    for (const mode of ["isolate-api", "fail-cluster"]) expect(clusterDrillOf(parseCheckArgs([stack, `--${mode}`, drilled], "drill"))).toMatchObject({ stack, mode, cluster: drilled });
    const outputs = fakeOutputs(stack);
    const service = outputs.workloads.services[0];
    expect(service.placements.some((p) => p.cluster === drilled)).toBe(true);
    const clients = outputs.workloads.clients.filter((c) => c.cluster !== drilled);
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      const shares = predictFor(withoutCluster(outputs.trafficModel[service.name], service, drilled), client.locality).shares;
      expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });
});
