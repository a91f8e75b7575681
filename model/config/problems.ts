/**
 * Collecting configuration problems, and the small typed readers that report them with their config path.
 * Every reader records what is wrong and returns `undefined` instead of throwing, so `parseConfig` can report
 * every problem at once.
 */
import type { Problem } from "../types";

/** Thrown by `parseConfig` with every problem found; its message is what the user sees. */
export class ConfigError extends Error {
  readonly problems: Problem[];

  /** `file`: the stack file the user edits, e.g. `Pulumi.mine.yaml`. */
  constructor(problems: Problem[], file = "the stack file") {
    super(formatProblems(problems, file));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function formatProblems(problems: Problem[], file: string): string {
  const n = problems.length;
  const head = `The stack configuration has ${n} problem${n === 1 ? "" : "s"}; nothing was deployed. Fix ${
    n === 1 ? "it" : "them"
  } in ${file}:`;
  return [head, ...problems.map((p) => `  - ${p.path}: ${p.message}`)].join("\n");
}

export class Problems {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/** `a.b`, `a[0]`, or `a["us/west/*"]` for keys that are not identifiers. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A short rendering of a bad value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest candidate when it is close enough to be a likely typo. */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const limit = Math.max(2, Math.floor(value.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** " Did you mean `x`?" or "". */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const hit = closest(value, candidates);
  return hit === undefined ? "" : ` Did you mean "${hit}"?`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object with only the given keys. Unknown keys are errors (a typo must not be silently ignored);
 * returns undefined (and records why) when the value is not an object.
 */
export function readObject(
  p: Problems,
  path: string,
  value: unknown,
  allowed: readonly string[],
  what: string,
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    p.error(path, `must be ${what} (a YAML mapping), got ${show(value)}.`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      p.error(
        childPath(path, key),
        `unknown key "${key}".${didYouMean(key, allowed)} Allowed keys here: ${allowed.join(", ")}.`,
      );
    }
  }
  return value;
}

export function readArray(p: Problems, path: string, value: unknown, what: string): unknown[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.error(path, `must be a list of ${what}, got ${show(value)}.`);
    return undefined;
  }
  return value;
}

export function readString(
  p: Problems,
  path: string,
  value: unknown,
  opts: { default?: string; oneOf?: readonly string[]; hint?: string } = {},
): string | undefined {
  if (value === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.error(path, `is required.${opts.hint ? ` ${opts.hint}` : ""}`);
    return undefined;
  }
  if (typeof value !== "string" || value === "") {
    p.error(path, `must be a non-empty string, got ${show(value)}.${opts.hint ? ` ${opts.hint}` : ""}`);
    return undefined;
  }
  if (opts.oneOf && !opts.oneOf.includes(value)) {
    p.error(
      path,
      `${show(value)} is not allowed.${didYouMean(value, opts.oneOf)} Use one of: ${opts.oneOf.map((v) => `"${v}"`).join(", ")}.`,
    );
    return undefined;
  }
  return value;
}

export function readInteger(
  p: Problems,
  path: string,
  value: unknown,
  opts: { default: number; min: number; max: number },
): number | undefined {
  if (value === undefined) return opts.default;
  if (typeof value !== "number" || !Number.isInteger(value) || value < opts.min || value > opts.max) {
    p.error(path, `must be a whole number from ${opts.min} to ${opts.max}, got ${show(value)}.`);
    return undefined;
  }
  return value;
}

/** DNS-1123 label: what Kubernetes accepts as a namespace or Service name, and Istio as a cluster name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function readDnsLabel(p: Problems, path: string, value: unknown, what: string, fallback?: string): string | undefined {
  const name = readString(p, path, value, { default: fallback });
  if (name === undefined) return undefined;
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    const suggestion = name.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
    p.error(
      path,
      `${show(name)} is not a valid ${what}: use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit${
        suggestion ? ` (e.g. "${suggestion}")` : ""
      }.`,
    );
    return undefined;
  }
  return name;
}
