/**
 * `npm run check -- <stack> [--strict] [--json]`: everything `pulumi up` would reject or warn about, found
 * without the Pulumi CLI or a cluster — then the predicted split, as a preview prints it. Judged by the same
 * checkStack as the program (scripts/lib/loadStack.ts), from the stack file merged as the CLI merges it.
 */
import * as os from "node:os";
import type { StackCheck } from "../model/stackCheck";
import { formatServicePlan } from "../model/traffic/trafficPlan";
import type { Problem } from "../model/types";
import { parseStackCheckArgs } from "./lib/args";
import { type Io, processIo } from "./lib/client";
import { runCommand, runMain } from "./lib/command";
import { EXIT } from "./lib/errors";
import { PROJECT_DIR, checkRawStack, requireStackFile } from "./lib/loadStack";
import { type StackFile, StackFileError, rawConfigOf, readStackFile } from "./lib/stackFile";

/** A problem as check reports it: the config path, and where the file says it (when the path is written there). */
export interface LocatedProblem extends Problem {
  line?: number;
  col?: number;
}

export interface CheckReport {
  ok: boolean;
  stack: string;
  file: string;
  errors: LocatedProblem[];
  warnings: LocatedProblem[];
  /** The `trafficPlan` output `up` would export; absent when there are errors. */
  trafficPlan?: Extract<StackCheck, { ok: true }>["trafficPlan"];
}

function located(file: StackFile, problems: Problem[]): LocatedProblem[] {
  return problems.map((p) => ({ ...p, ...(file.locate(p.path) ?? {}) }));
}

/** Checks one stack from its file. YAML mistakes are errors with their line, like any other. */
export function checkReport(stack: string, opts: { projectDir: string; homeDir: string }): CheckReport {
  requireStackFile(stack, opts.projectDir);
  let file: StackFile;
  try {
    file = readStackFile(stack, opts.projectDir);
  } catch (err) {
    if (!(err instanceof StackFileError)) throw err;
    return { ok: false, stack, file: err.file, errors: err.problems.map((p) => ({ path: "", ...p })), warnings: [] };
  }
  const checked = checkRawStack(stack, rawConfigOf(file), opts);
  return {
    ok: checked.ok,
    stack,
    file: checked.file,
    errors: located(file, checked.errors),
    warnings: located(file, checked.warnings),
    ...(checked.ok ? { trafficPlan: checked.trafficPlan } : {}),
  };
}

function line(file: string, kind: "error" | "warning", p: LocatedProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.col}`;
  return `${where}: ${kind}: ${p.path ? `${p.path}: ` : ""}${p.message}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The text report: problems first (compiler style, file:line:col), then the predicted split. */
export function renderCheck(report: CheckReport, strict: boolean): string {
  const out: string[] = [];
  for (const e of report.errors) out.push(line(report.file, "error", e));
  for (const w of report.warnings) out.push(line(report.file, "warning", w));
  if (out.length > 0) out.push("");
  for (const [service, plan] of Object.entries(report.trafficPlan ?? {})) out.push(formatServicePlan(service, plan), "");
  const counts = `${plural(report.errors.length, "error")}, ${plural(report.warnings.length, "warning")}`;
  const failed = report.errors.length > 0 || (strict && report.warnings.length > 0);
  out.push(
    failed
      ? `check ${report.stack}: ${counts} in ${report.file}; \`npm run up -- ${report.stack}\` would ${report.errors.length > 0 ? "stop before deploying anything" : "deploy, but --strict fails on warnings"}.`
      : `check ${report.stack}: ${counts}; ${report.file} is ready for \`npm run up -- ${report.stack}\`.`,
  );
  return `${out.join("\n")}\n`;
}

/** The check command; returns the exit code. */
export async function runCheck(argv: string[], io: Io, opts: { projectDir?: string; homeDir?: string } = {}): Promise<number> {
  return runCommand(io, argv, async () => {
    const args = parseStackCheckArgs(argv);
    const report = checkReport(args.stack, { projectDir: opts.projectDir ?? PROJECT_DIR, homeDir: opts.homeDir ?? os.homedir() });
    const failed = report.errors.length > 0 || (args.strict && report.warnings.length > 0);
    io.out(args.json ? `${JSON.stringify({ ...report, ok: !failed }, null, 2)}\n` : renderCheck(report, args.strict));
    return failed ? EXIT.failed : EXIT.ok;
  });
}

runMain(module, () => runCheck(process.argv.slice(2), processIo()));
