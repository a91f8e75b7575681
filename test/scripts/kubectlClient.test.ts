/**
 * The real client's command lines (through an injected runner: nothing runs), its handling of the kubeconfig
 * secret, and the messages verify prints for a missing stack, an undeployed one, a missing kubeconfig and an
 * unreachable cluster.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { kubectlClient } from "../../scripts/lib/kubectl";
import type { RunOptions, RunResult } from "../../scripts/lib/run";
import { runVerify } from "../../scripts/verify";
import { recordingIo } from "./fakes/io";
import { fakeOutputs } from "./fakes/outputs";

const ROOT = path.resolve(__dirname, "../..");

interface Call {
  file: string;
  args: string[];
  opts: RunOptions;
  /** Mode of the --kubeconfig file at call time, and its content. */
  kubeconfig?: { mode: number; content: string };
}

function fakeRunner(answer: (file: string, args: string[]) => Partial<RunResult>) {
  const calls: Call[] = [];
  const runner = async (file: string, args: string[], opts: RunOptions): Promise<RunResult> => {
    const i = args.indexOf("--kubeconfig");
    const kc = i >= 0 ? { mode: fs.statSync(args[i + 1]).mode & 0o777, content: fs.readFileSync(args[i + 1], "utf8") } : undefined;
    calls.push({ file, args, opts, ...(kc ? { kubeconfig: kc } : {}) });
    return { code: 0, stdout: "", stderr: "", ...answer(file, args) };
  };
  return { calls, runner };
}

const outputsJson = JSON.stringify(fakeOutputs("flat"));

describe("the real client", () => {
  it("reads outputs with the Pulumi CLI in the project directory, with the empty passphrase by default", async () => {
    const { calls, runner } = fakeRunner(() => ({ stdout: outputsJson }));
    const client = kubectlClient({ runner, env: { PATH: "/usr/bin" } });
    await client.stackOutputs("flat");
    expect(calls[0].file).toBe("pulumi");
    expect(calls[0].args).toEqual(["stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", "flat"]);
    expect(calls[0].opts.cwd).toBe(ROOT);
    expect(calls[0].opts.env).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_SKIP_UPDATE_CHECK: "true", PATH: "/usr/bin" });
    const withFile = fakeRunner(() => ({ stdout: "{}" }));
    await kubectlClient({ runner: withFile.runner, env: { PULUMI_CONFIG_PASSPHRASE_FILE: "/p" } }).stackOutputs("flat");
    expect(withFile.calls[0].opts.env?.PULUMI_CONFIG_PASSPHRASE).toBeUndefined();
  });

  it("passes the kubeconfig as a 0600 file in a 0700 directory, never on the command line, and removes it on close", async () => {
    const { calls, runner } = fakeRunner(() => ({ stdout: '{"items":[]}' }));
    const client = kubectlClient({ runner });
    const kube = client.cluster("cluster1", "apiVersion: v1\nusers: [{user: {token: s3cret}}]\n");
    await kube.listPods("sample", "app=sleep");
    const dir = client.kubeconfigDir() ?? "";
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(calls[0].kubeconfig).toEqual({ mode: 0o600, content: "apiVersion: v1\nusers: [{user: {token: s3cret}}]\n" });
    expect(calls[0].args.join(" ")).not.toContain("s3cret");
    expect(calls[0].args).toEqual(["--kubeconfig", path.join(dir, "cluster1.kubeconfig"), "get", "pods", "-n", "sample", "-l", "app=sleep", "-o", "json", "--request-timeout=20s"]);
    await client.close();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("builds exec, get, scale and probe command lines without a shell", async () => {
    const { calls, runner } = fakeRunner(() => ({ stdout: "" }));
    const kube = kubectlClient({ runner }).cluster("c", "kc");
    await kube.exec({ namespace: "istio-system", pod: "istiod-1", container: "discovery" }, ["pilot-discovery", "request", "GET", "/debug/clusterz"], 60_000);
    expect(await kube.getJson("secret", "istio-system", "cacerts")).toBeUndefined();
    await kube.getJson("nodes", "", "");
    await kube.scale("sample", "helloworld-east-zone1", 0);
    await kube.runProbe({ namespace: "default", name: "kindmesh-probe-abc123", image: "img", nodeName: "c-worker", script: "echo hi", timeoutMs: 1000 });
    const lines = calls.map((c) => c.args.slice(2));
    expect(lines[0]).toEqual(["exec", "-n", "istio-system", "istiod-1", "-c", "discovery", "--", "pilot-discovery", "request", "GET", "/debug/clusterz"]);
    expect(calls[0].opts.timeoutMs).toBe(60_000);
    expect(lines[1]).toEqual(["get", "secret", "cacerts", "-n", "istio-system", "-o", "json", "--ignore-not-found", "--request-timeout=20s"]);
    expect(lines[2]).toEqual(["get", "nodes", "-o", "json", "--ignore-not-found", "--request-timeout=20s"]);
    expect(lines[3]).toEqual(["scale", "deployment/helloworld-east-zone1", "-n", "sample", "--replicas=0", "--request-timeout=20s"]);
    expect(lines[4]).toEqual([
      "run", "kindmesh-probe-abc123", "-n", "default", "--image=img", "--restart=Never", "--rm", "-i", "--quiet",
      "--labels=sidecar.istio.io/inject=false,app.kubernetes.io/managed-by=kindmesh",
      '--overrides={"apiVersion":"v1","spec":{"nodeName":"c-worker","tolerations":[{"operator":"Exists"}]}}',
      "--pod-running-timeout=2m", "--command", "--", "sh", "-c", "echo hi",
    ]);
  });
});

