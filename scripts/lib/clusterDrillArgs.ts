/**
 * Command line of the cluster drills (`--isolate-api <cluster>`, `--fail-cluster <cluster>`), parsed the way
 * args.ts parses verify and drill: wrong usage is a {@link UserError} with exit code 2 and the usage lines.
 */
import { EXIT, UserError } from "./errors";

export type ClusterDrillMode = "isolate-api" | "fail-cluster";

export interface ClusterDrillArgs {
  stack: string;
  mode: ClusterDrillMode;
  /** The cluster whose API server is cut off, or whose nodes are paused. */
  cluster: string;
  requests: number;
  alpha: number;
  json: boolean;
  verbose: boolean;
  help: boolean;
}

export const CLUSTER_DRILL_USAGE = [
  "usage: npm run drill -- <stack> --isolate-api <cluster> [--requests N] [--alpha A] [--json] [--verbose]",
  "       npm run drill -- <stack> --fail-cluster <cluster> [--requests N] [--alpha A] [--json] [--verbose]",
].join("\n");

/** `--help` of the drill command: the three drills, what each does and how it restores. */
export const DRILL_HELP = `npm run drill -- <stack> <drill> [--requests N] [--alpha A] [--json] [--verbose]

Break one thing in a deployed stack on purpose, measure every client's split against the model's prediction
for that failure, and put everything back (also on Ctrl-C / SIGTERM and when a step fails).

  --fail <locality>         scale the backends of a locality (or region, or region/zone) to 0
  --isolate-api <cluster>   drop TCP 6443 from the other clusters' nodes inside the cluster's node containers
                            (iptables): its API server is unreachable for the other istiods, its pods keep
                            running. Predicted: unchanged splits (istiod keeps serving the endpoints it last
                            saw). Reports discovery (/debug/clusterz), istiod readiness and log errors in the
                            other primaries, and the time until they reach it and report it synced again.
  --fail-cluster <cluster>  docker pause every node of the cluster. Predicted: the model with that cluster's
                            endpoints removed. Reports the same, and the time to recover after docker unpause.

  --requests N   requests per client (10..100000, default 300)
  --alpha A      significance of the split test (default 0.001)
  --json         the report as JSON on stdout
  --verbose      more detail
  --help         this text

Exit codes: 0 held, 1 a check failed or the restore did not finish, 2 usage, 3 lab unreachable, 130/143 signal.
`;

const MODES: ClusterDrillMode[] = ["isolate-api", "fail-cluster"];

/** Whether argv asks for a cluster drill (so drill.ts hands it here). */
export function isClusterDrill(argv: string[]): boolean {
  return argv.some((a) => MODES.some((m) => a === `--${m}` || a.startsWith(`--${m}=`)));
}

function numberOption(raw: string | undefined, name: string, fallback: number, ok: (n: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !ok(n)) throw new UserError(`--${name} ${raw} is not ${what}\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
  return n;
}

export function parseClusterDrillArgs(argv: string[]): ClusterDrillArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  const valued = ["isolate-api", "fail-cluster", "requests", "alpha"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (["json", "verbose", "help"].includes(name)) flags.add(name);
    else if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--") || value === "") throw new UserError(`--${name} needs a value\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
      if (values[name] !== undefined) throw new UserError(`--${name} given twice\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
      values[name] = value;
    } else throw new UserError(`unknown option --${name}\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
  }
  const help = flags.has("help");
  const modes = MODES.filter((m) => values[m] !== undefined);
  if (!help && modes.length !== 1) throw new UserError(`one drill at a time: --isolate-api or --fail-cluster\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
  if (!help && positional.length !== 1) {
    throw new UserError(`${positional.length === 0 ? "which stack?" : `one stack, not ${positional.join(" ")}`}\n${CLUSTER_DRILL_USAGE}`, EXIT.usage);
  }
  const mode = modes[0] ?? "isolate-api";
  return {
    stack: positional[0] ?? "",
    mode,
    cluster: values[mode] ?? "",
    requests: numberOption(values.requests, "requests", 300, (n) => Number.isInteger(n) && n >= 10 && n <= 100_000, "a whole number from 10 to 100000"),
    alpha: numberOption(values.alpha, "alpha", 0.001, (n) => n > 0 && n < 1, "a significance in (0, 1), e.g. 0.001"),
    json: flags.has("json"),
    verbose: flags.has("verbose"),
    help,
  };
}
