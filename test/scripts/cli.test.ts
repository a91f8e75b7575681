/** The small pieces: command lines, bars and tables, probe scripts, clusterz and output validation. */
import { describe, expect, it } from "vitest";
import { parseCheckArgs, parseDiagramArgs } from "../../scripts/lib/args";
import { UserError } from "../../scripts/lib/errors";
import { kubeconfigServer, validateOutputs } from "../../scripts/lib/lab";
import { parseClusterz } from "../../scripts/lib/meshChecks";
import { isFailed } from "../../scripts/lib/prediction";
import { connectScript, parseConnectResults, splitAddress } from "../../scripts/lib/probes";
import { bar, table } from "../../scripts/lib/render";
import { plannedShares } from "../../scripts/lib/split";
import { fakeKubeconfig } from "./fakes/outputs";

describe("arguments", () => {
  it("verify: defaults, both --name value and --name=value, flags", () => {
    expect(parseCheckArgs(["dev"], "verify")).toEqual({ stack: "dev", requests: 300, alpha: 0.001, json: false, verbose: false });
    expect(parseCheckArgs(["--requests=1000", "flat", "--alpha", "0.01", "--json", "--verbose"], "verify")).toEqual({ stack: "flat", requests: 1000, alpha: 0.01, json: true, verbose: true });
  });

  it("rejects what it cannot use, with exit code 2 and the usage line", () => {
    const fails = (argv: string[], command: "verify" | "drill", msg: RegExp) => {
      try {
        parseCheckArgs(argv, command);
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).exitCode).toBe(2);
        expect((err as UserError).message).toMatch(msg);
        return;
      }
      throw new Error("expected a usage error");
    };
    fails([], "verify", /^which stack\?\nusage: npm run verify/);
    fails(["a", "b"], "verify", /^one stack, not a b/);
    fails(["dev", "--fail", "x"], "verify", /^unknown option --fail/);
    fails(["dev"], "drill", /^--fail <locality> is required \(or --isolate-api <cluster>, or --fail-cluster <cluster>\)\nusage: npm run drill -- <stack> --fail <locality>/);
    fails(["dev", "--fail"], "drill", /^--fail needs a value/);
    fails(["dev", "--alpha", "1"], "verify", /^--alpha 1 is not a significance in \(0, 1\)/);
    fails(["dev", "--requests", "5"], "verify", /^--requests 5 is not a whole number from 10 to 100000/);
    expect(parseCheckArgs(["dev", "--fail", "east/zone1"], "drill").fail).toBe("east/zone1");
    expect(parseDiagramArgs(["dev", "--markdown"])).toEqual({ stack: "dev", markdown: true });
  });

  it("takes the stack as Pulumi users type it: -s, --stack, --stack=; the same stack twice is one", () => {
    expect(parseCheckArgs(["-s", "flat"], "verify").stack).toBe("flat");
    expect(parseCheckArgs(["--stack", "flat", "--json"], "verify")).toMatchObject({ stack: "flat", json: true });
    expect(parseCheckArgs(["--stack=flat", "--fail", "region1"], "drill")).toMatchObject({ stack: "flat", fail: "region1" });
    expect(parseCheckArgs(["flat", "-s", "flat"], "verify").stack).toBe("flat");
    expect(parseDiagramArgs(["-s", "dev"])).toEqual({ stack: "dev", markdown: false });
  });

  it("rejects unknown short options, values given to flags, and a missing -s value, with exit code 2", () => {
    const usage = (argv: string[]) => {
      try {
        parseCheckArgs(argv, "verify");
      } catch (err) {
        expect((err as UserError).exitCode).toBe(2);
        return (err as UserError).message;
      }
      throw new Error("expected a usage error");
    };
    expect(usage(["dev", "-v"])).toMatch(/^unknown option -v\nusage: npm run verify -- <stack>/);
    expect(usage(["dev", "--json=yes"])).toMatch(/^--json takes no value/);
    expect(usage(["-s"])).toMatch(/^-s needs a value/);
    expect(usage(["-s", "--json"])).toMatch(/^-s needs a value/);
  });
});

