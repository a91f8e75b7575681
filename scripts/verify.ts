/**
 * `npm run verify -- <stack> [--requests N] [--alpha A] [--json] [--verbose]`: is the deployed lab what the
 * stack says? Runs the checks the README lists (discovery, east-west gateways, pod routes, shared root, traffic split) against the live clusters and exits 0 only if every one holds.
 */
import { overallVerdict, type CheckResult, type SplitResult, type VerifyReport } from "../model/verify/verifyReport";
import { type CheckArgs, parseCheckArgs } from "./lib/args";
import { type ClusterClient, type Io, processIo } from "./lib/client";
import { runCommand, runMain } from "./lib/command";
import { PROJECT_DIR, requireStackFile } from "./lib/stackFile";
import { diagnoseSplit } from "./lib/diagnose";
import { EXIT, KubeError } from "./lib/errors";
import { kubectlClient } from "./lib/kubectl";
import { type Lab, openLab } from "./lib/lab";
import { checkDiscovery, checkSharedRoot } from "./lib/meshChecks";
import { checkGateways, checkPodRoutes } from "./lib/networkChecks";
import { checkProxyVersions } from "./lib/versionChecks";
import { Progress, renderReport } from "./lib/render";
import { type SplitPlan, measureSplit, plannedShares } from "./lib/split";
import { planKeyFor } from "../model/traffic/planKeys";

/** What verify needs from outside; tests inject a fake client. */
export interface VerifyDeps {
  client: ClusterClient;
  io: Io;
}

/** Runs one check; an unexpected failure inside it fails that check, not the whole run. */
async function guarded(id: CheckResult["id"], title: string, io: Io, run: () => Promise<CheckResult>): Promise<CheckResult> {
  if (io.stderrIsTTY) io.err(`checking ${title}…\n`);
  try {
    return await run();
  } catch (err) {
    const why = err instanceof KubeError ? `cluster ${err.cluster}: ${err.message}` : err instanceof Error ? err.message : String(err);
    return { id, title, ok: false, details: [], problems: [`the check could not finish: ${why}`] };
  }
}

/** Every (service, client) pair the traffic plan predicts a split for. */
export function splitPlans(lab: Lab): { plans: SplitPlan[]; notes: string[] } {
  const plans: SplitPlan[] = [];
  const notes: string[] = [];
  for (const [name, plan] of Object.entries(lab.outputs.trafficPlan)) {
    const service = lab.outputs.workloads.services.find((s) => s.name === name);
    if (!service) {
      notes.push(`trafficPlan has service ${name}, which workloads does not list: not measured`);
      continue;
    }
    for (const client of lab.outputs.workloads.clients) {
      // Keyed by locality, or by locality@cluster where clients there get different plans (model/traffic/planKeys.ts).
      const key = planKeyFor(plan, client);
      const predicted = key === undefined ? undefined : plannedShares(plan, key);
      if (predicted) plans.push({ service, client, predicted });
      else notes.push(`trafficPlan.${name} has no prediction for client ${client.name} in ${client.locality} (cluster ${client.cluster}): not measured`);
    }
  }
  return { plans, notes };
}

/** Runs every check and split on an open lab. */
export async function verifyLab(lab: Lab, args: CheckArgs, io: Io): Promise<VerifyReport> {
  const checks = [
    await guarded("discovery", "discovery", io, () => checkDiscovery(lab)),
    await guarded("gateways", "east-west gateways", io, () => checkGateways(lab)),
    await guarded("podRoutes", "pod routes", io, () => checkPodRoutes(lab)),
    await guarded("sharedRoot", "shared root", io, () => checkSharedRoot(lab)),
    await guarded("proxyVersions", "proxy versions", io, () => checkProxyVersions(lab)),
  ];
  const { plans, notes } = splitPlans(lab);
  const splits: SplitResult[] = [];
  const progress = new Progress(io);
  for (const plan of plans) {
    const label = `${plan.service.name} from ${plan.client.locality}`;
    const split = await measureSplit(lab, plan, { requests: args.requests, alpha: args.alpha, progress: (d, t) => progress.update(label, d, t) });
    progress.done();
    if (!split.ok && split.pod) split.diagnosis = await diagnoseSplit(lab, split, checks);
    splits.push(split);
  }
  const { ok, verdict } = overallVerdict("verify", lab.stack, checks, splits);
  return { command: "verify", stack: lab.stack, ok, checks, splits, verdict, ...(notes.length > 0 ? { notes } : {}) };
}

/** The verify command; returns the exit code. */
export async function runVerify(argv: string[], deps: VerifyDeps): Promise<number> {
  return runCommand(deps.io, argv, async () => {
    const args = parseCheckArgs(argv, "verify");
    requireStackFile(args.stack, PROJECT_DIR);
    try {
      const lab = await openLab(deps.client, args.stack);
      const report = await verifyLab(lab, args, deps.io);
      deps.io.out(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, args.verbose));
      return report.ok ? EXIT.ok : EXIT.failed;
    } finally {
      await deps.client.close();
    }
  });
}

runMain(module, () => runVerify(process.argv.slice(2), { client: kubectlClient(), io: processIo() }));
