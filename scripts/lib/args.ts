/**
 * Command lines of verify, drill, diagram, check and bench, described once: the parser, `--help` and the
 * README's usage lines come from the same table. `-h`/`--help` prints the help (exit 0); an unknown option,
 * a missing value or a number out of range is a {@link UserError} with exit code 2 and the usage line. The
 * stack is a positional or `-s`/`--stack`, as Pulumi users type it by habit.
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
  /** drill only, instead of `fail`: the cluster whose API server is cut off from the other clusters. */
  isolateApi?: string;
  /** drill only, instead of `fail`: the cluster whose nodes are paused. */
  failCluster?: string;
}

export type CommandName = "verify" | "drill" | "diagram" | "check" | "bench";

interface OptionSpec {
  name: string;
  /** The placeholder of its value; absent for a flag. */
  value?: string;
  help: string;
  /** Given instead of this (required) option: listed in the help, left out of the usage line. */
  insteadOf?: string;
}

interface CommandSpec {
  summary: string;
  /** Whether the command takes a stack (positional, -s or --stack). */
  stack: boolean;
  options: OptionSpec[];
  exitCodes: [number, string][];
  examples: string[];
}

const STACK_OPTION: OptionSpec = { name: "stack", value: "<stack>", help: "the stack (or give it as the first argument)" };
const REQUESTS: OptionSpec = { name: "requests", value: "N", help: "requests per client and service, 10-100000 (default 300)" };
const ALPHA: OptionSpec = { name: "alpha", value: "A", help: "significance of the split test, in (0, 1) (default 0.001)" };
const JSON_FLAG: OptionSpec = { name: "json", help: "print the report as JSON on stdout (for CI)" };
const VERBOSE: OptionSpec = { name: "verbose", help: "list every fact each check saw (by default only the first few)" };
const HELP: OptionSpec = { name: "help", help: "print this help" };
const LIVE_EXIT: [number, string][] = [
  [0, "every check held"],
  [1, "a check failed (the report says which, and why)"],
  [2, "bad command line, or no such stack file"],
  [3, "the lab cannot be checked: not deployed, cluster unreachable, a tool missing"],
  [130, "interrupted (SIGINT); 143: terminated (SIGTERM)"],
];

export const COMMANDS: Record<CommandName, CommandSpec> = {
  check: {
    summary: "Everything `pulumi up` would reject or warn about, then the predicted split; no cluster, no Pulumi CLI.",
    stack: true,
    options: [
      STACK_OPTION,
      { name: "strict", help: "fail (exit 1) on warnings too" },
      { name: "json", help: "print { ok, stack, file, errors, warnings, trafficPlan } as JSON on stdout (for CI)" },
      HELP,
    ],
    exitCodes: [
      [0, "no errors (warnings are shown)"],
      [1, "the stack file has errors (or, with --strict, warnings)"],
      [2, "bad command line, or no such stack file"],
    ],
    examples: ["npm run check -- dev", "npm run check -- -s mine --strict", "npm run check -- --stack mine --json"],
  },
  diagram: {
    summary: "The Mermaid diagram of a stack, from its stack file (checked as `check` does).",
    stack: true,
    options: [STACK_OPTION, { name: "markdown", help: "fence and title it for a README" }, HELP],
    exitCodes: [
      [0, "the diagram is on stdout"],
      [1, "the stack file has errors (run npm run check for the list)"],
      [2, "bad command line, or no such stack file"],
    ],
    examples: ["npm run diagram -- dev", "npm run diagram -- flat --markdown > flat.md"],
  },
  verify: {
    summary: "Is the deployed lab what the stack says? Checks discovery, gateways, pod routes, the shared root, proxy versions and the split.",
    stack: true,
    options: [STACK_OPTION, REQUESTS, ALPHA, JSON_FLAG, VERBOSE, HELP],
    exitCodes: LIVE_EXIT,
    examples: ["npm run verify -- dev", "npm run verify -- -s flat --requests 1000 --json"],
  },
  drill: {
    summary:
      "Takes a locality's backends away (or cuts a cluster's API server off, or pauses a whole cluster), measures where requests go against the model's prediction, and puts it back.",
    stack: true,
    options: [
      STACK_OPTION,
      { name: "fail", value: "<locality>", help: "required: the region, region/zone or locality whose backends are scaled to 0" },
      { name: "isolate-api", value: "<cluster>", insteadOf: "fail", help: "instead of --fail: drop TCP 6443 from the other clusters' nodes in this kind cluster's nodes" },
      { name: "fail-cluster", value: "<cluster>", insteadOf: "fail", help: "instead of --fail: docker pause every node of this kind cluster; the other clusters' nodes reset TCP to it" },
      REQUESTS,
      ALPHA,
      JSON_FLAG,
      VERBOSE,
      HELP,
    ],
    exitCodes: [...LIVE_EXIT.slice(0, 1), [1, "the split was not the predicted one, or the backends could not be restored"], ...LIVE_EXIT.slice(2)],
    examples: [
      "npm run drill -- dev --fail east/zone1",
      "npm run drill -- -s flat --fail region1 --json",
      "npm run drill -- flat --isolate-api cluster2",
      "npm run drill -- primary-remote --fail-cluster remote0",
    ],
  },
  bench: {
    summary: "Evaluates the program under Pulumi's mocks for 2, 4, 8 and 16 clusters: time, resources, longest chain of slow steps.",
    stack: false,
    options: [HELP],
    exitCodes: [
      [0, "the table is on stdout"],
      [1, "an evaluation failed"],
      [2, "bad command line"],
    ],
    examples: ["npm run bench"],
  },
};

