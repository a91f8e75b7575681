/**
 * Runs a piece of Pulumi code (usually `new SomeComponent(...)`) under the recording mock, outside the
 * program, so a component can be tested with exactly the args a test builds.
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type Recorded } from "./mocks";

export interface ComponentRun<T> {
  value: T;
  mocks: RecordingMocks;
  resources: Recorded[];
}

export async function underMocks<T>(
  build: () => T,
  opts: { preview?: boolean; stack?: string; config?: Record<string, string> } = {},
): Promise<ComponentRun<T>> {
  const preview = opts.preview ?? false;
  pulumi.runtime.setAllConfig(opts.config ?? {});
  const mocks = new RecordingMocks(preview);
  await pulumi.runtime.setMocks(mocks, "kindmesh", opts.stack ?? "test", preview);
  mocks.wrapMonitor();
  const value = build();
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { value, mocks, resources: mocks.resources };
}

/** The resolved value of an output; `undefined` (after a short wait) when it is unknown, as in preview. */
export async function resolve<T>(output: pulumi.Input<T> | undefined, timeoutMs = 1000): Promise<T | undefined> {
  if (output === undefined) return undefined;
  const out = pulumi.output(output);
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs));
  return Promise.race([new Promise<T>((r) => out.apply((v) => r(v as T))), timeout]);
}

/** Whether an output is a secret. */
export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** The URN-less identity used in dependency lists: the resource's URN by type and name. */
export function urnOf(resources: Recorded[], type: string, name: string): string {
  const hit = resources.find((r) => r.type === type && r.name === name);
  if (!hit) throw new Error(`no ${type} named ${name}; have: ${resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
  return hit.urn;
}

export function byType(resources: Recorded[], type: string): Recorded[] {
  return resources.filter((r) => r.type === type);
}

export function named(resources: Recorded[], type: string, name: string): Recorded {
  const hit = resources.find((r) => r.type === type && r.name === name);
  if (!hit) throw new Error(`no ${type} named ${name}; have: ${byType(resources, type).map((r) => r.name).join(", ") || "none of that type"}`);
  return hit;
}
