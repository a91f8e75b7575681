/**
 * The e2e workflow's image-cache job (cold up, destroy, warm up, report) cannot run here: its definition is
 * checked instead, and its shell steps are run against a stub `docker` to see what they report.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CACHE_STORAGE } from "../../model/build/imageCache";
import { DEFAULT_VERSIONS } from "../../model/config/versions";
import { ROOT } from "../helpers/stacks";

interface Step {
  name?: string;
  run?: string;
  if?: string;
}
interface Job {
  "runs-on": string;
  env: Record<string, string>;
  steps: Step[];
}
const wf = parseYaml(fs.readFileSync(path.join(ROOT, ".github/workflows/e2e.yml"), "utf8")) as { env: Record<string, string>; jobs: Record<string, Job> };
const job = wf.jobs["image-cache"];
const step = (name: string): Step => {
  const s = job.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step "${name}"; steps: ${job.steps.map((x) => x.name).join(", ")}`);
  return s;
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-wf-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs one step's script with bash, `docker` stubbed by `dockerBody`, in the repository root. */
function runStep(s: Step, env: Record<string, string>, dockerBody: string) {
  fs.writeFileSync(path.join(dir, "docker"), `#!/usr/bin/env bash\necho "docker $*" >> "${dir}/calls.log"\n${dockerBody}\n`, { mode: 0o755 });
  const summary = path.join(dir, "summary.md");
  const genv = path.join(dir, "github_env");
  const r = spawnSync("bash", ["-c", s.run ?? ""], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: `${dir}:/usr/bin:/bin`, STACK: "dev", GITHUB_STEP_SUMMARY: summary, GITHUB_ENV: genv, ...env },
  });
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, calls: read(path.join(dir, "calls.log")).trim().split("\n"), summary: read(summary), env: read(genv) };
}

// Two cache containers whose storage holds 3 MiB and 1 MiB (du -sk prints "<KiB>\t<path>").
const DOCKER = `case "$1" in ps) printf 'c1\\nc2\\n';; exec) [ "$2" = c1 ] && printf '3072\\t${CACHE_STORAGE}\\n' || printf '1024\\t${CACHE_STORAGE}\\n';; esac`;

describe("e2e workflow: the image-cache job", () => {
  it("is a separate job at the end of the file, on a hosted runner, for the dev stack, with the workflow's pins", () => {
    // After the main e2e job (the ops job, appended later, is last).
    expect(Object.keys(wf.jobs).indexOf("image-cache")).toBeGreaterThan(Object.keys(wf.jobs).indexOf("e2e"));
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(job.env.STACK).toBe("dev");
    expect(step("Install kind").run).toMatch(/\$\{KIND_VERSION\}[\s\S]*sha256sum --check/);
    expect(step("Install kubectl").run).toMatch(/sha256sum --check/);
    expect(step("Install the Pulumi CLI").run).toContain('--version "${PULUMI_VERSION}"');
  });

  it("clears the caches, times a cold up, destroys (volumes kept), times a warm up, reports, and always cleans up", () => {
    const order = ["Pre-pull the kind node image", "Cold up (empty caches)", "Bytes in the caches after the cold up", "Destroy (the cache volumes stay)", "Warm up (same stack, caches kept)", "Report cold and warm in the job summary", "Destroy and clear the caches"];
    const at = order.map((n) => job.steps.indexOf(step(n)));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const cold = step("Cold up (empty caches)").run ?? "";
    expect(cold.indexOf('npm run cache:clear -- "${STACK}"')).toBeLessThan(cold.indexOf("start=$(date +%s)"));
    expect(cold.indexOf("start=$(date +%s)")).toBeLessThan(cold.indexOf('npm run up -- "${STACK}" --yes'));
    expect(cold).toContain('echo "COLD_SECONDS=$(( $(date +%s) - start ))" >> "$GITHUB_ENV"');
    expect(step("Warm up (same stack, caches kept)").run).toMatch(/start=\$\(date \+%s\)\s+npm run up -- "\$\{STACK\}" --yes\s+echo "WARM_SECONDS=/);
    expect(step("Destroy (the cache volumes stay)").run).toContain('npm run destroy -- "${STACK}" --yes');
    const last = step("Destroy and clear the caches");
    expect(last.if).toBe("always()");
    expect(last.run).toMatch(/npm run destroy -- "\$\{STACK\}" --yes[\s\S]*npm run cache:clear -- "\$\{STACK\}"/);
  });

  it("pre-pulls exactly the pinned kind node image, so neither timing includes it", () => {
    const r = runStep(step("Pre-pull the kind node image"), {}, "");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`docker pull ${DEFAULT_VERSIONS.kindNodeImage}`]);
  });

  it("sums what the caches hold after the cold up, and fails when they hold nothing (the nodes bypassed them)", () => {
    const ok = runStep(step("Bytes in the caches after the cold up"), {}, DOCKER);
    expect(ok.status).toBe(0);
    expect(ok.env).toBe("COLD_KIB=4096\n");
    expect(ok.calls).toEqual([
      "docker ps -q --filter label=kindmesh.role=image-cache --filter label=kindmesh.stack=dev",
      `docker exec c1 du -sk ${CACHE_STORAGE}`,
      `docker exec c2 du -sk ${CACHE_STORAGE}`,
    ]);
    const empty = runStep(step("Bytes in the caches after the cold up"), {}, `[ "$1" = ps ] && echo c1; [ "$1" = exec ] && printf '12\\t/var/lib/registry\\n'; true`);
    expect(empty.status).toBe(1);
    expect(empty.stdout).toMatch(/::error::the image caches hold 12 KiB after a cold up: the nodes did not pull through them/);
  });

  it("the destroy step fails when the volumes are gone or cache containers are left", () => {
    const s = step("Destroy (the cache volumes stay)");
    const withNpm = (body: string) => {
      fs.writeFileSync(path.join(dir, "npm"), "#!/usr/bin/env bash\nexit 0\n", { mode: 0o755 });
      return runStep(s, {}, body);
    };
    expect(withNpm(`[ "$1" = volume ] && echo kindmesh-dev-cache-docker-io; true`).status).toBe(0);
    const gone = withNpm("true");
    expect(gone.status).toBe(1);
    expect(gone.stdout).toMatch(/::error::destroy removed the image-cache volumes/);
    const left = withNpm(`echo leftover`);
    expect(left.status).toBe(1);
    expect(left.stdout).toMatch(/::error::destroy left cache containers/);
  });

  it("writes both timings and the bytes fetched upstream (cold: all, warm: the growth) to the job summary", () => {
    const r = runStep(step("Report cold and warm in the job summary"), { COLD_SECONDS: "412", WARM_SECONDS: "251", COLD_KIB: "3072" }, DOCKER);
    expect(r.status).toBe(0);
    expect(r.summary).toBe(
      [
        "### Image cache: cold vs warm `npm run up -- dev`",
        "",
        "| run | up (s) | fetched upstream by the caches (MiB) |",
        "|---|---:|---:|",
        "| cold (empty caches) | 412 | 3 |",
        "| warm (after destroy) | 251 | 1 |",
        "",
        "Fetched upstream = growth of the caches' storage (du of /var/lib/registry in each cache container).",
        "",
      ].join("\n"),
    );
  });
});
