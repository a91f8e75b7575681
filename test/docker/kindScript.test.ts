/**
 * The kind scripts of model/build/kindScript.ts against a real Docker engine: the API server address read back
 * from a node container, and the create script's "is this control plane on the stack's network" check. kind
 * itself is a stub on PATH (it cannot run here: no node image can be pulled); Docker is real.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiServerUrl, containerIpCommand, kindCreateScript } from "../../model/build/kindScript";
import type { DockerNetworkSpec } from "../../model/types";
import { toNumber as toNumberOf } from "../../model/config/addresses";
import { addressOnNetwork, engine, needEngine, Scratch, sh } from "./engine";

const scratch = new Scratch("kind");
let stackNet: DockerNetworkSpec;
let otherNet: DockerNetworkSpec;

beforeAll(async () => {
  if (!engine().ok) return;
  stackNet = await scratch.network("stack");
  otherNet = await scratch.network("other");
});
afterAll(() => scratch.cleanup());

describe("the API server address read back from a node container (real Docker)", () => {
  it("prints the container's address on the stack's network, inside its node range; apiServerUrl makes the URL", (ctx) => {
    needEngine(ctx);
    const node = scratch.container("ip-control-plane", stackNet.name);
    const r = sh(containerIpCommand(node, stackNet.name));
    expect(r.status, r.stderr).toBe(0);
    const ip = r.stdout.trim();
    expect(ip).toBe(addressOnNetwork(node, stackNet.name));
    // ipRange is the lower half: a node never takes a MetalLB pool's address from the top quarter.
    const [base, bits] = stackNet.ipRange.split("/");
    expect(toNumberOf(ip) - toNumberOf(base)).toBeLessThan(2 ** (32 - Number(bits)));
    expect(toNumberOf(ip)).toBeGreaterThanOrEqual(toNumberOf(base));
    expect(apiServerUrl(r.stdout, node, stackNet.name, 6443)).toBe(`https://${ip}:6443`);
  });

  it("of a container on another network only: nothing usable, and apiServerUrl says what to check", (ctx) => {
    needEngine(ctx);
    const node = scratch.container("ip-elsewhere", otherNet.name);
    const r = sh(containerIpCommand(node, stackNet.name));
    expect(() => apiServerUrl(r.stdout, node, stackNet.name, 6443)).toThrow(
      new RegExp(`${node} has no IPv4 address on the Docker network ${stackNet.name}.*docker network inspect ${stackNet.name}`),
    );
  });
});

describe("the create script's check of a same-named cluster (real Docker, stub kind)", () => {
  let bin: string;
  let log: string;

  /** kind that lists `listed` as existing clusters, logs every call, and prints a kubeconfig. */
  function stubKind(listed: string): void {
    fs.writeFileSync(
      path.join(bin, "kind"),
      [
        "#!/bin/sh",
        `echo "kind $*" >> "${log}"`,
        `case "$1 $2" in`,
        `  "get clusters") printf '%s\\n' ${listed || "''"} ;;`,
        `  "get kubeconfig") echo "apiVersion: v1 # kubeconfig of $4" ;;`,
        "esac",
      ].join("\n"),
      { mode: 0o755 },
    );
  }

  const create = (cluster: string) =>
    sh(kindCreateScript(cluster, "5m"), { ...process.env, PATH: `${bin}:${process.env.PATH}`, KIND_EXPERIMENTAL_DOCKER_NETWORK: stackNet.name });
  const calls = () => fs.readFileSync(log, "utf8").trim().split("\n");

  beforeAll(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-test-kind-"));
    log = path.join(bin, "calls.log");
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  it("a cluster left on this stack's network by an interrupted run is deleted, then created again", (ctx) => {
    needEngine(ctx);
    const cluster = `${scratch.prefix}-left`;
    scratch.container("left-control-plane", stackNet.name);
    stubKind(cluster);
    const r = create(cluster);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removing the kind cluster ${cluster} that an interrupted run of this stack left on its network (${stackNet.name})`);
    expect(calls().filter((c) => !c.startsWith("kind get clusters"))).toEqual([`kind delete cluster --name ${cluster}`, `kind create cluster --name ${cluster} --config - --wait 5m`, `kind get kubeconfig --name ${cluster}`]);
    expect(r.stdout).toBe(`apiVersion: v1 # kubeconfig of ${cluster}\n`);
  });

  it("a cluster of that name whose control plane is on another network is refused, and nothing is deleted or created", (ctx) => {
    needEngine(ctx);
    fs.rmSync(log, { force: true });
    const cluster = `${scratch.prefix}-foreign`;
    scratch.container("foreign-control-plane", otherNet.name);
    stubKind(cluster);
    const r = create(cluster);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`a kind cluster named ${cluster} already exists outside this stack's network (${stackNet.name})`);
    expect(r.stderr).toContain(`kind delete cluster --name ${cluster}`);
    expect(calls()).toEqual(["kind get clusters"]);
    expect(r.stdout).toBe("");
  });

  it("another cluster's control plane on the stack's network does not count: a new name is just created", (ctx) => {
    needEngine(ctx);
    fs.rmSync(log, { force: true });
    const cluster = `${scratch.prefix}-new`;
    scratch.container("neighbour-control-plane", stackNet.name);
    stubKind(`${scratch.prefix}-neighbour`);
    const r = create(cluster);
    expect(r.status, r.stderr).toBe(0);
    expect(calls()).toEqual(["kind get clusters", `kind create cluster --name ${cluster} --config - --wait 5m`, `kind get kubeconfig --name ${cluster}`]);
  });
});
