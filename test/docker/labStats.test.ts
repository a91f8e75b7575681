/**
 * The e2e workflow's measurements (scripts/ci/labStats.sh, scripts/ci/phase.sh) against a real engine: the
 * memory samples come from the real `docker stats --no-stream`, so their format is Docker's, not ours.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/stacks";
import { needEngine, run, Scratch } from "./engine";

const scratch = new Scratch("stats");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-test-stats-"));
const env = { ...process.env, KINDMESH_STATS_DIR: dir, KINDMESH_PHASES: path.join(dir, "phases.md"), KINDMESH_STATS_INTERVAL: "1" };
const ci = (script: string, ...args: string[]) => run("bash", [path.join(ROOT, "scripts/ci", script), ...args], { env });

afterAll(() => {
  ci("labStats.sh", "stop");
  scratch.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("scripts/ci/labStats.sh and phase.sh (real docker stats)", () => {
  it("times each phase, keeps its exit code, and reports the peak memory with the containers running at that peak", async (ctx) => {
    needEngine(ctx);
    expect(ci("labStats.sh", "start").status).toBe(0);
    const net = await scratch.network("stack");
    const up = ci("phase.sh", "up", "sh", "-c", `docker run -d --name ${scratch.prefix}-a --network ${net.name} kindmesh-test-busybox:local && docker run -d --name ${scratch.prefix}-b --network ${net.name} kindmesh-test-busybox:local && sleep 4`);
    expect(up.status, up.stderr).toBe(0);
    expect(ci("labStats.sh", "disk").status).toBe(0);
    expect(ci("phase.sh", "verify", "sh", "-c", "exit 3").status).toBe(3);
    run("docker", ["rm", "-f", `${scratch.prefix}-a`, `${scratch.prefix}-b`]);
    expect(ci("labStats.sh", "stop").status).toBe(0);
    const summary = ci("labStats.sh", "summary", "flat");
    expect(summary.status).toBe(0);
    expect(summary.stdout).toMatch(/^### kindmesh e2e: flat\n\n\| phase \| wall clock \| outcome \|\n\|---\|---\|---\|\n\| up \| [4-9] s \| ok \|\n\| verify \| \d s \| failed \(exit 3\) \|\n/);
    // Other test runs may share the engine: at least our two containers were seen at the peak.
    const peak = /Peak memory of all containers: (\d+) MiB \((\d+) containers at that moment\)/.exec(summary.stdout);
    expect(Number(peak?.[2])).toBeGreaterThanOrEqual(2);
    expect(summary.stdout).toMatch(/Peak memory used on the host: [1-9]\d* MiB/);
    expect(summary.stdout).toMatch(/Disk after up \(docker system df\):\n- Images: /);
    expect(summary.stdout).toMatch(/- kind clusters: \d+, node containers: \d+/);
  });
});
