/**
 * The cluster drills against the fake lab and a fake Docker: --isolate-api cuts a cluster's API server off
 * with packet-filter rules in its node containers, --fail-cluster pauses them; both measure against the model,
 * restore when they end, when a step throws and on signals, and time the recovery.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { runDrill } from "../../scripts/drill";
import type { Clock, SignalSource } from "../../scripts/lib/client";
import type { ClusterDrillReport } from "../../scripts/lib/clusterDrill";
import { helpText } from "../../scripts/lib/args";
import { isolationRule, rejectRule } from "../../scripts/lib/clusterOutage";
import { FakeDocker, type FakeDockerOptions } from "./fakes/docker";
import { FakeClient, type FakeOptions } from "./fakes/lab";
import { recordingIo } from "./fakes/io";

function fakeClock(): Clock & { slept: number } {
  let t = 0;
  const clock = { slept: 0, now: () => t, sleep: async (ms: number) => void ((t += ms), (clock.slept += ms)) };
  return clock;
}

function setup(stack: string, opts: FakeOptions = {}, dockerOpts: FakeDockerOptions = {}) {
  const client = new FakeClient(stack, opts);
  const docker = new FakeDocker(client, dockerOpts);
  const io = recordingIo();
  const signals = new EventEmitter();
  const exits: number[] = [];
  const clock = fakeClock();
  const deps = { client, docker, io, signals: signals as SignalSource, exit: (c: number) => void exits.push(c), clock, settleMs: 30_000 };
  return { client, docker, io, signals, exits, clock, deps };
}

const iptables = (docker: FakeDocker) => docker.calls.filter((c) => c.includes(" iptables "));
const CLUSTER1_NODES = ["172.30.10.2", "172.30.10.3"];
/** flat: cluster2's node IPs (the fake lab's InternalIPs) and pod subnet (allocated; cluster1 shares its network). */
const CLUSTER2_DESTINATIONS = ["172.30.11.2", "172.30.11.3", "172.30.11.4", "10.252.0.0/16"];
const CLUSTER1_CONTAINERS = ["flat-cluster1-control-plane", "flat-cluster1-worker"];
const rejects = (op: "-I" | "-D", containers: string[], destinations: string[]) =>
  containers.flatMap((n) => destinations.flatMap((d) => (["FORWARD", "OUTPUT"] as const).map((chain) => `exec ${n} ${rejectRule(op, chain, d).join(" ")}`)));
const heldRejects = (docker: FakeDocker) => [...docker.rejects.values()].flat();

describe("drill --help", () => {
  it("lists the cluster drills beside --fail, and touches nothing", async () => {
    for (const argv of [["--help"], ["flat", "--isolate-api", "cluster2", "--help"], ["-h", "--fail-cluster", "x"]]) {
      const { client, docker, io, deps } = setup("flat");
      expect(await runDrill(argv, deps)).toBe(0);
      expect(io.text()).toBe(helpText("drill"));
      expect(io.text()).toMatch(/--fail <locality> +required: [^\n]*\n +--isolate-api <cluster> +instead of --fail: drop TCP 6443 [^\n]*\n +--fail-cluster <cluster> +instead of --fail: docker pause every node of this kind cluster; the other clusters. nodes reset TCP to it/);
      expect(io.text()).toContain("npm run drill -- primary-remote --fail-cluster remote0");
      expect(docker.calls).toEqual([]);
      expect(client.calls).toEqual([]);
    }
  });

  it("usage errors: both drills at once, no stack, a cluster the stack does not have", async () => {
    const both = setup("flat");
    expect(await runDrill(["flat", "--isolate-api", "cluster1", "--fail-cluster", "cluster2"], both.deps)).toBe(2);
    expect(both.io.errText()).toMatch(/^error: one drill at a time, not --isolate-api and --fail-cluster\nusage: npm run drill -- <stack>/);
    const none = setup("flat");
    expect(await runDrill(["--isolate-api", "cluster1"], none.deps)).toBe(2);
    expect(none.io.errText()).toMatch(/which stack\?/);
    const unknown = setup("flat");
    expect(await runDrill(["flat", "--fail-cluster", "cluster9"], unknown.deps)).toBe(2);
    expect(unknown.io.errText()).toBe('error: stack "flat" has no cluster cluster9; its clusters are: cluster1, cluster2\n');
    expect(unknown.docker.calls).toEqual([]);
    // primary-remote: only main0 runs istiod, and nothing but itself reads its API server.
    const lone = setup("primary-remote");
    expect(await runDrill(["primary-remote", "--isolate-api", "main0"], lone.deps)).toBe(2);
    expect(lone.io.errText()).toMatch(/^error: no other primary's istiod reads main0's API server, so cutting it off .* or use --fail-cluster main0\n$/);
    expect(lone.docker.calls).toEqual([]);
  });
});

