/**
 * The command lines the cluster drills run (through injected runners: nothing runs): the Docker CLI for the
 * node containers, and kubectl for istiod's logs and the proxy image of a pod.
 */
import { describe, expect, it } from "vitest";
import { dockerCli } from "../../scripts/lib/docker";
import { kubectlClient, toPodInfo } from "../../scripts/lib/kubectl";
import type { RunOptions, RunResult } from "../../scripts/lib/run";

function recorder(answer: (args: string[]) => Partial<RunResult> = () => ({})) {
  const calls: { file: string; args: string[] }[] = [];
  const runner = async (file: string, args: string[], _opts: RunOptions): Promise<RunResult> => {
    calls.push({ file, args });
    return { code: 0, stdout: "", stderr: "", ...answer(args) };
  };
  return { calls, runner };
}

describe("dockerCli", () => {
  it("lists a kind cluster's node containers by kind's label, sorted", async () => {
    const { calls, runner } = recorder(() => ({ stdout: "east-worker\neast-control-plane\n" }));
    expect(await dockerCli(runner).nodeContainers("east")).toEqual(["east-control-plane", "east-worker"]);
    expect(calls).toEqual([{ file: "docker", args: ["ps", "--all", "--filter", "label=io.x-k8s.kind.cluster=east", "--format", "{{.Names}}"] }]);
  });

  it("exec, pause and unpause, each as one docker call without a shell", async () => {
    const { calls, runner } = recorder();
    const docker = dockerCli(runner);
    await docker.exec("east-worker", ["iptables", "-D", "INPUT"]);
    await docker.pause(["east-control-plane", "east-worker"]);
    await docker.unpause(["east-control-plane", "east-worker"]);
    expect(calls.map((c) => [c.file, ...c.args].join(" "))).toEqual([
      "docker exec east-worker iptables -D INPUT",
      "docker pause east-control-plane east-worker",
      "docker unpause east-control-plane east-worker",
    ]);
  });

  it("a failure carries docker's first stderr lines; a missing docker is a hint, not a crash", async () => {
    const failing = recorder(() => ({ code: 1, stderr: "Error response from daemon: Container abc is not paused\n" }));
    await expect(dockerCli(failing.runner).unpause(["abc"])).rejects.toThrow("docker unpause abc failed: Error response from daemon: Container abc is not paused");
    const missing = recorder(() => ({ code: null, notFound: true }));
    await expect(dockerCli(missing.runner).pause(["abc"])).rejects.toThrow("docker is not installed (not on PATH)");
  });
});

describe("kubectl for the drills and the version check", () => {
  it("logs: one container, since N seconds, with a request timeout", async () => {
    const { calls, runner } = recorder(() => ({ stdout: "line\n" }));
    const client = kubectlClient({ runner, env: {} });
    const kube = client.cluster("east", "apiVersion: v1\nkind: Config\n");
    expect(await kube.logs({ namespace: "istio-system", pod: "istiod-1-31-1-abc", container: "discovery" }, 42.4)).toBe("line\n");
    expect(calls[0].args.slice(2)).toEqual(["logs", "-n", "istio-system", "istiod-1-31-1-abc", "-c", "discovery", "--since=42s", "--request-timeout=20s"]);
    await client.close();
  });

  it("a pod's proxy image is its istio-proxy container's", () => {
    const pod = { metadata: { name: "a" }, spec: { containers: [{ name: "app", image: "app:1" }, { name: "istio-proxy", image: "docker.io/istio/proxyv2:1.31.1" }] } };
    expect(toPodInfo(pod).proxyImage).toBe("docker.io/istio/proxyv2:1.31.1");
    expect(toPodInfo({ spec: { containers: [{ name: "app", image: "app:1" }] } }).proxyImage).toBeUndefined();
  });

  it("a sidecar as Istio 1.31 injects it on Kubernetes 1.35: native (an init container), revision as an annotation", () => {
    const sidecar = {
      metadata: { name: "sleep-1", labels: { app: "sleep", "service.istio.io/canonical-name": "sleep" }, annotations: { "istio.io/rev": "1-31-1" } },
      spec: { initContainers: [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.31.1" }], containers: [{ name: "sleep", image: "curl" }] },
    };
    expect(toPodInfo(sidecar)).toMatchObject({ proxyImage: "docker.io/istio/proxyv2:1.31.1", revision: "1-31-1" });
    const gateway = { metadata: { name: "gw", labels: { "istio.io/rev": "1-31-0" }, annotations: { "istio.io/rev": "1-31-0" } }, spec: { containers: [{ name: "istio-proxy", image: "x:1.31.0" }] } };
    expect(toPodInfo(gateway)).toMatchObject({ proxyImage: "x:1.31.0", revision: "1-31-0" });
    expect(toPodInfo({ metadata: { name: "plain" }, spec: { containers: [{ name: "app" }] } }).revision).toBeUndefined();
  });
});
