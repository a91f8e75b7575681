/**
 * scripts/pulumi.sh against the real Docker engine and CLI, where a stub would only echo our assumptions: the
 * subnet-overlap preflight reads the engine's real networks, the cgroup check reads the engine's real
 * CgroupVersion, and DOCKER_HOST comes from the real CLI's context. kind and pulumi are stubs (not installed).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parse, stackRaw } from "../helpers/configs";
import { ROOT } from "../helpers/stacks";
import { docker, needEngine, Scratch } from "./engine";

const scratch = new Scratch("wrapper");
let project: string;
let log: string;

/** A project directory with one stack file: dev's, on `subnet`. */
function stackFile(stack: string, subnet: string): void {
  const raw = stackRaw("dev");
  raw.topology.dockerNetwork = { name: `${scratch.prefix}-${stack}`, subnet };
  fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), stringify({ config: { "kindmesh:topology": raw.topology, "kindmesh:traffic": raw.traffic } }));
}

function wrapper(args: string[], env: Record<string, string> = {}) {
  fs.rmSync(log, { force: true });
  const r = spawnSync("bash", [path.join(ROOT, "scripts/pulumi.sh"), ...args], {
    cwd: project,
    env: { ...process.env, PATH: `${path.join(project, "bin")}:${process.env.PATH}`, DOCKER_HOST: "", STACKS: "[]", ...env },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, stderr: r.stderr, calls };
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-test-project-"));
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
  log = path.join(project, "calls.log");
  fs.mkdirSync(path.join(project, "bin"));
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(project, "bin", name), `#!/bin/sh\necho "${name} $* DOCKER_HOST=$DOCKER_HOST" >> "${log}"\n${body}\nexit 0\n`, { mode: 0o755 });
  stub("kind", '[ "$1" = version ] && echo "kind v0.33.0 go1.24 linux/amd64"');
  stub("pulumi", `if [ "$1 $2" = "stack ls" ]; then echo "$STACKS"; fi`);
});
afterAll(() => {
  scratch.cleanup();
  fs.rmSync(project, { recursive: true, force: true });
});

