import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planImageCache } from "../../model/build/imageCache";
import { parse, stackRaw } from "../helpers/configs";
import { ROOT } from "../helpers/stacks";

/**
 * A fake Docker host holding volumes and containers with labels: `docker volume ls -q --filter label=k=v ...`
 * and `docker ps -aq --filter ...` answer from it, `docker volume rm` removes from it. Every call is logged.
 */
let dir: string;
const LABELS = (stack: string) => `kindmesh.role=image-cache,kindmesh.stack=${stack}`;

function fakeDocker(volumes: Record<string, string>, containers: Record<string, string> = {}): void {
  fs.writeFileSync(path.join(dir, "volumes"), Object.entries(volumes).map(([n, l]) => `${n} ${l}\n`).join(""));
  fs.writeFileSync(path.join(dir, "containers"), Object.entries(containers).map(([n, l]) => `${n} ${l}\n`).join(""));
  const script = [
    "#!/usr/bin/env bash",
    `echo "docker $*" >> "${dir}/calls.log"`,
    // Keep the rows whose labels include every --filter label=...
    'pick() { file="$1"; shift; want=(); while [ $# -gt 0 ]; do [ "$1" = --filter ] && want+=("${2#label=}") && shift; shift; done',
    '  while read -r name labels; do ok=1; for w in "${want[@]}"; do [[ ",$labels," == *",$w,"* ]] || ok=0; done; [ $ok = 1 ] && echo "$name"; done < "$file"; }',
    `if [ "$1 $2" = "volume ls" ]; then shift 3; pick "${dir}/volumes" "$@"; exit 0; fi`,
    `if [ "$1" = ps ]; then shift 2; pick "${dir}/containers" "$@"; exit 0; fi`,
    `if [ "$1 $2" = "volume rm" ]; then shift 2; for v in "$@"; do grep -v "^$v " "${dir}/volumes" > "${dir}/v.tmp" || true; mv "${dir}/v.tmp" "${dir}/volumes"; echo "$v"; done; exit 0; fi`,
    "exit 3",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "docker"), script, { mode: 0o755 });
}

function run(args: string[]) {
  const result = spawnSync("bash", [path.join(ROOT, "scripts/cache-clear.sh"), ...args], {
    cwd: ROOT,
    env: { PATH: `${dir}:/usr/bin:/bin`, HOME: os.tmpdir() },
    encoding: "utf8",
  });
  const calls = fs.existsSync(path.join(dir, "calls.log")) ? fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n") : [];
  const left = fs.existsSync(path.join(dir, "volumes")) ? fs.readFileSync(path.join(dir, "volumes"), "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")[0]) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, left };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-cache-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run cache:clear -- <stack>", () => {
  const devVolumes = planImageCache(parse(stackRaw("dev"), "dev"))?.caches.map((c) => c.volume) ?? [];

  it("is an npm script", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["cache:clear"]).toBe("bash scripts/cache-clear.sh");
  });

  it("removes exactly the stack's image-cache volumes (found by label), and no other stack's", () => {
    expect(devVolumes).toHaveLength(3);
    fakeDocker({
      ...Object.fromEntries(devVolumes.map((v) => [v, LABELS("dev")])),
      "kindmesh-flat-cache-docker-io": LABELS("flat"),
      "someone-elses-volume": "owner=me",
    });
    const r = run(["dev"]);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "docker ps -aq --filter label=kindmesh.role=image-cache --filter label=kindmesh.stack=dev",
      "docker volume ls -q --filter label=kindmesh.role=image-cache --filter label=kindmesh.stack=dev",
      `docker volume rm ${devVolumes.join(" ")}`,
    ]);
    expect(r.left).toEqual(["kindmesh-flat-cache-docker-io", "someone-elses-volume"]);
    expect(r.stdout).toContain(`removed the image-cache volumes of stack dev: ${devVolumes.join(" ")}`);
  });

  it("refuses while the stack's caches still exist, and says what to run first", () => {
    fakeDocker(Object.fromEntries(devVolumes.map((v) => [v, LABELS("dev")])), { "kindmesh-dev-cache-docker-io": LABELS("dev") });
    const r = run(["dev"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/still exist .* Run npm run destroy -- dev first/);
    expect(r.calls.some((c) => c.startsWith("docker volume rm"))).toBe(false);
    expect(r.left).toEqual(devVolumes);
  });

  it("with nothing to clear says so and succeeds", () => {
    fakeDocker({});
    const r = run(["dev"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stack dev has no image-cache volumes: nothing to clear/);
  });

  it("the README documents this command and a by-hand line with the labels the caches really carry", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const labels = planImageCache(parse(stackRaw("dev"), "dev"))?.labels ?? {};
    expect(labels).toEqual({ "kindmesh.stack": "dev", "kindmesh.role": "image-cache" });
    expect(readme).toContain("npm run cache:clear -- <stack>");
    expect(readme).toContain("docker volume rm $(docker volume ls -q --filter label=kindmesh.role=image-cache --filter label=kindmesh.stack=<stack>)");
    expect(readme).toMatch(/How much it saves is \*\*not measured yet\*\*/);
    expect(readme).toContain("`imageCache: false` under `kindmesh:topology`");
  });

  it("takes -s/--stack as the other commands do, and refuses an unknown option or a second stack (exit 2) before calling docker", () => {
    fakeDocker(Object.fromEntries(devVolumes.map((v) => [v, LABELS("dev")])));
    for (const args of [["-s", "dev"], ["--stack", "dev"], ["--stack=dev"]]) {
      const r = run(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toContain("removed the image-cache volumes of stack dev");
      fakeDocker(Object.fromEntries(devVolumes.map((v) => [v, LABELS("dev")])));
    }
    for (const args of [["dev", "--bogus"], ["dev", "flat"], ["-s"], ["--bogus", "dev"]]) {
      fs.rmSync(path.join(dir, "calls.log"), { force: true });
      fakeDocker(Object.fromEntries(devVolumes.map((v) => [v, LABELS("dev")])));
      const r = run(args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/usage: npm run cache:clear -- <stack>/);
      expect(r.calls).toEqual([]);
      expect(r.left).toEqual(devVolumes);
    }
    expect(run(["dev", "--bogus"]).stderr).toMatch(/^error: unknown option --bogus/);
  });

  it("--help is laid out like the other commands' help: usage, options, exit codes, examples", () => {
    const help = run(["-h"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run cache:clear -- <stack>/);
    expect(help.stdout).toMatch(/\noptions:\n  -s, --stack <stack> .*\n  -h, --help /);
    expect(help.stdout).toMatch(/\nexit codes:\n    0  .*\n    1  .*\n    2  bad command line/);
    expect(help.stdout).toMatch(/\nexamples:\n  npm run cache:clear -- dev/);
  });

  it("needs a stack; --help prints the usage", () => {
    fakeDocker({});
    expect(run([]).status).toBe(2);
    expect(run([]).stderr).toMatch(/usage: npm run cache:clear -- <stack>/);
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: npm run cache:clear -- <stack>/);
  });
});
