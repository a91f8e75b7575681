/** withRestore on its own: restore exactly once, on return, on throw and on signals. */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { SignalSource } from "../../scripts/lib/client";
import { withRestore } from "../../scripts/lib/restore";
import { recordingIo } from "./fakes/io";

function guard() {
  const signals = new EventEmitter();
  const exits: number[] = [];
  return { signals, exits, guard: { signals: signals as SignalSource, io: recordingIo(), exit: (c: number) => void exits.push(c) } };
}

describe("withRestore", () => {
  it("restores once after the body returns and detaches its handlers", async () => {
    const { signals, exits, guard: g } = guard();
    let restores = 0;
    const out = await withRestore(async () => void restores++, g, async () => 42);
    expect(out).toEqual({ value: 42 });
    expect(restores).toBe(1);
    expect(exits).toEqual([]);
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  it("restores when the body throws, and rethrows the body's error (not a restore error)", async () => {
    const { guard: g } = guard();
    const order: string[] = [];
    const restore = async () => {
      order.push("restore");
      throw new Error("restore broke too");
    };
    await expect(withRestore(restore, g, async () => (order.push("body"), Promise.reject(new Error("step failed"))))).rejects.toThrow("step failed");
    expect(order).toEqual(["body", "restore"]);
    expect((g.io as ReturnType<typeof recordingIo>).errText()).toBe("restore failed: restore broke too\n");
  });

  it("a signal restores, then exits; the body sees aborted() and the finally does not restore twice", async () => {
    const { signals, exits, guard: g } = guard();
    let restores = 0;
    const out = await withRestore(async () => void restores++, g, async (aborted) => {
      expect(aborted()).toBe(false);
      signals.emit("SIGINT");
      signals.emit("SIGTERM");
      await new Promise((r) => setTimeout(r, 0));
      return aborted();
    });
    expect(out).toEqual({ value: true, interrupted: "SIGINT" });
    expect(restores).toBe(1);
    expect(exits).toEqual([130]);
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });
});
