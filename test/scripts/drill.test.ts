/**
 * The drill end to end against a fake lab: it takes a locality away, measures against the model's prediction
 * for that failure, and restores the backends when it ends, when a step throws and when a signal arrives.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { VerifyReport } from "../../model/verify/verifyReport";
import { runDrill } from "../../scripts/drill";
import type { Clock, SignalSource } from "../../scripts/lib/client";
import { FakeClient, type FakeOptions } from "./fakes/lab";
import { recordingIo } from "./fakes/io";

/** A clock that never waits: sleeping advances time. */
function fakeClock(): Clock & { slept: number } {
  let t = 0;
  const clock = { slept: 0, now: () => t, sleep: async (ms: number) => void ((t += ms), (clock.slept += ms)) };
  return clock;
}

function drillSetup(stack: string, opts: FakeOptions = {}) {
  const client = new FakeClient(stack, opts);
  const io = recordingIo();
  const signals = new EventEmitter();
  const exits: number[] = [];
  const deps = { client, io, signals: signals as SignalSource, exit: (c: number) => void exits.push(c), clock: fakeClock() };
  return { client, io, signals, exits, deps };
}

const scales = (client: FakeClient) => client.calls.filter((c) => c.startsWith("scale "));

describe("drill", () => {
  it("flat --fail region1/zone1: scales it to 0, the split follows the model's 2/3 : 1/3, then restores", async () => {
    const { client, io, deps, signals } = drillSetup("flat");
    const code = await runDrill(["flat", "--fail", "region1/zone1", "--requests", "120", "--json"], deps);
    expect(code).toBe(0);
    expect(scales(client)).toEqual(["scale cluster1 sample/helloworld-region1-zone1 0", "scale cluster1 sample/helloworld-region1-zone1 1"]);
    const report = io.json<VerifyReport>();
    expect(report.drill).toEqual({
      locality: "region1/zone1",
      scaled: [{ cluster: "cluster1", namespace: "sample", deployment: "helloworld-region1-zone1", replicas: 1 }],
      restored: true,
      restoreProblems: [],
    });
    const split = report.splits[0];
    expect(split.predicted["region1/zone2"]).toBeCloseTo(2 / 3, 9);
    expect(split.predicted["region3/zone4"]).toBeCloseTo(1 / 3, 9);
    expect(split.observed).toEqual({ "region1/zone2": 80, "region3/zone4": 40 });
    expect(report.verdict).toMatch(/^drill flat: PASS/);
    expect(io.errText()).toMatch(/taking region1\/zone1 away[\s\S]*backends restored/);
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  it("multizone-remote --fail near/zone1: the whole split goes through far's one gateway, which halves it (both hops)", async () => {
    const { io, deps } = drillSetup("multizone-remote");
    expect(await runDrill(["multizone-remote", "--fail", "near/zone1", "--requests", "60", "--json"], deps)).toBe(0);
    const split = io.json<VerifyReport>().splits[0];
    expect(split.predicted["far/zone1"]).toBeCloseTo(0.5, 9);
    expect(split.predicted["far/zone2"]).toBeCloseTo(0.5, 9);
    expect(split.ok).toBe(true);
  });

  it("multizone-remote --fail far/zone2: the gateway's first copy still stands for far, which now sends all it gets to far/zone1", async () => {
    const { client, io, deps } = drillSetup("multizone-remote");
    expect(await runDrill(["multizone-remote", "--fail", "far/zone2", "--requests", "60", "--json"], deps)).toBe(0);
    expect(scales(client).filter((c) => c.endsWith(" 0"))).toEqual(["scale far sample/helloworld-far-zone2 0"]);
    const split = io.json<VerifyReport>().splits[0];
    expect(split.predicted["near/zone1"]).toBeCloseTo(2 / 3, 9);
    expect(split.predicted["far/zone1"]).toBeCloseTo(1 / 3, 9);
    expect(split.predicted["far/zone2"] ?? 0).toBe(0);
  });

  it("dev --fail east (a region): traffic fails over to west, as the failover policy predicts", async () => {
    const { client, io, deps } = drillSetup("dev");
    expect(await runDrill(["dev", "--fail", "east", "--requests", "50", "--json"], deps)).toBe(0);
    expect(scales(client).filter((c) => c.endsWith(" 0"))).toEqual(["scale east sample/helloworld-east-zone1 0", "scale east sample/helloworld-east-zone2 0"]);
    expect(io.json<VerifyReport>().splits[0]).toMatchObject({ predicted: { "west/zone3": 1 }, observed: { "west/zone3": 50 }, ok: true });
    expect(client.replicas.get("east/sample/helloworld-east-zone1")).toBe(1);
    expect(client.replicas.get("east/sample/helloworld-east-zone2")).toBe(1);
  });

  it("restores the backends when a step throws, and reports the step's error", async () => {
    // Reading the client's sidecar fails while the drill waits for the endpoints to go.
    const { client, io, deps } = drillSetup("flat", { failExec: (_c, cmd) => cmd[0] === "pilot-agent" });
    const code = await runDrill(["flat", "--fail", "region3/zone4"], deps);
    expect(code).toBe(1);
    expect(scales(client)).toEqual(["scale cluster2 sample/helloworld-region3-zone4 0", "scale cluster2 sample/helloworld-region3-zone4 1"]);
    expect(client.replicas.get("cluster2/sample/helloworld-region3-zone4")).toBe(1);
    expect(io.errText()).toMatch(/backends restored\nerror: cluster cluster1: exec in sample\/sleep-1 failed: container not found\n$/);
    expect(io.errText()).not.toMatch(/\n\s+at /);
    expect(client.closed).toBe(true);
  });

  it("restores on SIGINT, exits 130 after restoring, and stops sending requests", async () => {
    const { client, io, deps, signals, exits } = drillSetup("flat");
    let batches = 0;
    const lines = client.responder.lines.bind(client.responder);
    client.responder.lines = (c, s, n) => {
      if (++batches === 2) signals.emit("SIGINT");
      return lines(c, s, n);
    };
    const code = await runDrill(["flat", "--fail", "region1/zone1", "--requests", "300", "--json"], deps);
    expect(exits).toEqual([130]);
    expect(code).toBe(130);
    expect(batches).toBe(2);
    expect(scales(client)).toEqual(["scale cluster1 sample/helloworld-region1-zone1 0", "scale cluster1 sample/helloworld-region1-zone1 1"]);
    expect(io.errText()).toMatch(/SIGINT: restoring the backends before exiting…/);
    const report = io.json<VerifyReport>();
    expect(report.splits[0].requests).toBe(100);
    expect(report.splits[0].warnings).toContain("only 100 of 300 requests were sent (interrupted)");
    expect(report.verdict).toMatch(/failed: .*interrupted by SIGINT/);
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });

  it("restores on SIGTERM while waiting for the pods to go, once, however many signals arrive; exits 143", async () => {
    const { client, io, deps, signals, exits } = drillSetup("flat", { linger: 3 });
    const sleep = deps.clock.sleep;
    deps.clock.sleep = async (ms) => {
      signals.emit("SIGTERM");
      signals.emit("SIGTERM");
      return sleep(ms);
    };
    const code = await runDrill(["flat", "--fail", "region1/zone1"], deps);
    expect(code).toBe(143);
    expect(exits).toEqual([143]);
    expect(scales(client)).toEqual(["scale cluster1 sample/helloworld-region1-zone1 0", "scale cluster1 sample/helloworld-region1-zone1 1"]);
    expect(io.errText()).toMatch(/SIGTERM: restoring the backends before exiting…\nrestoring helloworld-region1-zone1 \(1\)…\nstill restoring the backends; please wait\nbackends restored\n$/);
    expect(client.calls.filter((c) => c.includes(" sh -c "))).toEqual([]);
  });

  it("waits while the removed pods are still terminating", async () => {
    const { client, deps } = drillSetup("flat", { linger: 3 });
    expect(await runDrill(["flat", "--fail", "region1/zone1", "--requests", "20"], deps)).toBe(0);
    expect((deps.clock as ReturnType<typeof fakeClock>).slept).toBe(3 * 2000);
    expect(client.replicas.get("cluster1/sample/helloworld-region1-zone1")).toBe(1);
  });

  it("an unknown locality is a usage error listing the real ones, and nothing is scaled", async () => {
    const { client, io, deps } = drillSetup("flat");
    expect(await runDrill(["flat", "--fail", "region9"], deps)).toBe(2);
    expect(io.errText()).toBe("error: no backend runs in region9; the backend localities are: region1/zone1, region1/zone2, region3/zone4\n");
    expect(scales(client)).toEqual([]);
  });

  it("a restore that cannot scale back says so loudly, with the command to do it by hand", async () => {
    const { io, deps } = drillSetup("flat", { failScaleUp: true });
    const code = await runDrill(["flat", "--fail", "region1/zone1", "--requests", "20"], deps);
    expect(code).toBe(1);
    expect(io.errText()).toMatch(
      /RESTORE INCOMPLETE:\n {2}could not scale sample\/helloworld-region1-zone1 back to 1 \(the server is currently unable to handle the request\); restore by hand: kubectl scale deployment\/helloworld-region1-zone1 -n sample --replicas=1 \(cluster cluster1\), or npm run up -- flat --refresh/,
    );
    expect(io.text()).toMatch(/restored: NO/);
    expect(io.text()).toMatch(/drill flat: FAIL .*failed: restore/);
  });
});
