/**
 * Errors the commands turn into one clear message and an exit code, never a stack trace.
 */

/** Exit codes of verify, drill and diagram. */
export const EXIT = {
  /** Every check held. */
  ok: 0,
  /** The commands ran, and a check failed (or the drill could not restore the backends). */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The lab cannot be checked: no such stack, not deployed, cluster unreachable, kubeconfig missing, tool missing. */
  environment: 3,
  /** Interrupted by SIGINT (128 + 2, as shells report it). */
  interrupted: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

/** A problem the user can fix; `message` says what is wrong and `hint` what to do. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.environment,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** A kubectl call that failed; `unreachable` when the API server could not be reached at all. */
export class KubeError extends Error {
  constructor(
    readonly cluster: string,
    message: string,
    readonly unreachable = false,
  ) {
    super(message);
    this.name = "KubeError";
  }
}

/** The text a user sees for any thrown value: a message (and a hint), never a stack trace. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UserError) {
    return { message: `error: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ""}`, exitCode: err.exitCode };
  }
  if (err instanceof KubeError) {
    return { message: `error: cluster ${err.cluster}: ${err.message}`, exitCode: err.unreachable ? EXIT.environment : EXIT.failed };
  }
  const text = err instanceof Error ? err.message : String(err);
  return {
    message: `error: ${text}\n  (an unexpected error; set KINDMESH_DEBUG=1 for the stack trace, and please report it)`,
    exitCode: EXIT.failed,
  };
}