describe("npm run refresh on a real engine", () => {
  it("refuses while a kind cluster's control plane is stopped, or its API server does not answer (asked inside the container)", async (ctx) => {
    needEngine(ctx);
    // Stack and cluster names of the test's own, so the node containers are kindmesh-test-… and unique on a
    // shared engine (never a real lab's east-control-plane).
    const id = randomBytes(3).toString("hex");
    const stack = `kindmesh-test-${id}`;
    const raw = stackRaw("dev");
    raw.topology.dockerNetwork = { name: `${scratch.prefix}-r`, subnet: "10.234.0.0/16" };
    raw.topology.clusters[0].name = `kindmesh-test-${id}e`;
    raw.topology.clusters[1].name = `kindmesh-test-${id}w`;
    fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), stringify({ config: { "kindmesh:topology": raw.topology, "kindmesh:traffic": raw.traffic } }));
    const spec = parse(raw, stack);
    const [east, west] = spec.clusters.map((c) => c.nodes.find((n) => n.role === "control-plane")?.nodeName ?? "");
    expect([east, west].every((n) => n.startsWith("kindmesh-test-"))).toBe(true);
    const net = await scratch.network("refresh");
    // east's control plane runs but has no API server (busybox has no kubectl); west's is stopped.
    scratch.containerNamed(east, net.name);
    scratch.containerNamed(west, net.name);
    docker("stop", "-t", "0", west);
    const r = wrapper(["refresh", stack, "--yes"], { STACKS: `[{"name":"${stack}"}]` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cluster ${spec.clusters[0].name} (kind cluster ${spec.clusters[0].kindName}): the API server in ${east} does not answer yet (`);
    expect(r.stderr).toContain(`cluster ${spec.clusters[1].name} (kind cluster ${spec.clusters[1].kindName}): its control-plane container ${west} is stopped.`);
    expect(r.stderr).toMatch(/pulumi refresh now would drop every object in such a cluster from the state/);
    expect(r.calls.some((c) => c.startsWith("pulumi refresh"))).toBe(false);
    // west's containers deleted: gone for good, which a refresh may record (only a note); east still stops it.
    docker("rm", "-f", west);
    const again = wrapper(["refresh", stack, "--yes"], { STACKS: `[{"name":"${stack}"}]` });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`kindmesh: note: cluster ${spec.clusters[1].name} (kind cluster ${spec.clusters[1].kindName}) no longer exists (no container ${west})`);
    expect(again.stderr).not.toContain(`${west} is stopped`);
    expect(again.stderr).toContain(`the API server in ${east} does not answer yet`);
  });
});

describe("npm run refresh of a stack file with mistakes", () => {
  it("refuses (its clusters are unknown) and points at check, which names the mistakes", (ctx) => {
    needEngine(ctx);
    fs.writeFileSync(path.join(project, "Pulumi.broken.yaml"), "config:\n  kindmesh:topology:\n\tclusters: []\n");
    const r = wrapper(["refresh", "broken", "--yes"], { STACKS: '[{"name":"broken"}]' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Pulumi.broken.yaml has errors, so its clusters are unknown; fix them first (npm run check -- broken lists them).");
    expect(r.calls.some((c) => c.startsWith("pulumi refresh"))).toBe(false);
  });
});

describe("scripts/pulumi.sh on a real engine", () => {
  it("refuses up when the stack's subnet overlaps a network on the engine, and names that network", async (ctx) => {
    needEngine(ctx);
    const other = await scratch.network("corp");
    const wider = other.subnet.replace(/\.\d+\.0\/24$/, ".0.0/16");
    stackFile("overlap", wider);
    const r = wrapper(["up", "overlap", "--yes"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the stack's Docker subnet ${wider} (network ${scratch.prefix}-overlap) overlaps the Docker network "${other.name}" (${other.subnet}) on this engine`);
    expect(r.calls.some((c) => /^pulumi (up|stack select)/.test(c))).toBe(false);
  });

  it("a free subnet passes the overlap check; the cgroup check follows the engine's real CgroupVersion", (ctx) => {
    needEngine(ctx);
    // 10.232.0.0/16: a /16 beside the test networks' 10.231.0.0/16; taken only if someone else made it.
    const taken = docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", ...docker("network", "ls", "-q").split("\n"));
    if (taken.includes("10.232.")) ctx.skip("10.232.0.0/16 is in use on this engine");
    stackFile("free", "10.232.0.0/16");
    const r = wrapper(["up", "free", "--yes"]);
    expect(r.stderr).not.toMatch(/overlaps the Docker network/);
    const cgroup = docker("info", "--format", "{{.CgroupVersion}}");
    if (cgroup === "1") {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/runs containers on cgroup v1/);
    } else {
      expect(r.status, r.stderr).toBe(0);
      expect(r.calls.filter((c) => c.startsWith("pulumi up"))).toHaveLength(1);
    }
  });

  it("exports DOCKER_HOST from the real CLI's current context (a context made for the test, via DOCKER_CONTEXT)", (ctx) => {
    needEngine(ctx);
    stackFile("made", "10.233.0.0/16");
    const config = path.join(project, "docker-config");
    const host = docker("context", "inspect", "--format", "{{.Endpoints.docker.Host}}");
    const env = { DOCKER_CONFIG: config };
    const made = spawnSync("docker", ["context", "create", `${scratch.prefix}-ctx`, "--docker", `host=${host}`], { env: { ...process.env, ...env }, encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const r = wrapper(["destroy", "made", "--yes"], { ...env, DOCKER_CONTEXT: `${scratch.prefix}-ctx`, STACKS: '[{"name":"made"}]' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`kindmesh: using Docker context ${scratch.prefix}-ctx (DOCKER_HOST=${host})`);
    expect(r.calls).toContain(`pulumi destroy --stack made --yes DOCKER_HOST=${host}`);
  });
});
