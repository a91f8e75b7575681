/** A recording {@link Io} for command tests. */
import type { Io } from "../../../scripts/lib/client";

export interface RecordingIo extends Io {
  stdout: string[];
  stderr: string[];
  /** Everything written to stdout, joined. */
  text(): string;
  /** Everything written to stderr, joined. */
  errText(): string;
  /** stdout parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

export function recordingIo(stderrIsTTY = false): RecordingIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    stderrIsTTY,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    text: () => stdout.join(""),
    errText: () => stderr.join(""),
    json: <T>() => JSON.parse(stdout.join("")) as T,
  };
}
