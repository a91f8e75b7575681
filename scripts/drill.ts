/**
 * `npm run drill -- <stack> --fail <locality> [--requests N] [--alpha A] [--json] [--verbose]`: take a
 * locality's backends away (scale to 0), measure where the traffic goes, compare with the model's prediction
 * for that failure, and put the backends back — also when a step fails or Ctrl-C arrives.
 * `--isolate-api <cluster>` and `--fail-cluster <cluster>` break a whole cluster instead (lib/clusterDrill.ts).
 */
import { overallVerdict, type SplitResult, type VerifyReport } from "../model/verify/verifyReport";
import { parseCheckArgs } from "./lib/args";
import { type Clock, type ClusterClient, type Io, type SignalSource, processIo, realClock } from "./lib/client";
import { runClusterDrill } from "./lib/clusterDrill";
import { clusterDrillOf } from "./lib/clusterDrillArgs";
import { type DockerHost, dockerCli } from "./lib/docker";
import { runCommand, runMain } from "./lib/command";
import { PROJECT_DIR, requireStackFile } from "./lib/stackFile";
import { diagnoseSplit } from "./lib/diagnose";
import { type DrillTarget, drillTargets, restoreTargets, scaleTargets, waitEndpointsGone } from "./lib/drillSteps";
import { EXIT } from "./lib/errors";
import { kubectlClient } from "./lib/kubectl";
import { type Lab, openLab } from "./lib/lab";
import { predictFor } from "./lib/prediction";
import { Progress, renderReport } from "./lib/render";
import { withRestore } from "./lib/restore";
import { type SplitPlan, measureSplit } from "./lib/split";

/** What the drill needs from outside; tests inject all of it. */
export interface DrillDeps {
  client: ClusterClient;
  io: Io;
  signals: SignalSource;
  /** Ends the process after a signal-triggered restore. */
  exit: (code: number) => void;
  clock: Clock;
  /** The cluster drills act on kind's node containers. */
  docker?: DockerHost;
  /** Cluster drills: how long the broken state settles before it is observed. @default 30 s */
  settleMs?: number;
}

/** The splits to measure: each client, for each service that lost backends, predicted for that failure. */
export function drillPlans(lab: Lab, targets: DrillTarget[], fail: string): SplitPlan[] {
  const { workloads, trafficModel, clusters } = lab.outputs;
  return workloads.services
    .filter((s) => targets.some((t) => t.service === s.name) && trafficModel[s.name] !== undefined)
    .flatMap((service) =>
      workloads.clients.map((client) => {
        const ref = { ...client, network: clusters[client.cluster]?.network };
        return { service, client, predicted: predictFor(trafficModel[service.name], ref, fail).shares };
      }),
    );
}

/** The drill command; returns the exit code. */
export async function runDrill(argv: string[], deps: DrillDeps): Promise<number> {
  return runCommand(deps.io, argv, async () => {
    const args = parseCheckArgs(argv, "drill");
    requireStackFile(args.stack, PROJECT_DIR);
    const cluster = clusterDrillOf(args);
    if (cluster) {
      try {
        return await runClusterDrill(cluster, { ...deps, docker: deps.docker ?? dockerCli() });
      } finally {
        await deps.client.close();
      }
    }
    const fail = args.fail ?? "";
    try {
      const lab = await openLab(deps.client, args.stack);
      const targets = await drillTargets(lab, fail);
      let restoreProblems: string[] = [];
      const restore = async () => {
        deps.io.err(`restoring ${targets.map((t) => `${t.deployment} (${t.replicas})`).join(", ")}…\n`);
        restoreProblems = await restoreTargets(lab, targets, deps.clock);
        deps.io.err(restoreProblems.length === 0 ? "backends restored\n" : `RESTORE INCOMPLETE:\n  ${restoreProblems.join("\n  ")}\n`);
      };
      const guard = { signals: deps.signals, io: deps.io, exit: deps.exit };
      const outcome = await withRestore(restore, guard, async (aborted) => {
        deps.io.err(`taking ${fail} away: scaling ${targets.map((t) => `${t.cluster}/${t.deployment}`).join(", ")} to 0\n`);
        await scaleTargets(lab, targets, () => 0);
        await waitEndpointsGone(lab, targets, fail, deps.clock, aborted);
        const splits: SplitResult[] = [];
        const progress = new Progress(deps.io);
        for (const plan of drillPlans(lab, targets, fail)) {
          if (aborted()) break;
          const label = `${plan.service.name} from ${plan.client.locality} without ${fail}`;
          const split = await measureSplit(lab, plan, { requests: args.requests, alpha: args.alpha, aborted, progress: (d, t) => progress.update(label, d, t) });
          progress.done();
          if (!split.ok && split.pod && !aborted()) split.diagnosis = await diagnoseSplit(lab, split, [], fail);
          splits.push(split);
        }
        return splits;
      });
      const splits = outcome.value;
      const restored = restoreProblems.length === 0;
      const extra = [...(restored ? [] : ["restore"]), ...(outcome.interrupted ? [`interrupted by ${outcome.interrupted}`] : [])];
      const { ok, verdict } = overallVerdict("drill", lab.stack, [], splits, extra);
      const report: VerifyReport = {
        command: "drill",
        stack: lab.stack,
        ok,
        checks: [],
        splits,
        verdict,
        drill: { locality: fail, scaled: targets.map(({ cluster, namespace, deployment, replicas }) => ({ cluster, namespace, deployment, replicas })), restored, restoreProblems },
      };
      deps.io.out(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, args.verbose));
      if (outcome.interrupted) return outcome.interrupted === "SIGINT" ? EXIT.interrupted : EXIT.terminated;
      return ok ? EXIT.ok : EXIT.failed;
    } finally {
      await deps.client.close();
    }
  });
}

runMain(module, () =>
  runDrill(process.argv.slice(2), {
    client: kubectlClient(),
    io: processIo(),
    signals: process,
    exit: (code) => process.exit(code),
    clock: realClock,
    docker: dockerCli(),
  }),
);