/** `usage: npm run <cmd> -- <stack> [--x N] ...`, from the table. */
export function usageLine(command: CommandName): string {
  const spec = COMMANDS[command];
  const parts = spec.options
    .filter((o) => o.name !== "stack" && o.name !== "help" && o.insteadOf === undefined)
    .map((o) => (o.name === "fail" ? `--fail ${o.value}` : `[--${o.name}${o.value ? ` ${o.value}` : ""}]`));
  return `usage: npm run ${command}${spec.stack ? " -- <stack>" : ""}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}`;
}

/** The text `--help` prints. */
export function helpText(command: CommandName): string {
  const spec = COMMANDS[command];
  const flag = (o: OptionSpec) => `${o.name === "stack" ? "-s, " : o.name === "help" ? "-h, " : "    "}--${o.name}${o.value ? ` ${o.value}` : ""}`;
  const width = Math.max(...spec.options.map((o) => flag(o).length));
  return [
    usageLine(command),
    "",
    spec.summary,
    "",
    "options:",
    ...spec.options.map((o) => `  ${flag(o).padEnd(width)}  ${o.help}`),
    "",
    "exit codes:",
    ...spec.exitCodes.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`),
    "",
    "examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}

/** Thrown for -h/--help; the command frame prints `text` on stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super("help");
    this.name = "HelpRequested";
  }
}

interface Parsed {
  stack?: string;
  options: Record<string, string | true>;
}

/** Splits argv by the command's table; throws HelpRequested or a usage UserError. */
export function parseCommandLine(argv: string[], command: CommandName): Parsed {
  const spec = COMMANDS[command];
  const usage = usageLine(command);
  const fail = (message: string): never => {
    throw new UserError(`${message}\n${usage}\n(npm run ${command} -- --help for more)`, EXIT.usage);
  };
  if (argv.includes("-h") || argv.includes("--help")) throw new HelpRequested(helpText(command));
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const [rawName, inline] = (long ? arg.slice(2) : arg.slice(1)).split(/=(.*)/s, 2);
    const name = !long && rawName === "s" ? "stack" : rawName;
    const option = spec.options.find((o) => o.name === name && (long || name === "stack"));
    if (!option) fail(`unknown option ${arg.split("=")[0]}`);
    if (!option!.value) {
      if (inline !== undefined) fail(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) fail(`${long ? `--${name}` : arg} needs a value`);
    options[name] = value;
  }
  if (!spec.stack) {
    if (positional.length > 0) fail(`unexpected argument ${positional.join(" ")}`);
    return { options };
  }
  const fromOption = typeof options.stack === "string" ? [options.stack] : [];
  const stacks = [...new Set([...positional, ...fromOption])];
  if (stacks.length === 0) fail("which stack?");
  if (stacks.length > 1) fail(`one stack, not ${stacks.join(" ")}`);
  return { stack: stacks[0], options };
}

function number(options: Record<string, string | true>, name: string, fallback: number, ok: (n: number) => boolean, what: string, command: CommandName): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isFinite(n) || !ok(n)) {
    throw new UserError(`--${name} ${String(raw)} is not ${what}\n${usageLine(command)}`, EXIT.usage);
  }
  return n;
}

/** Parses `verify` (or, with `drill`, `drill`) arguments. */
export function parseCheckArgs(argv: string[], command: "verify" | "drill"): CheckArgs {
  const { stack, options } = parseCommandLine(argv, command);
  const args: CheckArgs = {
    stack: stack!,
    requests: number(options, "requests", 300, (n) => Number.isInteger(n) && n >= 10 && n <= 100_000, "a whole number from 10 to 100000", command),
    alpha: number(options, "alpha", 0.001, (n) => n > 0 && n < 1, "a significance in (0, 1), e.g. 0.001", command),
    json: options.json === true,
    verbose: options.verbose === true,
  };
  if (command === "drill") {
    const given = (["fail", "isolate-api", "fail-cluster"] as const).filter((o) => typeof options[o] === "string");
    if (given.length === 0) throw new UserError(`--fail <locality> is required (or --isolate-api <cluster>, or --fail-cluster <cluster>)\n${usageLine(command)}`, EXIT.usage);
    if (given.length > 1) throw new UserError(`one drill at a time, not ${given.map((o) => `--${o}`).join(" and ")}\n${usageLine(command)}`, EXIT.usage);
    if (typeof options.fail === "string") args.fail = options.fail;
    if (typeof options["isolate-api"] === "string") args.isolateApi = options["isolate-api"];
    if (typeof options["fail-cluster"] === "string") args.failCluster = options["fail-cluster"];
  }
  return args;
}

/** Parses `diagram` arguments. */
export function parseDiagramArgs(argv: string[]): { stack: string; markdown: boolean } {
  const { stack, options } = parseCommandLine(argv, "diagram");
  return { stack: stack!, markdown: options.markdown === true };
}

/** Parses `check` arguments. */
export function parseStackCheckArgs(argv: string[]): { stack: string; strict: boolean; json: boolean } {
  const { stack, options } = parseCommandLine(argv, "check");
  return { stack: stack!, strict: options.strict === true, json: options.json === true };
}

/** Parses `bench` arguments (there are none but --help). */
export function parseBenchArgs(argv: string[]): void {
  parseCommandLine(argv, "bench");
}
