/**
 * The real Docker engine for the tests in test/docker/: whether one answers (else each test is skipped with the
 * reason, never passed), the local busybox image (build-image.sh: nothing is pulled), and scratch networks and
 * containers named `kindmesh-test-…` that afterAll removes. Several test runs may share one engine (people and
 * CI on one host), so every name carries the process id and a random part, and subnets are picked free.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type { TestContext } from "vitest";
import { DockerNetwork } from "../../components/dockerNetwork";
import type { DockerNetworkSpec } from "../../model/types";
import { named, underMocks } from "../helpers/components";
import { parse, stackRaw } from "../helpers/configs";

export const TEST_IMAGE = "kindmesh-test-busybox:local";

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Result {
  const r = spawnSync(command, args, { encoding: "utf8", env: opts.env ?? process.env, input: opts.input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** `docker …`, throwing with Docker's own words when it fails. */
export function docker(...args: string[]): string {
  const r = run("docker", args);
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** A script as the program runs it: Pulumi's Command runs `/bin/sh -c <script>`. */
export function sh(script: string, env: NodeJS.ProcessEnv = process.env): Result {
  return run("/bin/sh", ["-c", script], { env });
}

export type EngineStatus = { ok: true } | { ok: false; reason: string };

/**
 * Whether a Docker engine answers and the test image exists (built if missing). `.ci/run` sets
 * KINDMESH_DOCKER_UNAVAILABLE to why it could not start one.
 */
export function engineStatus(env: NodeJS.ProcessEnv = process.env): EngineStatus {
  if (env.KINDMESH_DOCKER_UNAVAILABLE) return { ok: false, reason: env.KINDMESH_DOCKER_UNAVAILABLE };
  const info = run("docker", ["info", "--format", "{{.ServerVersion}}"], { env });
  if (info.status !== 0) {
    const why = info.stderr.trim().split("\n").pop() || `docker info exited ${info.status}`;
    return { ok: false, reason: `no Docker engine answers (${why}); .ci/run starts one` };
  }
  const image = run("bash", [path.join(__dirname, "build-image.sh"), TEST_IMAGE], { env });
  if (image.status !== 0) return { ok: false, reason: `cannot build ${TEST_IMAGE}: ${image.stderr.trim()}` };
  return { ok: true };
}

let cached: EngineStatus | undefined;
export function engine(): EngineStatus {
  cached ??= engineStatus();
  return cached;
}

let warned = false;

/** First line of every Docker test: skip, with the reason, when there is no engine. */
export function needEngine(ctx: TestContext): void {
  const e = engine();
  if (e.ok) return;
  // The reporter shows a skip's note only in verbose mode, and hides test console output (silent: passed-only):
  // write past it, once per file, where everyone reads it.
  if (!warned) process.stderr.write(`SKIPPED: the Docker tests of this file: no Docker engine: ${e.reason}\n`);
  warned = true;
  ctx.skip(`no Docker engine: ${e.reason}`);
}

/** The Docker network the program would make for a stack of this subnet (parseConfig's gateway and ipRange). */
export function stackNetworkSpec(name: string, subnet: string): DockerNetworkSpec {
  const raw = stackRaw("dev");
  raw.topology.dockerNetwork = { name, subnet };
  return parse(raw, "kindmesh-test").dockerNetwork;
}

/**
 * `docker network create` arguments for exactly the network components/dockerNetwork.ts registers for this
 * spec (run under the recording mock), so a test network cannot drift from the stack's. An input this does
 * not know how to pass to the CLI fails the test instead of being dropped.
 */
export async function programNetworkArgs(spec: DockerNetworkSpec): Promise<string[]> {
  const run = await underMocks(() => new DockerNetwork("net", { spec }));
  const { name, driver, ipamConfigs, options, ...rest } = named(run.resources, "docker:index/network:Network", "net").inputs as {
    name: string;
    driver: string;
    ipamConfigs: { subnet: string; gateway: string; ipRange: string }[];
    options?: Record<string, string>;
  };
  if (Object.keys(rest).length > 0) throw new Error(`test/docker cannot make a network with ${Object.keys(rest).join(", ")} yet: teach programNetworkArgs`);
  if (ipamConfigs.length !== 1) throw new Error(`expected one IPAM config, got ${JSON.stringify(ipamConfigs)}`);
  const [ipam] = ipamConfigs;
  return [
    "--driver", driver,
    "--subnet", ipam.subnet, "--gateway", ipam.gateway, "--ip-range", ipam.ipRange,
    ...Object.entries(options ?? {}).flatMap(([k, v]) => ["--opt", `${k}=${v}`]),
    name,
  ];
}

/** Networks and containers made by one test file, all removed by `cleanup` (afterAll). */
export class Scratch {
  readonly prefix: string;
  private readonly networks: string[] = [];
  private readonly containers: string[] = [];

  constructor(label: string) {
    this.prefix = `kindmesh-test-${label}-${process.pid}-${randomBytes(2).toString("hex")}`;
  }

  /**
   * A network made exactly as components/dockerNetwork.ts makes the stack's (programNetworkArgs, with
   * parseConfig's gateway and ipRange), on a free /24 of 10.231.0.0/16 (another run may hold one).
   */
  async network(suffix: string): Promise<DockerNetworkSpec> {
    const name = `${this.prefix}-${suffix}`;
    const start = Math.floor(Math.random() * 250);
    for (let i = 0; i < 250; i++) {
      const spec = stackNetworkSpec(name, `10.231.${((start + i) % 250) + 1}.0/24`);
      const r = run("docker", ["network", "create", ...(await programNetworkArgs(spec))]);
      if (r.status === 0) {
        this.networks.push(name);
        return spec;
      }
      if (!/overlap/i.test(r.stderr)) throw new Error(`docker network create ${name} failed: ${r.stderr.trim()}`);
    }
    throw new Error("no free /24 in 10.231.0.0/16 for a test network");
  }

  /** A running busybox container; NET_ADMIN so that it may change its routes (kind nodes are privileged). */
  container(suffix: string, network: string): string {
    return this.containerNamed(`${this.prefix}-${suffix}`, network);
  }

  /** The same, under an exact name (e.g. a node name the program derives); the caller keeps it unique. */
  containerNamed(name: string, network: string): string {
    this.containers.push(name);
    docker("run", "-d", "--name", name, "--network", network, "--cap-add", "NET_ADMIN", TEST_IMAGE);
    return name;
  }

  cleanup(): void {
    if (!engine().ok) return;
    if (this.containers.length > 0) run("docker", ["rm", "-f", ...this.containers]);
    for (const n of this.networks) run("docker", ["network", "rm", n]);
    const left = [...new Set([this.prefix, ...this.containers])]
      .map((n) => run("docker", ["ps", "-aq", "--filter", `name=${n}`]).stdout.trim())
      .filter((out) => out !== "")
      .join(" ");
    const netsLeft = run("docker", ["network", "ls", "-q", "--filter", `name=${this.prefix}`]).stdout.trim();
    if (left !== "" || netsLeft !== "") throw new Error(`test Docker objects left behind: containers ${left || "-"}, networks ${netsLeft || "-"}`);
  }
}

/** A container's IPv4 address on one network, as Docker reports it in `docker network inspect`. */
export function addressOnNetwork(container: string, network: string): string {
  const out = docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}\n{{end}}", network);
  const line = out.split("\n").find((l) => l.startsWith(`${container} `));
  if (!line) throw new Error(`${container} is not on ${network}: ${out}`);
  return line.split(" ")[1].split("/")[0];
}
