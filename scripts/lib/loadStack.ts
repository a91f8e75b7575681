/**
 * The I/O around {@link checkStack}: the other stack files of the project (for collisions) and the existing
 * clusters' kubeconfig files. config.ts (for `pulumi up`/`preview`) and the offline commands (check, diagram)
 * both come through here, so the program and the commands judge a stack the same way.
 */
import { kubeconfigProblems } from "../../components/existingCluster";
import type { ClusterSpec } from "../../model/types";
import { type RawConfig, type StackCheck, checkStack } from "../../model/stackCheck";
import { PROJECT_DIR, rawConfigOf, readStackFile, requireStackFile, stackNames } from "./stackFile";

export { PROJECT_DIR, requireStackFile };


/** Every other stack file that reads cleanly; a broken one is its own check's business. */
export function otherStacks(stack: string, projectDir: string): { stack: string; raw: RawConfig }[] {
  return stackNames(projectDir)
    .filter((s) => s !== stack)
    .flatMap((s) => {
      try {
        return [{ stack: s, raw: rawConfigOf(readStackFile(s, projectDir)) }];
      } catch {
        return [];
      }
    });
}

/** Checks a stack from config values the caller already has (config.ts: from the CLI). */
export function checkRawStack(stack: string, raw: RawConfig, opts: { projectDir: string; homeDir: string }): StackCheck {
  return checkStack({
    stack,
    raw,
    others: otherStacks(stack, opts.projectDir),
    kubeconfigProblems: (c: ClusterSpec) => kubeconfigProblems([c], opts.homeDir),
  });
}

/** Checks a stack from its file, as the CLI would merge it; YAML mistakes throw a StackFileError. */
export function checkStackFile(stack: string, opts: { projectDir: string; homeDir: string }): StackCheck {
  requireStackFile(stack, opts.projectDir);
  return checkRawStack(stack, rawConfigOf(readStackFile(stack, opts.projectDir)), opts);
}
