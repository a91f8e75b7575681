import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/stacks";

/** Stub tools on a private PATH: each logs its arguments; `docker info` fails when DOCKER_DOWN is set. */
let bin: string;
let log: string;

function stub(name: string, body = ""): void {
  fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\nexit 0\n`, { mode: 0o755 });
}

function run(args: string[], env: Record<string, string> = {}) {
  const nodeDir = path.dirname(process.execPath);
  const result = spawnSync("bash", [path.join(ROOT, "scripts/pulumi.sh"), ...args], {
    cwd: ROOT,
    env: { PATH: `${bin}:${nodeDir}:/usr/bin:/bin`, HOME: os.tmpdir(), ...env },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: result.status, stderr: result.stderr, calls };
}

beforeEach(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-bin-"));
  log = path.join(bin, "calls.log");
  stub("docker", '[ -n "${DOCKER_DOWN:-}" ] && [ "$1" = info ] && exit 1');
  stub("kind", '[ "$1" = version ] && echo "kind v0.33.0 go1.24 linux/amd64"');
  stub("kubectl");
  stub("pulumi", `echo "PASSPHRASE=\${PULUMI_CONFIG_PASSPHRASE-unset}" >> "${log}"`);
});

afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

describe("npm run up|preview|destroy", () => {
  it("creates the stack in the local backend with an empty passphrase, then runs pulumi up", () => {
    const r = run(["up", "dev", "--yes"]);
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("pulumi"))).toEqual([
      "pulumi stack select --create dev --secrets-provider passphrase",
      "pulumi up --stack dev --yes",
    ]);
    expect(r.calls).toContain("PASSPHRASE=");
    expect(r.calls).toContain("docker info");
  });

  it("names every missing tool and how to get it, and runs nothing", () => {
    fs.rmSync(path.join(bin, "kind"));
    fs.rmSync(path.join(bin, "pulumi"));
    const r = run(["up", "dev"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/kindmesh cannot up yet:/);
    expect(r.stderr).toMatch(/kind is not installed: install kind v0.33.0 \(https:\/\/kind.sigs.k8s.io/);
    expect(r.stderr).toMatch(/pulumi is not installed: install the Pulumi CLI/);
    expect(r.calls.some((c) => c.startsWith("pulumi"))).toBe(false);
  });

  it("says when Docker is installed but not running", () => {
    const r = run(["up", "dev"], { DOCKER_DOWN: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Docker engine is not reachable: start Docker/);
  });

  it("warns about another kind version but goes on", () => {
    stub("kind", '[ "$1" = version ] && echo "kind v0.29.0 go1.22 linux/amd64"');
    const r = run(["up", "dev"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: kind is v0.29.0; kindmesh pins node images for kind v0.33.x/);
  });

  it("preview needs neither Docker nor kind", () => {
    fs.rmSync(path.join(bin, "docker"));
    fs.rmSync(path.join(bin, "kind"));
    const r = run(["preview", "flat", "--diff"]);
    expect(r.status).toBe(0);
    expect(r.calls).toContain("pulumi preview --stack flat --diff");
  });

  it("rejects an unknown stack and lists the real ones", () => {
    const r = run(["up", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no stack file Pulumi.nope.yaml; the stacks are: cluster-local dev flat hybrid-nodeport multinet multizone-remote primary-remote/);
  });

  it("needs an action and a stack", () => {
    expect(run(["deploy", "dev"]).status).toBe(2);
    expect(run(["up"]).stderr).toMatch(/usage: npm run up -- <stack>/);
  });
});
