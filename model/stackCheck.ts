/**
 * The one path from a stack's raw config values to what `pulumi up` deploys: the validated spec and its
 * warnings, the mesh plan and the predicted split — or every problem at once. index.ts (through config.ts),
 * `npm run check` and `npm run diagram` all call {@link checkStack}, so they can never disagree about a stack.
 * Pure: what needs I/O (other stack files, existing clusters' kubeconfigs) comes in already read.
 */
import { planMesh, type MeshPlan } from "./build/plan";
import { footprintOf, stackCollisions } from "./config/collisions";
import { ConfigError, parseConfig } from "./config/spec";
import type { RootCaInput } from "./config/rootCa";
import { planTraffic } from "./traffic/trafficPlan";
import type { ClusterSpec, MeshSpec, Problem, TrafficPlan } from "./types";

/** parseConfig's input: the kindmesh: keys as the CLI hands them over. */
export interface RawConfig {
  topology?: unknown;
  traffic?: unknown;
  versions?: unknown;
  rootCa?: RootCaInput;
  unknownKeys?: string[];
}

export interface StackCheckInput {
  stack: string;
  raw: RawConfig;
  /** The other stack files of the project, for collisions; one that does not parse is skipped (its own check reports it). */
  others?: { stack: string; raw: RawConfig }[];
  /** Problems reading one existing cluster's kubeconfig (the caller reads the file); none when absent. */
  kubeconfigProblems?: (cluster: ClusterSpec) => string[];
}

export type StackCheck =
  | { ok: true; stack: string; file: string; errors: []; warnings: Problem[]; spec: MeshSpec; plan: MeshPlan; trafficPlan: TrafficPlan }
  | { ok: false; stack: string; file: string; errors: Problem[]; warnings: Problem[] };

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

function tryParse(stack: string, raw: RawConfig): MeshSpec | ConfigError {
  try {
    return parseConfig(raw, { stack });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

export function checkStack(input: StackCheckInput): StackCheck {
  const { stack } = input;
  const file = stackFileName(stack);
  const parsed = tryParse(stack, input.raw);
  if (parsed instanceof ConfigError) return { ok: false, stack, file, errors: parsed.problems, warnings: [] };
  const spec = parsed;
  const errors: Problem[] = [];
  for (const c of spec.clusters.filter((x) => x.kind === "existing")) {
    for (const message of input.kubeconfigProblems?.(c) ?? []) errors.push({ path: `topology.clusters[${c.index}].kubeconfig`, message });
  }
  // Only "say so": a collision matters when both stacks are up at once, which only the engine knows.
  const others = (input.others ?? [])
    .filter((o) => o.stack !== stack)
    .map((o) => ({ o, spec: tryParse(o.stack, o.raw) }))
    .flatMap(({ o, spec: s }) => (s instanceof ConfigError ? [] : [footprintOf(s, stackFileName(o.stack))]));
  const warnings = [...spec.warnings, ...stackCollisions(footprintOf(spec, file), others)];
  if (errors.length > 0) return { ok: false, stack, file, errors, warnings };
  const plan = planMesh(spec);
  return { ok: true, stack, file, errors: [], warnings, spec: { ...spec, warnings }, plan, trafficPlan: planTraffic(spec, plan) };
}

/** The message `up` ends with, and `check` prints: every problem, in the stack's own file. */
export function formatErrors(check: { errors: Problem[]; file: string }): string {
  return new ConfigError(check.errors, check.file).message;
}
