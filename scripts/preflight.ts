/**
 * `tsx scripts/preflight.ts up|refresh <stack> [projectDir] [stateFile]`, run by scripts/pulumi.sh (not a user
 * command; stateFile: the stack's `pulumi stack export`, to know the networks it already owns):
 * prints one line per problem that must stop Pulumi from starting on stdout (nothing when all is well) and notes
 * on stderr; exit 0 either way (the wrapper lists the lines with its own), non-zero only when it could not check.
 *   up:      the stack's Docker subnet overlaps a network on the engine (the stack's own network is fine), or
 *            kubectl is missing while the stack has an existing cluster;
 *   refresh: a kind cluster of the stack is down (its provider would drop what is in it); one that is gone is a note.
 */
import { spawnSync } from "node:child_process";
import { nodeKubectl } from "../model/build/nodeScript";
import { ConfigError, parseConfig } from "../model/config/spec";
import type { MeshSpec } from "../model/types";
import * as fs from "node:fs";
import { StackFileError } from "./lib/stackFile";
import { type ControlPlaneProbe, kubectlProblems, ownedNetworks, parseNetworkInspect, readStackRaw, refreshCheck, subnetOverlaps } from "./lib/preflight";

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "").trim() || (r.error ? String(r.error) : "") };
}

function docker(args: string[]): string {
  const r = run("docker", args);
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Every network on the engine with its IPv4 subnets. */
function engineNetworks() {
  const ids = docker(["network", "ls", "-q"]).split("\n").filter((id) => id !== "");
  return ids.length === 0 ? [] : parseNetworkInspect(docker(["network", "inspect", ...ids]));
}

/** The control-plane container: running? and does its API server answer, asked inside it (no host kubectl). */
function probe(controlPlane: string): ControlPlaneProbe {
  const state = run("docker", ["inspect", "-f", "{{.State.Running}}", controlPlane]);
  if (state.status !== 0) {
    const detail = state.stderr.split("\n")[0];
    return { state: /no such (object|container)/i.test(detail) ? "missing" : "unknown", ready: false, detail };
  }
  if (state.stdout.trim() !== "true") return { state: "stopped", ready: false, detail: "" };
  const ready = run("/bin/sh", ["-c", nodeKubectl(controlPlane, "get --raw /readyz")]);
  return { state: "running", ready: ready.status === 0, detail: ready.status === 0 ? "" : ready.stderr.split("\n").pop() ?? "" };
}

export function main(argv: string[]): number {
  const [mode, stack, projectDir = process.cwd(), stateFile] = argv;
  if ((mode !== "up" && mode !== "refresh") || !stack) {
    process.stderr.write("usage: tsx scripts/preflight.ts up|refresh <stack> [projectDir] [stateFile]\n");
    return 2;
  }
  let spec: MeshSpec;
  try {
    spec = parseConfig(readStackRaw(projectDir, stack), { stack });
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof StackFileError)) throw err;
    // `up` reports every problem of the stack file itself, with paths; only refresh needs the clusters now.
    if (mode === "refresh") process.stdout.write(`Pulumi.${stack}.yaml has errors, so its clusters are unknown; fix them first (npm run check -- ${stack} lists them).\n`);
    return 0;
  }
  const owned = stateFile && fs.existsSync(stateFile) ? ownedNetworks(fs.readFileSync(stateFile, "utf8")) : [];
  const hasKubectl = run("/bin/sh", ["-c", "command -v kubectl"]).status === 0;
  if (mode === "up") {
    for (const p of [...subnetOverlaps(stack, spec.dockerNetwork, engineNetworks(), owned), ...kubectlProblems(spec, hasKubectl)]) process.stdout.write(`${p}\n`);
    return 0;
  }
  const { problems, notes } = refreshCheck(spec, probe);
  for (const p of problems) process.stdout.write(`${p}\n`);
  for (const n of notes) process.stderr.write(`kindmesh: note: ${n}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