describe("reading kubectl's JSON", () => {
  it("maps a pod list to what the checks use", async () => {
    const list = {
      items: [
        {
          metadata: { name: "sleep-1", namespace: "sample", labels: { app: "sleep" } },
          spec: { nodeName: "c-worker", containers: [{ ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] }, { ports: [{ containerPort: 15090 }] }] },
          status: { phase: "Running", podIP: "10.10.1.9", containerStatuses: [{ ready: true }, { ready: true }] },
        },
        { metadata: { name: "kube-proxy-x", namespace: "kube-system", deletionTimestamp: "2026-01-01T00:00:00Z" }, spec: { hostNetwork: true }, status: { phase: "Running" } },
      ],
    };
    const { runner } = fakeRunner(() => ({ stdout: JSON.stringify(list) }));
    expect(await kubectlClient({ runner }).cluster("c", "kc").listPods("", "")).toEqual([
      { name: "sleep-1", namespace: "sample", phase: "Running", ready: true, labels: { app: "sleep" }, nodeName: "c-worker", podIP: "10.10.1.9", hostNetwork: false, ports: [80, 15090], deleting: false },
      { name: "kube-proxy-x", namespace: "kube-system", phase: "Running", ready: false, labels: {}, nodeName: undefined, podIP: undefined, hostNetwork: true, ports: [], deleting: true },
    ]);
  });

  it("never echoes a Secret that is not JSON", async () => {
    const { runner } = fakeRunner(() => ({ stdout: "ca-key.pem: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t" }));
    const err = await kubectlClient({ runner }).cluster("c", "kc").getJson("secret", "istio-system", "cacerts").catch((e: Error) => e);
    expect((err as Error).message).toBe("kubectl printed secret cacerts as something that is not JSON");
  });
});

