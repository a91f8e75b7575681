/**
 * The cluster drills' arguments, taken from the drill's command line (args.ts parses it, with `--help`):
 * `--isolate-api <cluster>` or `--fail-cluster <cluster>` instead of `--fail <locality>`.
 */
import type { CheckArgs } from "./args";

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
}

/** The cluster drill the parsed drill arguments ask for, if any. */
export function clusterDrillOf(args: CheckArgs): ClusterDrillArgs | undefined {
  const common = { stack: args.stack, requests: args.requests, alpha: args.alpha, json: args.json, verbose: args.verbose };
  if (args.isolateApi !== undefined) return { ...common, mode: "isolate-api", cluster: args.isolateApi };
  if (args.failCluster !== undefined) return { ...common, mode: "fail-cluster", cluster: args.failCluster };
  return undefined;
}
