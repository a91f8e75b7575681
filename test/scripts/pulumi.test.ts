import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse, stackRaw } from "../helpers/configs";
import { ROOT, shippedStacks } from "../helpers/stacks";

/**
 * scripts/pulumi.sh with stub tools on a private PATH (no /usr/bin: the real docker or kubectl must not leak
 * in): each stub logs its arguments; the docker stub answers as an engine would, shaped by env variables.
 */
let bin: string;
let tools: string;
let log: string;

function stub(name: string, body = ""): void {
  fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\nexit 0\n`, { mode: 0o755 });
}

const DOCKER = `
case "$*" in
  info*) [ -n "\${DOCKER_DOWN:-}" ] && exit 1; [ "$2" = --format ] && echo "\${CGROUP:-2}" ;;
  "context inspect"*) [ -n "\${CONTEXT:-}" ] && echo "$CONTEXT" || echo "default unix:///var/run/docker.sock" ;;
  "network ls -q") [ -n "\${NETS_JSON:-}" ] && echo 0123abcd ;;
  "network inspect"*) echo "$NETS_JSON" ;;
  "inspect -f"*) [ -n "\${CP_DOWN:-}" ] && { echo "Error: No such object: $4" >&2; exit 1; }; [ -n "\${CP_STOPPED:-}" ] && echo false || echo true ;;
  exec*) [ -n "\${API_DOWN:-}" ] && { echo "The connection to the server was refused" >&2; exit 1; } ;;
esac`;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync("bash", [path.join(ROOT, "scripts/pulumi.sh"), ...args], {
    cwd: ROOT,
    env: { PATH: `${bin}:${tools}`, HOME: os.tmpdir(), ...env },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, pulumi: calls.filter((c) => c.startsWith("pulumi ")) };
}

// The few programs the wrapper itself uses, each linked into a directory of its own.
beforeAll(() => {
  tools = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-tools-"));
  for (const tool of ["bash", "sh", "env", "sed", "ls", "tr", "awk", "cat", "mkdir", "dirname", "grep", "head", "tail", "sort", "mktemp", "rm", "fold", "paste", "node"]) {
    const where = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim() || (tool === "node" ? process.execPath : "");
    if (where) fs.symlinkSync(where, path.join(tools, tool));
  }
});
afterAll(() => fs.rmSync(tools, { recursive: true, force: true }));

beforeEach(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-bin-"));
  log = path.join(bin, "calls.log");
  stub("docker", DOCKER);
  stub("kind", '[ "$1" = version ] && echo "kind v0.33.0 go1.24 linux/amd64"');
  stub("pulumi", `echo "PASSPHRASE=\${PULUMI_CONFIG_PASSPHRASE-unset} DOCKER_HOST=\${DOCKER_HOST-unset}" >> "${log}"\n[ "$1 $2" = "stack ls" ] && echo "\${STACKS:-[]}"