describe("drill --isolate-api", () => {
  it("flat cluster2: drops 6443 from cluster1's nodes in cluster2's nodes; splits unchanged; istiod still says synced; restored and timed", async () => {
    const { client, docker, io, deps } = setup("flat");
    const code = await runDrill(["flat", "--isolate-api", "cluster2", "--requests", "100", "--json"], deps);
    const report = io.json<ClusterDrillReport>();
    expect(code).toBe(0);
    const nodes = ["flat-cluster2-control-plane", "flat-cluster2-worker", "flat-cluster2-worker2"];
    expect(report).toMatchObject({ mode: "isolate-api", cluster: "cluster2", containers: nodes, sources: CLUSTER1_NODES, restored: true, ok: true });
    const inserts = nodes.flatMap((n) => CLUSTER1_NODES.map((s) => `exec ${n} ${isolationRule("-I", s).join(" ")}`));
    const deletes = nodes.flatMap((n) => CLUSTER1_NODES.map((s) => `exec ${n} ${isolationRule("-D", s).join(" ")}`));
    expect(iptables(docker)).toEqual([...inserts, ...deletes]);
    expect(isolationRule("-I", "172.30.10.2").join(" ")).toBe(
      "iptables -I INPUT -p tcp -s 172.30.10.2 --dport 6443 -m comment --comment kindmesh-drill-isolate-api -j DROP",
    );
    // While cut off: istiod in cluster1 is ready, still reports cluster2 synced (it cannot tell), logs the watch
    // errors naming cluster2's API server, and a probe from cluster1 cannot connect to it.
    expect(report.during).toHaveLength(1);
    expect(report.during[0]).toMatchObject({ primary: "cluster1", ready: true, discovery: "synced", apiReachable: false, problems: [] });
    expect(report.during[0].logErrors.join("\n")).toMatch(/dial tcp 172\.30\.0\.11:6443: i\/o timeout/);
    // The model: istiod keeps the endpoints it last saw, so the split is the normal one: 70/20/10.
    expect(report.splits).toHaveLength(1);
    expect(report.splits[0].predicted).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 });
    expect(report.splits[0].ok).toBe(true);
    // After the restore: reachable and synced at the first look.
    expect(report.recoverySeconds).toBe(0);
    expect(report.recovery[0]).toMatchObject({ apiReachable: true, discovery: "synced", logErrors: [] });
    expect(client.droppedFrom.size).toBe(0);
    expect([...docker.rules.values()].flat()).toEqual([]);
    expect(io.errText()).toMatch(/cutting cluster2's API server off from 172\.30\.10\.2, 172\.30\.10\.3[\s\S]*restored\n/);
    expect(client.closed).toBe(true);
  });

  it("the text report says what istiod showed, the split, the restore and the recovery", async () => {
    const { io, deps } = setup("flat");
    expect(await runDrill(["flat", "--isolate-api", "cluster2", "--requests", "50"], deps)).toBe(0);
    expect(io.text()).toMatch(/istiod in cluster1: ready; discovery: synced; API server from cluster1: UNREACHABLE; 1 log line\(s\) about it/);
    expect(io.text()).toMatch(/restored: yes\nsynced again after 0 s/);
    expect(io.text()).toMatch(/drill flat --isolate-api cluster2: PASS\n$/);
  });

  it("a step that throws (the second rule cannot be inserted): the rules already in are removed, the error is reported", async () => {
    const { client, docker, io, deps } = setup("flat", {}, { failExec: (_c, cmd) => cmd[1] === "-I" && cmd[6] === "172.30.10.3" });
    expect(await runDrill(["flat", "--isolate-api", "cluster2"], deps)).toBe(1);
    expect(iptables(docker)).toEqual([
      `exec flat-cluster2-control-plane ${isolationRule("-I", "172.30.10.2").join(" ")}`,
      `exec flat-cluster2-control-plane ${isolationRule("-I", "172.30.10.3").join(" ")}`,
      `exec flat-cluster2-control-plane ${isolationRule("-D", "172.30.10.2").join(" ")}`,
    ]);
    expect(client.droppedFrom.size).toBe(0);
    expect(io.errText()).toMatch(/restored\nerror: docker exec flat-cluster2-control-plane iptables failed: permission denied\n/);
  });

  it("SIGINT while the cut settles: the rules are removed, nothing is measured, exit 130", async () => {
    const { client, docker, io, deps, signals, exits, clock } = setup("flat");
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      signals.emit("SIGINT");
      return sleep(ms);
    };
    expect(await runDrill(["flat", "--isolate-api", "cluster2", "--json"], deps)).toBe(130);
    expect(exits).toEqual([130]);
    expect(client.droppedFrom.size).toBe(0);
    expect(iptables(docker).filter((c) => c.includes(" -D "))).toHaveLength(6);
    expect(io.errText()).toMatch(/SIGINT: restoring the backends before exiting…\nrestoring: removing the 6 packet-filter rule\(s\)/);
    const report = io.json<ClusterDrillReport>();
    expect(report.splits).toEqual([]);
    expect(report.verdict).toMatch(/FAIL \(failed: interrupted by SIGINT\)/);
    expect(client.calls.some((c) => c.includes(" sh -c "))).toBe(false);
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });

  it("SIGINT while a rule is being inserted: the insert lands, then every rule is removed; no more are inserted", async () => {
    let signals: EventEmitter | undefined;
    const inserts = { n: 0 };
    const { client, docker, deps, exits, ...rest } = setup("flat", {}, {
      onCall: (call) => {
        if (call.includes(" -I ") && ++inserts.n === 2) signals!.emit("SIGINT");
      },
    });
    signals = rest.signals;
    expect(await runDrill(["flat", "--isolate-api", "cluster2"], deps)).toBe(130);
    expect(exits).toEqual([130]);
    expect(iptables(docker).filter((c) => c.includes(" -I "))).toHaveLength(2);
    expect(iptables(docker).filter((c) => c.includes(" -D "))).toHaveLength(2);
    expect([...docker.rules.values()].flat()).toEqual([]);
    expect(client.droppedFrom.size).toBe(0);
  });

  it("times the recovery: istiod reports the cluster syncing for two looks after the restore -> 10 s", async () => {
    let restoredAt = -1;
    let looks = 0;
    const clusterz = () => (restoredAt >= 0 && ++looks <= 2 ? "syncing" : "synced");
    const { io, deps } = setup("flat", { clusterz }, { onCall: (call) => void (call.includes(" -D ") && restoredAt < 0 && (restoredAt = 0)) });
    expect(await runDrill(["flat", "--isolate-api", "cluster2", "--requests", "20", "--json"], deps)).toBe(0);
    expect(io.json<ClusterDrillReport>().recoverySeconds).toBe(10);
  });

  it("never synced again within 5 minutes: the drill fails on recovery and says so", async () => {
    let restored = false;
    const { io, deps } = setup("flat", { clusterz: () => (restored ? "syncing" : "synced") }, { onCall: (call) => void (call.includes(" -D ") && (restored = true)) });
    expect(await runDrill(["flat", "--isolate-api", "cluster2", "--requests", "20"], deps)).toBe(1);
    expect(io.text()).toMatch(/NOT synced again within the wait\n {2}istiod in cluster1: ready; discovery: syncing;[\s\S]*FAIL \(failed: recovery\)/);
  });

  it("a rule that cannot be removed is said loudly, with the command to remove it by hand", async () => {
    const { io, deps } = setup("flat", {}, { failExec: (c, cmd) => cmd[1] === "-D" && c === "flat-cluster2-worker" && cmd[6] === "172.30.10.2" });
    expect(await runDrill(["flat", "--isolate-api", "cluster2", "--requests", "20"], deps)).toBe(1);
    expect(io.errText()).toContain(
      `RESTORE INCOMPLETE:\n  could not remove the rule for 172.30.10.2 in flat-cluster2-worker (docker exec flat-cluster2-worker iptables failed: permission denied); by hand: docker exec flat-cluster2-worker ${isolationRule("-D", "172.30.10.2").join(" ")}`,
    );
    expect(io.text()).toMatch(/restored: NO[\s\S]*FAIL \(failed: restore\)/);
  });
});

