/**
 * Stack files as the Pulumi CLI sees them: Pulumi.yaml merged with Pulumi.<stack>.yaml into the flat
 * `<project>:<key>` config map the SDK reads (objects JSON-stringified, as the CLI does).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const ROOT = path.resolve(__dirname, "../..");

export function projectName(): string {
  const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
  return project.name;
}

/**
 * The stacks this project ships, named: tests of shipped stacks loop over this list, never over the files in
 * the directory, so a user's own `Pulumi.<mine>.yaml` next to them cannot change or break the suite (the
 * product checks a user's stack; the suite checks ours). Add a new shipped stack here, in alphabetical order.
 */
export const SHIPPED = ["cluster-local", "dev", "flat", "hybrid-nodeport", "multinet", "multizone-remote", "primary-remote"] as const;

/** The shipped stacks, after checking that each still has its stack file in `root`. */
export function shippedStacks(root: string = ROOT): string[] {
  const missing = SHIPPED.filter((s) => !fs.existsSync(path.join(root, `Pulumi.${s}.yaml`)));
  if (missing.length > 0) throw new Error(`shipped stacks without a stack file in ${root}: ${missing.join(", ")}`);
  return [...SHIPPED];
}

/** Every `Pulumi.<stack>.yaml` in `root`: shipped ones and any a user added. Tests do not loop over this. */
export function stackFilesIn(root: string = ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The `config:` block of a stack file, keys as written (`kindmesh:topology`). */
export function stackConfig(stack: string): Record<string, unknown> {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  return doc?.config ?? {};
}

/** Pulumi.yaml's project-level `config:` declarations that have a default, as `<project>:<key>` -> default. */
export function projectDefaults(): Record<string, unknown> {
  const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, { default?: unknown }> };
  return Object.fromEntries(
    Object.entries(project.config ?? {})
      .filter(([, decl]) => decl.default !== undefined)
      .map(([key, decl]) => [key.includes(":") ? key : `${project.name}:${key}`, decl.default]),
  );
}

/** What the CLI hands the program: project defaults overlaid by the stack file, every value a string. */
export function cliConfig(stack: string, overrides: Record<string, unknown> = {}, fromFile = true): Record<string, string> {
  const merged = { ...projectDefaults(), ...(fromFile ? stackConfig(stack) : {}), ...overrides };
  const project = projectName();
  return Object.fromEntries(
    Object.entries(merged).map(([key, value]) => {
      const full = key.includes(":") ? key : `${project}:${key}`;
      return [full, typeof value === "string" ? value : JSON.stringify(value)];
    }),
  );
}

/** The raw input of parseConfig for a stack, optionally with parts replaced. */
export function rawConfig(stack: string): { topology?: unknown; traffic?: unknown; versions?: unknown } {
  const c = stackConfig(stack);
  return { topology: c["kindmesh:topology"], traffic: c["kindmesh:traffic"], versions: c["kindmesh:versions"] };
}
