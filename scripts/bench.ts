/**
 * npm run bench: evaluates the program under Pulumi's mocks for 2, 4, 8 and 16 clusters and prints the
 * evaluation time, the number of resources, and the longest chain of slow steps (cluster creation, Helm
 * installs, ...) through the dependency graph: what bounds a real `pulumi up`, since Pulumi runs
 * independent steps in parallel.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type Recorded } from "../test/helpers/mocks";
import { parseBenchArgs } from "./lib/args";
import { type Io, processIo } from "./lib/client";
import { runCommand, runMain } from "./lib/command";
import { EXIT } from "./lib/errors";

/** Resource types whose creation takes tens of seconds or minutes on a real machine. */
export const SLOW_TYPES = new Set([
  "command:local:Command",
  "kubernetes:helm.sh/v3:Release",
  "docker:index/network:Network",
]);

/** The stack config the bench evaluates: n clusters on two networks, a backend in each, one client. */
export function benchConfig(n: number): Record<string, string> {
  const clusters = Array.from({ length: n }, (_, i) => ({
    name: `c${i}`,
    network: `net${i % 2}`,
    nodes: [
      { role: "control-plane", locality: `r${i}/z1` },
      { role: "worker", locality: `r${i}/z2` },
    ],
  }));
  const traffic = {
    services: [{ name: "helloworld", localities: clusters.map((c) => c.nodes[0].locality) }],
    clients: [{ locality: "r0/z1" }],
    policies: [{ service: "helloworld", trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1, interval: "1s", baseEjectionTime: "1m" } } }],
  };
  return {
    "kindmesh:topology": JSON.stringify({ dockerNetwork: { subnet: "172.30.0.0/16" }, clusters }),
    "kindmesh:traffic": JSON.stringify(traffic),
  };
}

/** The most slow steps on any path of the dependency graph (a dependency on a component = on its subtree). */
export function longestSlowChain(resources: Recorded[]): number {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
  const subtree = (urn: string): string[] => [urn, ...(children.get(urn) ?? []).flatMap(subtree)];
  const memo = new Map<string, number>();
  const depth = (urn: string, seen: Set<string>): number => {
    if (memo.has(urn)) return memo.get(urn)!;
    if (seen.has(urn)) return 0;
    seen.add(urn);
    const r = byUrn.get(urn);
    if (!r) return 0;
    const before = r.dependencies.flatMap(subtree).filter((d) => d !== urn);
    const longest = Math.max(0, ...before.map((d) => depth(d, seen)));
    const value = longest + (SLOW_TYPES.has(r.type) ? 1 : 0);
    memo.set(urn, value);
    seen.delete(urn);
    return value;
  };
  return Math.max(0, ...resources.map((r) => depth(r.urn, new Set())));
}

async function evaluate(n: number): Promise<{ ms: number; resources: number; chain: number }> {
  for (const key of Object.keys(require.cache)) {
    if (!key.includes("node_modules")) delete require.cache[key];
  }
  pulumi.runtime.setAllConfig(benchConfig(n));
  const mocks = new RecordingMocks(false);
  await pulumi.runtime.setMocks(mocks, "kindmesh", `bench${n}`, false);
  mocks.wrapMonitor();
  // The program logs its traffic tables and warnings; the bench prints only its own table.
  const quiet = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  Object.assign(console, { log: () => {}, info: () => {}, warn: () => {}, error: () => {} });
  const start = performance.now();
  try {
    // index.ts exports the program as one function (export = main): run it, as the Pulumi runtime does.
    const program = require(path.resolve(__dirname, "../index.ts")) as (() => Promise<unknown>) | { default?: () => Promise<unknown> };
    const main = typeof program === "function" ? program : program.default;
    if (main) await main();
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  } finally {
    Object.assign(console, quiet);
  }
  const ms = performance.now() - start;
  return { ms, resources: mocks.resources.length, chain: longestSlowChain(mocks.resources) };
}

async function main(): Promise<void> {
  console.log("clusters  resources  evaluation  longest chain of slow steps");
  for (const n of [2, 4, 8, 16]) {
    const r = await evaluate(n);
    console.log(`${String(n).padStart(8)}  ${String(r.resources).padStart(9)}  ${`${r.ms.toFixed(0)} ms`.padStart(10)}  ${r.chain}`);
  }
}

/** The bench command; returns the exit code (`--help` and unknown options are answered before any evaluation). */
export async function runBench(argv: string[], io: Io, body: () => Promise<void> = main): Promise<number> {
  return runCommand(io, argv, async () => {
    parseBenchArgs(argv);
    await body();
    return EXIT.ok;
  });
}

runMain(module, () => runBench(process.argv.slice(2), processIo()));