describe("drill --isolate-api on primary-remote (the e2e ops job's drill)", () => {
  it("cuts remote0 off from main0, whose istiod manages it; main0's client keeps the normal split", async () => {
    const { client, io, deps } = setup("primary-remote");
    expect(await runDrill(["primary-remote", "--isolate-api", "remote0", "--requests", "60", "--json"], deps)).toBe(0);
    const report = io.json<ClusterDrillReport>();
    expect(report.containers).toEqual(["primary-remote-remote0-control-plane"]);
    expect(report.sources).toEqual(["172.30.10.2"]);
    expect(report.during).toEqual([expect.objectContaining({ primary: "main0", discovery: "synced", apiReachable: false })]);
    expect(report.splits.map((s) => [s.clientLocality, s.ok])).toEqual([["region1/zone1", true]]);
    expect(client.droppedFrom.size).toBe(0);
  });
});

describe("drill --fail-cluster", () => {
  it("flat cluster2: pauses its nodes; the client in cluster1 fails over as the model without cluster2's endpoints says; unpaused and timed", async () => {
    const { client, docker, io, deps } = setup("flat");
    const code = await runDrill(["flat", "--fail-cluster", "cluster2", "--requests", "90", "--json"], deps);
    const report = io.json<ClusterDrillReport>();
    expect(code).toBe(0);
    expect(docker.calls.filter((c) => /^(un)?pause /.test(c))).toEqual([
      "pause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
      "unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
    ]);
    // region3/zone4 (cluster2) is gone: its 10 % is not sent elsewhere by `distribute` rules, so 70/20 renormalise.
    expect(report.splits[0].predicted["region3/zone4"] ?? 0).toBe(0);
    expect(report.splits[0].predicted["region1/zone1"]).toBeCloseTo(0.7 / 0.9, 9);
    expect(report.splits[0].ok).toBe(true);
    expect(report.during[0]).toMatchObject({ primary: "cluster1", ready: true, apiReachable: false });
    expect(report).toMatchObject({ restored: true, recoverySeconds: 0, ok: true });
    expect(client.paused.size).toBe(0);
  });

  it("cluster-local (routed): site-a's 20% to subset site-b fail with site-b gone, as the routed model predicts; its 80% stays", async () => {
    const { io, deps } = setup("cluster-local");
    expect(await runDrill(["cluster-local", "--fail-cluster", "site-b", "--requests", "100", "--json"], deps)).toBe(0);
    const report = io.json<ClusterDrillReport>();
    const hello = report.splits.find((s) => s.service === "helloworld")!;
    expect(hello.predicted).toEqual({ "europe/zone1": 0.8 });
    expect(hello.observed).toMatchObject({ "europe/zone1": 80 });
    expect(hello.ok).toBe(true);
    expect(report.skippedClients).toEqual(["sleep-b (asia/zone3) in site-b: paused with its cluster"]);
  });

  it("the failed cluster's own clients are not measured, and say why", async () => {
    const { io, deps } = setup("flat");
    expect(await runDrill(["flat", "--fail-cluster", "cluster1", "--requests", "20", "--json"], deps)).toBe(0);
    const report = io.json<ClusterDrillReport>();
    expect(report.splits).toEqual([]);
    expect(report.skippedClients).toEqual(["sleep (region1/zone1) in cluster1: paused with its cluster"]);
    expect(report.during.map((v) => v.primary)).toEqual(["cluster2"]);
  });

  it("SIGTERM while paused: unpaused once, however many signals; exit 143", async () => {
    const { client, docker, deps, signals, exits, clock, io } = setup("flat");
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      signals.emit("SIGTERM");
      signals.emit("SIGTERM");
      return sleep(ms);
    };
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(143);
    expect(exits).toEqual([143]);
    expect(docker.calls.filter((c) => c.startsWith("unpause"))).toHaveLength(1);
    expect(client.paused.size).toBe(0);
    expect(io.errText()).toMatch(/still restoring the backends; please wait/);
  });

  it("SIGINT while docker pause runs: the pause lands, then everything is unpaused, exit 130", async () => {
    let signals: EventEmitter | undefined;
    const { client, docker, deps, exits, io, ...rest } = setup("flat", {}, { onCall: (call) => call.startsWith("pause ") && signals!.emit("SIGINT") });
    signals = rest.signals;
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(130);
    expect(exits).toEqual([130]);
    expect(docker.calls.filter((c) => /^(un)?pause /.test(c))).toEqual([
      "pause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
      "unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
    ]);
    expect(client.paused.size).toBe(0);
    expect(io.errText()).toMatch(/restored\n/);
  });

  it("a pause that fails part-way: unpaused container by container ('not paused' is fine), the error reported", async () => {
    const { client, docker, deps, io } = setup("flat", {}, { failPause: true });
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(1);
    expect(docker.calls.filter((c) => c.startsWith("unpause "))).toEqual(["unpause flat-cluster2-control-plane", "unpause flat-cluster2-worker", "unpause flat-cluster2-worker2"]);
    expect(client.paused.size).toBe(0);
    expect(io.errText()).toMatch(/restored\nerror: docker pause failed: Error response from daemon: cannot pause container flat-cluster2-worker\n/);
  });

  it("a step that throws while paused still unpauses", async () => {
    // istiod's debug endpoint is read by observePrimaries, which reports problems; the split measurement's
    // exec throwing on the client pod is also caught; a failing clock.sleep is a step that throws.
    const { client, docker, deps, clock } = setup("flat");
    clock.sleep = async () => {
      throw new Error("timer broke");
    };
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(1);
    expect(docker.calls.filter((c) => /^(un)?pause /.test(c))).toHaveLength(2);
    expect(client.paused.size).toBe(0);
  });

  it("an unpause that fails is said loudly with the command; no recovery is claimed", async () => {
    const { io, deps } = setup("flat", {}, { failUnpause: true });
    expect(await runDrill(["flat", "--fail-cluster", "cluster2", "--requests", "20", "--json"], deps)).toBe(1);
    expect(io.errText()).toMatch(/RESTORE INCOMPLETE:\n {2}could not unpause \(docker unpause failed: Cannot connect to the Docker daemon\); by hand: docker unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2/);
    const report = io.json<ClusterDrillReport>();
    expect(report.recoverySeconds).toBeUndefined();
    expect(report.verdict).toMatch(/FAIL \(failed: restore\)/);
  });
});