[ "$1 $2" = "stack export" ] && echo "\${STATE:-}"`);
});

afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

/** The control-plane container of each kind cluster of a stack, as the program names them. */
const controlPlanes = (stack: string) => parse(stackRaw(stack), stack).clusters.flatMap((c) => c.nodes.filter((n) => n.role === "control-plane").map((n) => n.nodeName));

const CREATED = { STACKS: '[{"name":"dev"},{"name":"organization/kindmesh/flat"}]' };

describe("npm run up|preview|destroy|refresh", () => {
  it("creates the stack in the local backend with an empty passphrase, then runs pulumi up", () => {
    const r = run(["up", "dev", "--yes"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.pulumi).toEqual(["pulumi stack export --stack dev", "pulumi stack select --create dev --secrets-provider passphrase", "pulumi up --stack dev --yes"]);
    expect(r.calls).toContain("PASSPHRASE= DOCKER_HOST=unix:///var/run/docker.sock");
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
    expect(r.pulumi).toEqual([]);
  });

  it("up and destroy do not need kubectl (only verify and drill do)", () => {
    expect(fs.existsSync(path.join(bin, "kubectl")) || fs.existsSync(path.join(tools, "kubectl"))).toBe(false);
    expect(run(["up", "dev", "--yes"]).status).toBe(0);
    const d = run(["destroy", "dev", "--yes"], CREATED);
    expect(d.status, d.stderr).toBe(0);
    expect(d.pulumi).toContain("pulumi destroy --stack dev --yes");
    expect(d.stderr).not.toMatch(/kubectl/);
  });

  it("says when Docker is installed but not running", () => {
    const r = run(["up", "dev"], { DOCKER_DOWN: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Docker engine is not reachable: start Docker/);
  });

  it("refuses up on a cgroup v1 engine (the 1.35 kubelet does not start there); destroy still works", () => {
    const r = run(["up", "dev"], { CGROUP: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/runs containers on cgroup v1, and the kubelet of Kubernetes 1.35 .* refuses to start on cgroup v1/);
    expect(r.stderr).toMatch(/systemd.unified_cgroup_hierarchy=1/);
    expect(r.pulumi.filter((c) => !c.startsWith("pulumi stack export"))).toEqual([]);
    expect(run(["destroy", "dev", "--yes"], { ...CREATED, CGROUP: "1" }).status).toBe(0);
  });

  it("exports DOCKER_HOST from the CLI's current Docker context, so provider, kind and scripts share one engine", () => {
    const r = run(["up", "dev", "--yes"], { CONTEXT: "desktop-linux unix:///home/me/.docker/run/docker.sock" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("kindmesh: using Docker context desktop-linux (DOCKER_HOST=unix:///home/me/.docker/run/docker.sock)");
    expect(r.calls).toContain("PASSPHRASE= DOCKER_HOST=unix:///home/me/.docker/run/docker.sock");
  });

  it("keeps a DOCKER_HOST the user set (it wins over the context for the CLI too)", () => {
    const r = run(["up", "dev", "--yes"], { DOCKER_HOST: "tcp://10.0.0.5:2375", CONTEXT: "desktop-linux unix:///x.sock" });
    expect(r.status).toBe(0);
    expect(r.calls.some((c) => c.startsWith("docker context"))).toBe(false);
    expect(r.calls).toContain("PASSPHRASE= DOCKER_HOST=tcp://10.0.0.5:2375");
  });

  it("refuses up when the stack's Docker subnet overlaps a network on the engine, naming it", () => {
    const subnet = parse(stackRaw("dev"), "dev").dockerNetwork.subnet;
    // A network inside the stack's subnet: its first /28.
    const inside = `${subnet.split("/")[0]}/28`;
    const nets = [{ Name: "corp-vpn", IPAM: { Config: [{ Subnet: inside }] } }, { Name: "bridge", IPAM: { Config: [{ Subnet: "203.0.113.0/24" }] } }];
    const r = run(["up", "dev", "--yes"], { NETS_JSON: JSON.stringify(nets) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the stack's Docker subnet ${subnet} (network ${parse(stackRaw("dev"), "dev").dockerNetwork.name}) overlaps the Docker network "corp-vpn" (${inside})`);
    expect(r.stderr).toMatch(/Set topology.dockerNetwork.subnet in Pulumi.dev.yaml to a free range/);
    expect(r.stderr).not.toMatch(/"bridge"/);
    expect(r.pulumi).toEqual(["pulumi stack export --stack dev"]);
  });

  it("a network the stack's state already holds (renamed in the stack file) is not a clash: Pulumi replaces it", () => {
    const { subnet } = parse(stackRaw("dev"), "dev").dockerNetwork;
    const nets = [{ Name: "lab-old-name", IPAM: { Config: [{ Subnet: subnet }] } }];
    const state = { deployment: { resources: [{ type: "docker:index/network:Network", outputs: { name: "lab-old-name" } }] } };
    expect(run(["up", "dev", "--yes"], { NETS_JSON: JSON.stringify(nets) }).status).toBe(1);
    const r = run(["up", "dev", "--yes"], { NETS_JSON: JSON.stringify(nets), STATE: JSON.stringify(state) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.pulumi.at(-1)).toBe("pulumi up --stack dev --yes");
  });

  it("the stack's own network holding that subnet (an earlier up) is fine", () => {
    const { name, subnet } = parse(stackRaw("dev"), "dev").dockerNetwork;
    const r = run(["up", "dev", "--yes"], { NETS_JSON: JSON.stringify([{ Name: name, IPAM: { Config: [{ Subnet: subnet }] } }]) });
    expect(r.status, r.stderr).toBe(0);
  });

  it("warns about another kind version but goes on", () => {
    stub("kind", '[ "$1" = version ] && echo "kind v0.29.0 go1.22 linux/amd64"');
    const r = run(["up", "dev"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: kind is v0.29.0; kindmesh pins node images for kind v0.33.x/);
  });

  it("preview needs the Docker engine (the program reads live nodes) but not kind, and always shows the diff (once)", () => {
    expect(run(["preview", "flat"], { ...CREATED, DOCKER_DOWN: "1" }).stderr).toMatch(/kindmesh cannot preview yet:\n  - docker is installed but the Docker engine is not reachable/);
    fs.rmSync(log);
    fs.rmSync(path.join(bin, "kind"));
    expect(run(["preview", "flat"], CREATED).pulumi.at(-1)).toBe("pulumi preview --stack flat --diff");
    fs.rmSync(log);
    const r = run(["preview", "flat", "--diff"], CREATED);
    expect(r.status).toBe(0);
    expect(r.pulumi).toEqual(["pulumi stack ls --json", "pulumi stack select flat", "pulumi preview --stack flat --diff"]);
    // --json carries the diff itself (the e2e workflow reads it).
    fs.rmSync(log);
    expect(run(["preview", "flat", "--json"], CREATED).pulumi.at(-1)).toBe("pulumi preview --stack flat --json");
  });

  it.each([
    ["preview", 1, /never created here \(no state in .pulumi-state\), so there is nothing to preview against\. npm run check -- flat shows the predicted split without creating anything/],
    ["destroy", 0, /never created here \(no state in .pulumi-state\): nothing to destroy.*kind delete cluster --name flat-<cluster> for each of its clusters .*then docker network rm kindmesh-flat .*Cleaning up after lost state/],
    ["refresh", 1, /never created here \(no state in .pulumi-state\): nothing to refresh/],
  ])("%s of a stack that was never created says so and creates nothing", (action, status, message) => {
    const r = run([action, "flat", "--yes"].filter((a) => action !== "preview" || a !== "--yes"), { STACKS: '[{"name":"dev"}]' });
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(r.pulumi).toEqual(["pulumi stack ls --json"]);
  });

  it("says so when the stacks cannot be listed, instead of calling the stack never created", () => {
    stub("pulumi", '[ "$1 $2" = "stack ls" ] && { echo "error: failed to load checkpoint: bad JSON" >&2; exit 255; }');
    const r = run(["destroy", "dev", "--yes"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("kindmesh: cannot list the stacks in .pulumi-state (pulumi stack ls failed): error: failed to load checkpoint: bad JSON");
    expect(r.stderr).not.toMatch(/never created/);
    expect(r.pulumi).toEqual(["pulumi stack ls --json"]);
  });

  it("rejects a stack without a file and lists the ones that exist", () => {
    const r = run(["up", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no such stack file Pulumi\.nope\.yaml; these exist: [a-z-]+(, [a-z-]+)*\n/);
    const listed = /these exist: (.*)\n/.exec(r.stderr)?.[1].split(", ");
    expect(listed).toEqual(expect.arrayContaining(shippedStacks()));
  });

  it("needs an action and a stack", () => {
    expect(run(["deploy", "dev"]).status).toBe(2);
    const r = run(["up"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/which stack\? these exist: ([a-z-]+, )*dev, ([a-z-]+, )*flat(, [a-z-]+)*\n/);
    expect(r.stderr).toMatch(/usage: npm run up -- <stack> \[-s\|--stack <stack>\]/);
  });

  it("takes the stack as -s, --stack or --stack=, as Pulumi users type it; two different stacks are refused", () => {
    for (const args of [["-s", "dev"], ["--stack", "dev"], ["--stack=dev"], ["dev", "-s", "dev"]]) {
      fs.rmSync(log, { force: true });
      const r = run(["up", ...args, "--yes"]);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.pulumi.at(-1)).toBe("pulumi up --stack dev --yes");
    }
    const r = run(["up", "dev", "-s", "flat"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/two stacks given: dev and flat/);
  });

  it("rejects an unknown option with the usage (exit 2); known Pulumi flags and anything after -- pass on", () => {
    const bad = run(["up", "dev", "--yse"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error: unknown option --yse/);
    expect(bad.stderr).toMatch(/usage: npm run up -- <stack>/);
    expect(bad.pulumi).toEqual([]);
    const ok = run(["up", "dev", "-y", "--target", "urn:a", "--parallel=4", "--", "--policy-pack", "p"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.pulumi.at(-1)).toBe("pulumi up --stack dev -y --target urn:a --parallel=4 --policy-pack p");
  });

  it.each(["up", "preview", "destroy", "refresh"])("%s --help and -h: usage, options, exit codes, examples; exit 0; nothing runs", (action) => {
    for (const flag of ["--help", "-h"]) {
      const r = run([action, flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: npm run ${action} -- <stack>`));
      // Laid out like the TS commands' help (verify, drill, check, …).
      expect(r.stdout).toMatch(/^usage: npm run .*\n\n[^\n][\s\S]*?\nNeeds .+\n\noptions:\n[\s\S]+\n\nexit codes:\n {4}0 [\s\S]+\n\nexamples:\n {2}npm run /);
      expect(r.stdout).toContain(`npm run ${action} -- `);
      expect(r.calls).toEqual([]);
    }
  });
});

describe("npm run refresh", () => {
  it("refreshes when the engine and every kind cluster answer", () => {
    const r = run(["refresh", "dev", "--yes"], CREATED);
    expect(r.status, r.stderr).toBe(0);
    expect(r.pulumi.at(-1)).toBe("pulumi refresh --stack dev --yes");
    // Each control plane is asked inside its container, as the program's scripts do.
    for (const cp of controlPlanes("dev")) expect(r.calls).toContain(`docker exec ${cp} kubectl --kubeconfig=/etc/kubernetes/admin.conf get --raw /readyz`);
  });

  it("refuses while Docker is stopped", () => {
    const r = run(["refresh", "dev", "--yes"], { ...CREATED, DOCKER_DOWN: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Docker engine is not reachable/);
    expect(r.pulumi).toEqual([]);
  });

  it("refuses while a kind cluster is stopped or its API server does not answer, and says why", () => {
    const [east] = controlPlanes("dev");
    const stopped = run(["refresh", "dev", "--yes"], { ...CREATED, CP_STOPPED: "1" });
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toContain(`cluster east (kind cluster dev-east): its control-plane container ${east} is stopped. Start the cluster's containers (docker start ${east} and its workers)`);
    expect(stopped.stderr).toMatch(/would drop every object in such a cluster from the state/);
    expect(stopped.pulumi.some((c) => c.startsWith("pulumi refresh"))).toBe(false);
    const silent = run(["refresh", "dev", "--yes"], { ...CREATED, API_DOWN: "1" });
    expect(silent.status).toBe(1);
    expect(silent.stderr).toContain(`the API server in ${east} does not answer yet (The connection to the server was refused)`);
  });

  it("refreshes when a kind cluster is gone (its containers deleted), saying that its objects leave the state", () => {
    const gone = run(["refresh", "dev", "--yes"], { ...CREATED, CP_DOWN: "1" });
    expect(gone.status, gone.stderr).toBe(0);
    expect(gone.stderr).toContain("kindmesh: note: cluster east (kind cluster dev-east) no longer exists");
    expect(gone.pulumi.at(-1)).toBe("pulumi refresh --stack dev --yes");
  });
});
