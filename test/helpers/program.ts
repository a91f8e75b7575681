/**
 * Runs the Pulumi program (index.ts) in-process under the recording mock, for one stack, in normal or
 * preview mode, and returns what it registered and exported.
 */
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { RecordingMocks, type Recorded } from "./mocks";
import { cliConfig, projectName } from "./stacks";

export interface ProgramRun {
  mocks: RecordingMocks;
  resources: Recorded[];
  /** The module's exports (stack outputs), resolved; undefined where unknown in preview. */
  outputs: Record<string, unknown>;
  /** The exports as the program made them, to check secrecy. */
  raw: Record<string, unknown>;
}

async function settle<T>(value: T, timeoutMs: number): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return value;
  const output = value as unknown as pulumi.Output<unknown>;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
  return Promise.race([new Promise((resolve) => output.apply((v) => resolve(v))), timeout]);
}

/**
 * Imports the program afresh and runs it: index.ts exports one async function (it awaits its preflight invokes
 * before registering resources), and Pulumi takes what it returns as the stack outputs.
 */
async function evaluate(): Promise<Record<string, unknown>> {
  const mod = (await import("../..")) as { default?: unknown };
  const main = (mod.default ?? mod) as unknown;
  if (typeof main !== "function") throw new Error("index.ts must export the program as one function (export = main)");
  return (await (main as () => Promise<Record<string, unknown>>)()) ?? {};
}

export async function runProgram(
  stack: string,
  opts: { preview?: boolean; config?: Record<string, unknown>; secretKeys?: string[]; timeoutMs?: number; withoutStackFile?: boolean } = {},
): Promise<ProgramRun> {
  const preview = opts.preview ?? false;
  vi.resetModules();
  pulumi.runtime.setAllConfig(cliConfig(stack, opts.config, !opts.withoutStackFile), opts.secretKeys);
  const mocks = new RecordingMocks(preview);
  await pulumi.runtime.setMocks(mocks, projectName(), stack, preview);
  mocks.wrapMonitor();
  const raw = await evaluate();
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    outputs[key] = await settle(value, opts.timeoutMs ?? (preview ? 200 : 5000));
  }
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { mocks, resources: mocks.resources, outputs, raw };
}

/** The outputs as `pulumi stack output --json` shows them without --show-secrets: secrets as "[secret]". */
export async function shownOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(output)) return "[secret]";
    return shownOutputs(await settle(output, 1000));
  }
  if (Array.isArray(value)) return Promise.all(value.map(shownOutputs));
  if (value && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await shownOutputs(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Runs a program that must fail; returns the error and what was registered before it. */
export async function runProgramExpectingError(
  stack: string,
  opts: { config?: Record<string, unknown> } = {},
): Promise<{ error: Error; resources: Recorded[] }> {
  vi.resetModules();
  pulumi.runtime.setAllConfig(cliConfig(stack, opts.config));
  const mocks = new RecordingMocks(false);
  await pulumi.runtime.setMocks(mocks, projectName(), stack, false);
  mocks.wrapMonitor();
  try {
    await evaluate();
  } catch (error) {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { error: error as Error, resources: mocks.resources };
  }
  throw new Error(`expected the ${stack} program to fail`);
}

/** The one resource of this type and name, or a failing assertion that lists what there is. */
export function resource(run: ProgramRun, type: string, name: string): Recorded {
  const hit = run.resources.find((r) => r.type === type && r.name === name);
  if (!hit) {
    const known = run.resources.filter((r) => r.type === type).map((r) => r.name);
    throw new Error(`no ${type} named ${name}; registered: ${known.join(", ") || "none of that type"}`);
  }
  return hit;
}

export function ofType(run: ProgramRun, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}
