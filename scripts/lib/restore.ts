/**
 * Run a body that breaks something on purpose, and put it back whatever happens: when the body returns,
 * when it throws, and when SIGINT or SIGTERM arrives (then the process exits after restoring, with 130 or
 * 143). The restore runs once, however many of these happen.
 */
import type { Io, SignalSource } from "./client";
import { EXIT } from "./errors";

type Signal = "SIGINT" | "SIGTERM";

/** Where signals come from and how the process ends; tests inject both. */
export interface RestoreGuard {
  signals: SignalSource;
  io: Io;
  exit: (code: number) => void;
}

/** What happened: the body's value (unless it threw) and the signal that interrupted it, if any. */
export interface Guarded<T> {
  value: T;
  interrupted?: Signal;
}

/**
 * Runs `body` with `restore` guaranteed. `restore` must not throw (it reports its own problems). The body gets
 * `aborted()`, true once a signal arrived, so it can stop early.
 */
export async function withRestore<T>(restore: () => Promise<void>, guard: RestoreGuard, body: (aborted: () => boolean) => Promise<T>): Promise<Guarded<T>> {
  let restoring: Promise<void> | undefined;
  let interrupted: Signal | undefined;
  const restoreOnce = () => (restoring ??= restore().catch((err: unknown) => guard.io.err(`restore failed: ${err instanceof Error ? err.message : String(err)}\n`)));
  const onSignal = (signal: Signal) => {
    if (interrupted) {
      guard.io.err("still restoring the backends; please wait\n");
      return;
    }
    interrupted = signal;
    guard.io.err(`\n${signal}: restoring the backends before exiting…\n`);
    void restoreOnce().finally(() => {
      detach();
      guard.exit(signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated);
    });
  };
  const handlers: Record<Signal, () => void> = { SIGINT: () => onSignal("SIGINT"), SIGTERM: () => onSignal("SIGTERM") };
  const detach = () => {
    guard.signals.off("SIGINT", handlers.SIGINT);
    guard.signals.off("SIGTERM", handlers.SIGTERM);
  };
  guard.signals.on("SIGINT", handlers.SIGINT);
  guard.signals.on("SIGTERM", handlers.SIGTERM);
  try {
    const value = await body(() => interrupted !== undefined);
    return { value, ...(interrupted ? { interrupted } : {}) };
  } finally {
    await restoreOnce();
    // After a signal the handler detaches once it has exited; a normal end detaches here.
    if (!interrupted) detach();
  }
}