describe("drill --fail-cluster resets TCP to the paused cluster (a paused node's kernel still accepts connections)", () => {
  it("flat cluster2: pause, then reset rules in cluster1's nodes for cluster2's node IPs and pod subnet; restore removes them, then unpauses", async () => {
    const { docker, io, deps } = setup("flat");
    expect(await runDrill(["flat", "--fail-cluster", "cluster2", "--requests", "30", "--json"], deps)).toBe(0);
    const nodes = "flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2";
    expect(docker.calls.filter((c) => !c.startsWith("ps "))).toEqual([
      `pause ${nodes}`,
      ...rejects("-I", CLUSTER1_CONTAINERS, CLUSTER2_DESTINATIONS),
      ...rejects("-D", CLUSTER1_CONTAINERS, CLUSTER2_DESTINATIONS),
      `unpause ${nodes}`,
    ]);
    expect(rejectRule("-I", "FORWARD", "10.252.0.0/16").join(" ")).toBe(
      "iptables -I FORWARD -p tcp -d 10.252.0.0/16 -m comment --comment kindmesh-drill-fail-cluster -j REJECT --reject-with tcp-reset",
    );
    expect(rejectRule("-D", "OUTPUT", "172.30.11.2").join(" ")).toBe(
      "iptables -D OUTPUT -p tcp -d 172.30.11.2 -m comment --comment kindmesh-drill-fail-cluster -j REJECT --reject-with tcp-reset",
    );
    expect(io.json<ClusterDrillReport>().rejected).toEqual(CLUSTER2_DESTINATIONS);
    expect(heldRejects(docker)).toEqual([]);
    expect(io.errText()).toMatch(/resetting TCP to 172\.30\.11\.2, 172\.30\.11\.3, 172\.30\.11\.4, 10\.252\.0\.0\/16 in the other clusters' nodes \(REJECT in 16 rule\(s\)\)\n[\s\S]*removing the 16 TCP reset rule\(s\)[\s\S]*restored\n/);
  });

  it("the text report names what was reset", async () => {
    const { io, deps } = setup("flat");
    expect(await runDrill(["flat", "--fail-cluster", "cluster2", "--requests", "20"], deps)).toBe(0);
    expect(io.text()).toMatch(/^every node of cluster2 paused \([^)]*\)\nthe other clusters' nodes reset TCP to 172\.30\.11\.2, 172\.30\.11\.3, 172\.30\.11\.4, 10\.252\.0\.0\/16\nwhile broken:\n/);
  });

  it("multinet west: east's nodes reset TCP to west's node and east-west gateway, not to west's pod subnet (another network may reuse it)", async () => {
    const { docker, io, deps } = setup("multinet");
    await runDrill(["multinet", "--fail-cluster", "west", "--requests", "20", "--json"], deps);
    const dests = ["172.30.11.2", "172.30.255.201"];
    expect(io.json<ClusterDrillReport>().rejected).toEqual(dests);
    expect(docker.calls.filter((c) => c.includes(" iptables "))).toEqual([
      ...rejects("-I", ["multinet-east-control-plane", "multinet-east-worker"], dests),
      ...rejects("-D", ["multinet-east-control-plane", "multinet-east-worker"], dests),
    ]);
    expect(heldRejects(docker)).toEqual([]);
  });

  it("a reset rule that cannot be inserted: the ones in are removed, then the nodes unpaused; the error is reported", async () => {
    const { client, docker, io, deps } = setup("flat", {}, { failExec: (_c, cmd) => cmd[1] === "-I" && cmd[2] === "OUTPUT" && cmd[6] === "172.30.11.3" });
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(1);
    const inserted = rejects("-I", ["flat-cluster1-control-plane"], ["172.30.11.2", "172.30.11.3"]);
    expect(docker.calls.filter((c) => !c.startsWith("ps ")).slice(1)).toEqual([
      ...inserted,
      ...rejects("-D", ["flat-cluster1-control-plane"], ["172.30.11.2"]),
      `exec flat-cluster1-control-plane ${rejectRule("-D", "FORWARD", "172.30.11.3").join(" ")}`,
      "unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
    ]);
    expect(heldRejects(docker)).toEqual([]);
    expect(client.paused.size).toBe(0);
    expect(io.errText()).toMatch(/restored\nerror: docker exec flat-cluster1-control-plane iptables failed: permission denied\n/);
  });

  it("SIGINT while a reset rule is being inserted: it lands, no more are inserted, all are removed, then unpaused; exit 130", async () => {
    let signals: EventEmitter | undefined;
    const inserts = { n: 0 };
    const { client, docker, deps, exits, ...rest } = setup("flat", {}, { onCall: (call) => void (call.includes(" -I ") && ++inserts.n === 3 && signals!.emit("SIGINT")) });
    signals = rest.signals;
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(130);
    expect(exits).toEqual([130]);
    const calls = docker.calls.filter((c) => !c.startsWith("ps "));
    expect(calls.filter((c) => c.includes(" -I "))).toHaveLength(3);
    expect(calls.filter((c) => c.includes(" -D "))).toHaveLength(3);
    expect(calls[calls.length - 1]).toBe("unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2");
    expect(heldRejects(docker)).toEqual([]);
    expect(client.paused.size).toBe(0);
  });

  it("SIGINT while paused: every reset rule removed before the unpause", async () => {
    const { client, docker, deps, signals, clock } = setup("flat");
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      signals.emit("SIGINT");
      return sleep(ms);
    };
    expect(await runDrill(["flat", "--fail-cluster", "cluster2"], deps)).toBe(130);
    expect(docker.calls.filter((c) => !c.startsWith("ps ")).slice(-17)).toEqual([
      ...rejects("-D", CLUSTER1_CONTAINERS, CLUSTER2_DESTINATIONS),
      "unpause flat-cluster2-control-plane flat-cluster2-worker flat-cluster2-worker2",
    ]);
    expect(heldRejects(docker)).toEqual([]);
    expect(client.paused.size).toBe(0);
  });

  it("a reset rule that cannot be removed is said with the command to remove it by hand; the nodes are still unpaused", async () => {
    const { client, io, deps } = setup("flat", {}, { failExec: (c, cmd) => cmd[1] === "-D" && c === "flat-cluster1-worker" && cmd[2] === "FORWARD" && cmd[6] === "10.252.0.0/16" });
    expect(await runDrill(["flat", "--fail-cluster", "cluster2", "--requests", "20"], deps)).toBe(1);
    expect(io.errText()).toContain(
      `RESTORE INCOMPLETE:\n  could not remove the rule for FORWARD to 10.252.0.0/16 in flat-cluster1-worker (docker exec flat-cluster1-worker iptables failed: permission denied); by hand: docker exec flat-cluster1-worker ${rejectRule("-D", "FORWARD", "10.252.0.0/16").join(" ")}\n`,
    );
    expect(client.paused.size).toBe(0);
    expect(io.text()).toMatch(/restored: NO[\s\S]*FAIL \(failed: restore\)/);
  });
});

describe("the cluster drill's text report", () => {
  it("shows three log lines cut at 200 characters, every line in full with --verbose", async () => {
    const { renderClusterDrill } = await import("../../scripts/lib/clusterDrill");
    const long = `error ${"x".repeat(300)}`;
    const view = { primary: "cluster1", ready: true, discovery: "synced", apiReachable: false, logErrors: [long, "b", "c", "d"], problems: [] };
    const report = {
      command: "drill" as const, stack: "flat", mode: "isolate-api" as const, cluster: "cluster2", ok: true, verdict: "drill flat --isolate-api cluster2: PASS",
      containers: ["flat-cluster2-control-plane"], during: [view], splits: [], skippedClients: [], restored: true, restoreProblems: [], recoverySeconds: 12, recovery: [],
    };
    const short = renderClusterDrill(report);
    expect(short).toContain(`    ${long.slice(0, 200)}\n    b\n    c\n`);
    expect(short).not.toContain("    d\n");
    const verbose = renderClusterDrill(report, true);
    expect(verbose).toContain(`    ${long}\n    b\n    c\n    d\n`);
    expect(verbose).toMatch(/synced again after 12 s/);
  });
});