describe("verify's messages when the lab cannot be checked", () => {
  async function verifyWith(answer: (file: string, args: string[]) => Partial<RunResult>, argv = ["flat"]) {
    const { runner, calls } = fakeRunner(answer);
    const io = recordingIo();
    const code = await runVerify(argv, { client: kubectlClient({ runner }), io });
    return { code, io, calls };
  }

  it("no such stack", async () => {
    const { code, io } = await verifyWith(() => ({ code: 255, stderr: "error: no stack named 'flat' found\n" }));
    expect(code).toBe(3);
    expect(io.errText()).toBe('error: no stack named "flat" (Pulumi.flat.yaml exists, but the stack was never created)\n  hint: deploy it first: npm run up -- flat\n');
    // A stack without a file is a wrong command line, found before the Pulumi CLI is asked.
    const other = await verifyWith(() => ({ code: 255, stderr: "error: no stack named 'nope' found" }), ["nope", "--json"]);
    expect(other.code).toBe(2);
    expect(other.calls).toEqual([]);
    expect(other.io.errText()).toMatch(/^error: no such stack file Pulumi\.nope\.yaml; these exist: (.*, )?dev, flat, hybrid-nodeport, (.*, )?multinet, multizone-remote, primary-remote(, .*)?\n$/);
    expect(other.io.json()).toMatchObject({ ok: false, exitCode: 2, error: expect.stringMatching(/^no such stack file Pulumi\.nope\.yaml/) });
  });

  it("the Pulumi CLI missing, and undecryptable secrets", async () => {
    expect((await verifyWith(() => ({ code: null, notFound: true }))).io.errText()).toMatch(/^error: the Pulumi CLI is not installed .*\n {2}hint: install it: https:\/\/www\.pulumi\.com\/docs\/install\//);
    const bad = await verifyWith(() => ({ code: 255, stderr: "error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n" }));
    expect(bad.io.errText()).toMatch(/cannot decrypt the secrets of stack "flat".*\n {2}hint: set PULUMI_CONFIG_PASSPHRASE/);
  });

  it("a stack with no outputs is not deployed", async () => {
    const { code, io } = await verifyWith(() => ({ stdout: "{}\n" }));
    expect(code).toBe(3);
    expect(io.errText()).toBe('error: stack "flat" is not deployed: it has no outputs (never deployed, or destroyed)\n  hint: deploy it: npm run up -- flat\n');
  });

  it("outputs from an unfinished deployment", async () => {
    const { io } = await verifyWith(() => ({ stdout: JSON.stringify({ meshId: "mesh1", clusters: {} }) }));
    expect(io.errText()).toMatch(/^error: stack "flat" has no `trafficPlan`, `workloads`, `trafficModel` output: its last deployment did not finish/);
  });

  it("a kubeconfig missing from the outputs", async () => {
    const outputs = fakeOutputs("flat");
    outputs.clusters.cluster2.kubeconfig = "[secret]";
    const { code, io } = await verifyWith(() => ({ stdout: JSON.stringify(outputs) }));
    expect(code).toBe(3);
    expect(io.errText()).toMatch(/^error: kubeconfig missing for cluster cluster2 in the outputs of stack "flat"/);
  });

  it("an unreachable cluster is named with its server and the likely fix, and nothing else runs", async () => {
    const { code, io, calls } = await verifyWith((file, args) => {
      if (file === "pulumi") return { stdout: outputsJson };
      if (args.join(" ").includes("cluster2.kubeconfig get --raw /readyz")) {
        return { code: 1, stderr: "The connection to the server 127.0.0.1:6444 was refused - did you specify the right host or port?\n" };
      }
      return {};
    });
    expect(code).toBe(3);
    expect(io.errText()).toMatch(/^error: cluster cluster2 is unreachable at https:\/\/127\.0\.0\.1:\d+ \(the API server health check \(\/readyz\) failed: The connection to the server 127\.0\.0\.1:6444 was refused/);
    expect(io.errText()).toMatch(/hint: is Docker running, and does `docker ps` list the cluster's `flat-<cluster>-control-plane` container \(kind names a stack's clusters `flat-<cluster>`\)\?/);
    expect(calls.filter((c) => c.args.includes("exec"))).toEqual([]);
  });

  it("kubectl missing", async () => {
    const { io } = await verifyWith((file) => (file === "pulumi" ? { stdout: outputsJson } : { code: null, notFound: true }));
    expect(io.errText()).toBe("error: kubectl is not installed (not on PATH)\n  hint: install it: https://kubernetes.io/docs/tasks/tools/\n");
  });

  it("usage errors exit 2", async () => {
    expect((await verifyWith(() => ({}), [])).code).toBe(2);
    const bad = await verifyWith(() => ({}), ["flat", "--requests", "ten"]);
    expect(bad.code).toBe(2);
    expect(bad.io.errText()).toBe("error: --requests ten is not a whole number from 10 to 100000\nusage: npm run verify -- <stack> [--requests N] [--alpha A] [--json] [--verbose]\n");
  });
});
