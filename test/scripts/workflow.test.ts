/**
 * .github/workflows/e2e.yml cannot run where kindmesh is developed, so it is kept correct here: its pins match
 * the code's, it runs the README's commands in order, always destroys, checks that nothing is left, and each
 * drill takes away a locality that has backends while leaving the client somewhere to go.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planMesh } from "../../model/build/plan";
import { DEFAULT_VERSIONS, KIND_VERSION } from "../../model/config/versions";
import { isFailed, predictFor } from "../../scripts/lib/prediction";
import { parseCheckArgs } from "../../scripts/lib/args";
import { clusterDrillOf } from "../../scripts/lib/clusterDrillArgs";
import { withoutCluster } from "../../scripts/lib/clusterDrill";
import { compareVersions, parseVersion } from "../../model/config/versions";
import { parse, stackRaw } from "../helpers/configs";
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
    e2e: { "runs-on": string; strategy: { "max-parallel": number; "fail-fast": boolean; matrix: { include: { stack: string; fail: string }[] } }; steps: Step[] };
    ops: { "runs-on": string; strategy: { matrix: { include: { stack: string; istioPrevious: string; drilled: string }[] } }; steps: Step[] };
  };
}

const wf = parseYaml(fs.readFileSync(path.join(ROOT, ".github/workflows/e2e.yml"), "utf8")) as Workflow;
const job = wf.jobs.e2e;
const stepIndex = (pattern: RegExp) => job.steps.findIndex((s) => pattern.test(s.run ?? ""));

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

  it("installs, raises inotify, then up → verify → drill → destroy → assert, in that order", () => {
    const order = [/^npm ci/, /sysctl -w fs\.inotify\.max_user_watches=524288 fs\.inotify\.max_user_instances=512/, /^npm run up -- \$\{\{ matrix\.stack \}\} --yes$/, /^npm run verify -- \$\{\{ matrix\.stack \}\}$/, /^npm run drill -- \$\{\{ matrix\.stack \}\} --fail \$\{\{ matrix\.fail \}\}$/, /^npm run destroy -- \$\{\{ matrix\.stack \}\} --yes$/, /kind get clusters 2>\/dev\/null \|\| true/];
    const at = order.map(stepIndex);
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("npm run up -- dev --yes");
  });

  it("always destroys and always checks that no cluster, container, network or resource is left", () => {
    const destroy = job.steps[stepIndex(/^npm run destroy/)];
    const assert = job.steps[stepIndex(/kind get clusters 2>\/dev\/null \|\| true/)];
    expect(destroy.if).toBe("always()");
    expect(assert.if).toBe("always()");
    expect(assert.run).toMatch(/docker ps -aq --filter label=io\.x-k8s\.kind\.cluster/);
    expect(assert.run).toMatch(/docker network inspect "kindmesh-\$\{STACK\}"/);
    expect(assert.run).toMatch(/pulumi stack export --stack "\$\{STACK\}"/);
    expect(job.steps.filter((s) => s.if === "failure()").map((s) => s.name)).toEqual(["Collect kind logs", "Upload kind logs", "Force cleanup after a failed destroy"]);
  });

  it("brings up dev, then flat, one at a time, each on its own Docker network", () => {
    expect(job.strategy.matrix.include.map((m) => m.stack)).toEqual(["dev", "flat"]);
    expect(job.strategy["max-parallel"]).toBe(1);
    expect(job.strategy["fail-fast"]).toBe(false);
    for (const { stack } of job.strategy.matrix.include) {
      expect(shippedStacks()).toContain(stack);
      expect(parse(stackRaw(stack), stack).dockerNetwork.name).toBe(`kindmesh-${stack}`);
    }
  });

  it.each([["dev"], ["flat"]])("%s: the drill fails a locality with backends, and the client still has somewhere to go", (stack) => {
    const { fail } = job.strategy.matrix.include.find((m) => m.stack === stack) ?? { fail: "" };
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

  it("the commands it runs exist: npm scripts in package.json, or the scripts verify/drill/diagram to add", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const used = [...new Set(job.steps.flatMap((s) => [...(s.run ?? "").matchAll(/npm run (\w+)/g)].map((m) => m[1])))];
    for (const name of used) {
      const script = pkg.scripts[name] ?? `tsx scripts/${name}.ts`;
      const file = /scripts\/[\w.]+\.(ts|sh)/.exec(script)?.[0];
      expect(file && fs.existsSync(path.join(ROOT, file)), `${name}: ${script}`).toBe(true);
    }
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
