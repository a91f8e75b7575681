/**
 * Reading a stack's outputs with the Pulumi CLI, on the project's local file backend (Pulumi.yaml's
 * backend.url), with the empty passphrase `npm run up` creates stacks with.
 */
import { UserError } from "./errors";
import { type Runner, firstLines } from "./run";
import { stackNames } from "./stackFile";

/**
 * `pulumi stack output --json --show-secrets --stack <stack>`, parsed. Throws a {@link UserError} that says
 * what to do when the CLI is missing, the stack does not exist or its secrets cannot be decrypted.
 */
export async function readPulumiOutputs(
  stack: string,
  opts: { runner: Runner; projectDir: string; env: NodeJS.ProcessEnv },
): Promise<unknown> {
  const env: NodeJS.ProcessEnv = { ...opts.env, PULUMI_SKIP_UPDATE_CHECK: "true" };
  // Same rule as scripts/pulumi.sh: an unset passphrase means the empty one the stacks were created with.
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) env.PULUMI_CONFIG_PASSPHRASE = "";
  const r = await opts.runner(
    "pulumi",
    ["stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", stack],
    { timeoutMs: 120_000, cwd: opts.projectDir, env },
  );
  if (r.notFound) {
    throw new UserError("the Pulumi CLI is not installed (pulumi is not on PATH)", undefined, "install it: https://www.pulumi.com/docs/install/");
  }
  if (r.code !== 0) {
    if (/no stack named/i.test(r.stderr)) {
      const files = stackNames(opts.projectDir);
      const known = files.includes(stack)
        ? `Pulumi.${stack}.yaml exists, but the stack was never created`
        : `there is no Pulumi.${stack}.yaml either; the shipped stacks are: ${files.join(", ") || "(none found)"}`;
      throw new UserError(`no stack named "${stack}" (${known})`, undefined, `deploy it first: npm run up -- ${stack}`);
    }
    if (/passphrase|decrypt/i.test(r.stderr)) {
      throw new UserError(
        `cannot decrypt the secrets of stack "${stack}": ${firstLines(r.stderr, 1)}`,
        undefined,
        "set PULUMI_CONFIG_PASSPHRASE to the passphrase the stack was created with (npm run up uses an empty one)",
      );
    }
    throw new UserError(`pulumi stack output --stack ${stack} failed: ${firstLines(r.stderr) || `exit code ${r.code}`}`);
  }
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    // Never echo stdout: with --show-secrets it holds kubeconfigs.
    throw new UserError(`pulumi stack output --stack ${stack} printed something that is not JSON`);
  }
}
