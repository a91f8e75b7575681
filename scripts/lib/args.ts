/**
 * Command lines of verify, drill and diagram. Wrong usage is a {@link UserError} with exit code 2 and the
 * usage line; numbers are range-checked.
 */
import { EXIT, UserError } from "./errors";

/** verify and drill options. */
export interface CheckArgs {
  stack: string;
  requests: number;
  alpha: number;
  json: boolean;
  verbose: boolean;
  /** drill only: the locality (or region, or region/zone) whose backends are taken away. */
  fail?: string;
}

export const USAGE = {
  verify: "usage: npm run verify -- <stack> [--requests N] [--alpha A] [--json] [--verbose]",
  drill: "usage: npm run drill -- <stack> --fail <locality> [--requests N] [--alpha A] [--json] [--verbose]",
  diagram: "usage: npm run diagram -- <stack> [--markdown]",
} as const;

type Spec = Record<string, "value" | "flag">;

function split(argv: string[], spec: Spec, usage: string): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const kind = spec[name];
    if (!kind) throw new UserError(`unknown option --${name}\n${usage}`, EXIT.usage);
    if (kind === "flag") options[name] = true;
    else {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UserError(`--${name} needs a value\n${usage}`, EXIT.usage);
      options[name] = value;
    }
  }
  return { positional, options };
}

function number(options: Record<string, string | true>, name: string, fallback: number, ok: (n: number) => boolean, what: string, usage: string): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isFinite(n) || !ok(n)) throw new UserError(`--${name} ${String(raw)} is not ${what}\n${usage}`, EXIT.usage);
  return n;
}

function stackOf(positional: string[], usage: string): string {
  if (positional.length !== 1) throw new UserError(`${positional.length === 0 ? "which stack?" : `one stack, not ${positional.join(" ")}`}\n${usage}`, EXIT.usage);
  return positional[0];
}

/** Parses `verify` (or, with `drill`, `drill`) arguments. */
export function parseCheckArgs(argv: string[], command: "verify" | "drill"): CheckArgs {
  const usage = USAGE[command];
  const spec: Spec = { requests: "value", alpha: "value", json: "flag", verbose: "flag", ...(command === "drill" ? { fail: "value" } : {}) };
  const { positional, options } = split(argv, spec, usage);
  const args: CheckArgs = {
    stack: stackOf(positional, usage),
    requests: number(options, "requests", 300, (n) => Number.isInteger(n) && n >= 10 && n <= 100_000, "a whole number from 10 to 100000", usage),
    alpha: number(options, "alpha", 0.001, (n) => n > 0 && n < 1, "a significance in (0, 1), e.g. 0.001", usage),
    json: options.json === true,
    verbose: options.verbose === true,
  };
  if (command === "drill") {
    if (typeof options.fail !== "string" || options.fail === "") throw new UserError(`--fail <locality> is required\n${usage}`, EXIT.usage);
    args.fail = options.fail;
  }
  return args;
}

/** Parses `diagram` arguments. */
export function parseDiagramArgs(argv: string[]): { stack: string; markdown: boolean } {
  const { positional, options } = split(argv, { markdown: "flag" }, USAGE.diagram);
  return { stack: stackOf(positional, USAGE.diagram), markdown: options.markdown === true };
}