describe("bars and tables", () => {
  it("fills the observed share and marks the predicted one", () => {
    expect(bar(0.5, 0.5, 10)).toBe("████┃·····");
    expect(bar(0, 0.1, 10)).toBe("|·········");
    expect(bar(0.3, 0, 10)).toBe("███·······");
    expect(bar(1, 1, 4)).toBe("███┃");
  });

  it("pads columns", () => {
    expect(table([["a", "bb", "c"], ["ccc", "d", "e"]], "")).toBe("a    bb  c\nccc  d   e");
  });
});

describe("probes", () => {
  it("tries a TCP connection per target and reads curl's time_connect", () => {
    const targets = [{ host: "10.20.0.5", port: 8181 }, { host: "172.30.255.201", port: 15443 }, { host: "10.20.1.9", port: 5000 }];
    const script = connectScript(targets);
    expect(script).toMatch(/^for t in 10\.20\.0\.5:8181 172\.30\.255\.201:15443 10\.20\.1\.9:5000; do\n/);
    expect(script).toContain("--connect-timeout 3");
    const out = "noise\nKMCONN 10.20.0.5:8181 0.000388 0\nKMCONN 172.30.255.201:15443 0.001204 52\n";
    expect(parseConnectResults(out, targets).map((r) => [r.port, r.connected, r.rc])).toEqual([[8181, true, 0], [15443, true, 52], [5000, false, -1]]);
    expect(parseConnectResults("KMCONN 10.20.0.5:8181 0.000000 7", targets.slice(0, 1))[0]).toMatchObject({ connected: false, rc: 7 });
    expect(() => connectScript([{ host: "a;reboot", port: 1 }])).toThrow(/refusing to probe/);
  });

  it("splits gateway addresses", () => {
    expect(splitAddress("172.30.255.201", 15443)).toEqual({ host: "172.30.255.201", port: 15443 });
    expect(splitAddress("172.26.0.2:31443", 15443)).toEqual({ host: "172.26.0.2", port: 31443 });
  });
});

describe("reading istiod and the outputs", () => {
  it("parses /debug/clusterz", () => {
    const text = '[\n {"id":"east","secretName":"","syncStatus":"synced"},\n {"id":"west","secretName":"istio-system/istio-remote-secret-west","syncStatus":"timeout"}\n]\n';
    expect(parseClusterz(text)).toEqual([
      { id: "east", syncStatus: "synced" },
      { id: "west", secretName: "istio-system/istio-remote-secret-west", syncStatus: "timeout" },
    ]);
    expect(() => parseClusterz("{}")).toThrow(/did not return a list/);
  });

  it("validates the outputs' shape and reads a kubeconfig's server without its secrets", () => {
    expect(() => validateOutputs("dev", [])).toThrow(/not deployed/);
    expect(() => validateOutputs("dev", { clusters: { a: { role: "primary" } }, trafficPlan: {}, workloads: { services: [], clients: [] }, trafficModel: {} })).toThrow(
      /output clusters\.a is not \{ network, role, kubeconfig, apiServer \}/,
    );
    expect(kubeconfigServer(fakeKubeconfig("east", 7001))).toBe("https://127.0.0.1:7001");
    expect(kubeconfigServer("::: not yaml")).toBeUndefined();
  });

  it("takes the numeric shares of a client locality from the traffic plan", () => {
    const plan = { "r/z": { "r/z": 0.7, "r/y": 0.3 }, diagnostics: { "r/z": [] }, ifLocalityFails: {} };
    expect(plannedShares(plan, "r/z")).toEqual({ "r/z": 0.7, "r/y": 0.3 });
    expect(plannedShares(plan, "q/z")).toBeUndefined();
  });

  it("matches --fail against localities, zones and regions", () => {
    expect(isFailed("east/zone1", "east/zone1")).toBe(true);
    expect(isFailed("east/zone1", "east")).toBe(true);
    expect(isFailed("east/zone1/rack2", "east/zone1")).toBe(true);
    expect(isFailed("east/zone2", "east/zone1")).toBe(false);
    expect(isFailed("west/zone1", "east")).toBe(false);
  });
});
