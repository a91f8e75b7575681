/**
 * The frame every command runs in: any thrown error becomes one message on stderr (and, with --json, a JSON
 * object on stdout) and an exit code; a stack trace only with KINDMESH_DEBUG=1.
 */
import { HelpRequested } from "./args";
import type { Io } from "./client";
import { describeError } from "./errors";

/** Runs a command body and turns whatever it throws into a message and an exit code. */
export async function runCommand(io: Io, argv: string[], body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.out(err.text);
      return 0;
    }
    const { message, exitCode } = describeError(err);
    io.err(`${message}\n`);
    if (process.env.KINDMESH_DEBUG === "1" && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    if (argv.includes("--json")) io.out(`${JSON.stringify({ ok: false, error: message.replace(/^error: /, ""), exitCode }, null, 2)}\n`);
    return exitCode;
  }
}

/** Runs `main` when the file is executed directly (tsx scripts/<cmd>.ts), setting the process exit code. */
export function runMain(module: NodeModule, main: () => Promise<number>): void {
  if (require.main !== module) return;
  void main().then((code) => {
    process.exitCode = code;
  });
}
