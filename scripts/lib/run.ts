/**
 * Running a program without a shell. Arguments go to the program as a list, so nothing (a kubeconfig path, a
 * script, a secret) is ever re-parsed by a shell; the runner is injectable so tests can check command lines.
 */
import { execFile } from "node:child_process";

/** What a finished (or failed to start) program left behind. */
export interface RunResult {
  /** Exit code; null when it was killed (timeout) or never started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The program is not on PATH. */
  notFound?: boolean;
  /** Killed after `timeoutMs`. */
  timedOut?: boolean;
}

/** How to run one program. */
export interface RunOptions {
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `file` with `args`, never through a shell. Resolves (does not reject) with the outcome. */
export type Runner = (file: string, args: string[], opts: RunOptions) => Promise<RunResult>;

// config_dump?include_eds of a sidecar in a small mesh is a few MB; leave ample room.
const MAX_BUFFER = 256 * 1024 * 1024;

/** The real runner: `child_process.execFile`, no shell. */
export const execFileRunner: Runner = (file, args, opts) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs, cwd: opts.cwd, env: opts.env, maxBuffer: MAX_BUFFER, windowsHide: true, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
        if (e.code === "ENOENT") return resolve({ code: null, stdout: "", stderr: e.message, notFound: true });
        const code = typeof e.code === "number" ? e.code : null;
        resolve({ code, stdout: stdout ?? "", stderr: stderr || e.message, timedOut: code === null && e.killed === true });
      },
    );
  });

/** The first lines of a program's stderr, for a message (never its stdout, which may hold secrets). */
export function firstLines(text: string, n = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(0, n)
    .join(" / ");
}
