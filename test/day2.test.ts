/**
 * Day 2 under mocks: a second `up`, a cluster deleted outside Pulumi, a network edit, Docker down, and copied
 * stacks side by side. The fake Docker host keeps its containers between runs in this file, as a real engine
 * keeps them between two `pulumi up`s; `fakeDockerHost` plays the user acting outside Pulumi.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { livenessScript } from "../model/build/dockerProbes";
import type { Recorded } from "./helpers/mocks";
import { runProgram, runProgramExpectingError, resource, ofType, type ProgramRun } from "./helpers/program";
import { fakeDockerHost } from "./helpers/fakes/clusters";
import { stackConfig } from "./helpers/stacks";

const COMMAND = "command:local:Command";
const NETWORK = "docker:index/network:Network";
const key = (r: Recorded) => `${r.type}::${r.name}`;
/** The kind Command's triggers end with the network's ID, then the liveness element. */
const liveness = (cmd: Recorded) => cmd.inputs.triggers.length - 1;
const networkId = (cmd: Recorded) => cmd.inputs.triggers.length - 2;

/** The inputs the engine diffs: the new ones, with each `ignoreChanges` path taken from the previous state. */
function effectiveInputs(now: Recorded, before: Recorded | undefined): Record<string, unknown> {
  const inputs = structuredClone(now.inputs);
  for (const path of now.ignoreChanges) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(path);
    if (!m || !before) throw new Error(`cannot emulate ignoreChanges path ${path}`);
    const [, prop, index] = m;
    if (index === undefined) inputs[prop] = before.inputs[prop];
    else (inputs[prop] as unknown[])[Number(index)] = (before.inputs[prop] as unknown[])[Number(index)];
  }
  return inputs;
}

/** Every resource whose effective inputs differ between two runs, with the differing top-level keys. */
function changes(first: ProgramRun, second: ProgramRun): Record<string, string[]> {
  const before = new Map(first.resources.map((r) => [key(r), r]));
  const out: Record<string, string[]> = {};
  for (const r of second.resources) {
    const old = before.get(key(r));
    const now = effectiveInputs(r, old);
    const keys = [...new Set([...Object.keys(now), ...Object.keys(old?.inputs ?? {})])].filter(
      (k) => JSON.stringify(now[k]) !== JSON.stringify(old?.inputs[k]),
    );
    if (!old || keys.length > 0) out[key(r)] = old ? keys.sort() : ["<new resource>"];
  }
  for (const r of first.resources) if (!second.resources.some((x) => key(x) === key(r))) out[key(r)] = ["<gone>"];
  return out;
}

beforeEach(() => fakeDockerHost.reset());

describe("a second `pulumi up` right after the first", () => {
  it.each(["flat", "dev", "primary-remote"])("%s: registers identical inputs, except the pod routes' deployment stamp", async (stack) => {
    const first = await runProgram(stack);
    const second = await runProgram(stack);
    const routes = ofType(second, COMMAND).filter((r) => r.name.endsWith("-routes")).map(key);
    const expected = Object.fromEntries(routes.map((k) => [k, ["environment"]]));
    expect(changes(first, second)).toEqual(expected);
    // The liveness element is the only trigger a present cluster would change, and it is ignored.
    for (const cmd of ofType(second, COMMAND).filter((r) => r.name.endsWith("-kind-cluster"))) {
      expect(cmd.ignoreChanges).toEqual([`triggers[${liveness(cmd)}]`]);
      expect(cmd.inputs.triggers[liveness(cmd)]).toBe("recreated-if-missing=present");
    }
  });
});

describe("a kind cluster deleted outside Pulumi", () => {
  it("kind delete cluster: the next up replaces that cluster's Command (and so what is inside), and only that one", async () => {
    const first = await runProgram("dev");
    const created = resource(first, COMMAND, "east-kind-cluster");
    expect(created.inputs.triggers[liveness(created)]).toMatch(/^recreated-if-missing=\d{4}-\d\d-\d\dT/);
    fakeDockerHost.deleteKindCluster("dev-east");
    const second = await runProgram("dev");
    const east = resource(second, COMMAND, "east-kind-cluster");
    const west = resource(second, COMMAND, "west-kind-cluster");
    // east: no ignoreChanges, a new liveness value: a trigger change, which replaces the Command (delete, create).
    expect(east.ignoreChanges).toEqual([]);
    expect(effectiveInputs(east, resource(first, COMMAND, "east-kind-cluster")).triggers).not.toEqual(resource(first, COMMAND, "east-kind-cluster").inputs.triggers);
    expect(east.deleteBeforeReplace).toBe(true);
    // west is there: unchanged.
    expect(west.ignoreChanges).toEqual([`triggers[${liveness(west)}]`]);
    expect(effectiveInputs(west, resource(first, COMMAND, "west-kind-cluster"))).toEqual(resource(first, COMMAND, "west-kind-cluster").inputs);
    // Everything in east hangs on the Command's ID through the provider's clusterIdentifier: a new Command is a
    // new identifier, so the engine creates every object in the new cluster again.
    const provider = resource(second, "pulumi:providers:kubernetes", "east-k8s");
    expect(provider.propertyDependencies.clusterIdentifier).toEqual([east.urn]);
  });

  it("one node removed (docker rm -f) counts as gone: the whole cluster is recreated", async () => {
    await runProgram("dev");
    fakeDockerHost.removeContainer("dev-east-worker");
    const second = await runProgram("dev");
    expect(resource(second, COMMAND, "east-kind-cluster").ignoreChanges).toEqual([]);
    const probe = second.mocks.invokes.find((i) => i.inputs.command === livenessScript(["dev-east-control-plane", "dev-east-worker"]));
    expect(probe).toBeDefined();
  });

  it("stopped nodes are not recreated: the up stops before any resource and says how to start them", async () => {
    await runProgram("dev");
    fakeDockerHost.stopContainer("dev-west-control-plane");
    const { error, resources } = await runProgramExpectingError("dev");
    expect(error.message).toBe(
      "Checked the machine before deploying; nothing was deployed:\n" +
        "  - kind cluster dev-west: node container dev-west-control-plane is stopped (a reboot or a Docker restart?). Start it with: docker start dev-west-control-plane -- then run pulumi up again. (To start over instead: kind delete cluster --name dev-west, and pulumi up recreates it.)",
    );
    expect(resources).toEqual([]);
  });

  it("Docker down is one clear message, not 'every cluster is gone'", async () => {
    await runProgram("dev");
    fakeDockerHost.setDown(true);
    const { error, resources } = await runProgramExpectingError("dev");
    expect(error.message).toBe(
      "Checked the machine before deploying; nothing was deployed:\n" +
        "  - kindmesh: Docker does not answer (docker version failed). Start Docker, or point DOCKER_HOST (or the docker context) at the engine this stack was deployed on, then run pulumi up again.",
    );
    expect(resources).toEqual([]);
  });
});

describe("a Docker network edit", () => {
  it("replaces the kind clusters before the network: their trigger is the network's ID, and both delete before replacing", async () => {
    const run = await runProgram("dev");
    const net = resource(run, NETWORK, "docker-network");
    expect(net.deleteBeforeReplace).toBe(true);
    for (const name of ["east", "west"]) {
      const cmd = resource(run, COMMAND, `${name}-kind-cluster`);
      expect(cmd.inputs.triggers[networkId(cmd)]).toBe("docker-network-id");
      // What the engine reads to replace dependents of a delete-before-replace resource first.
      expect(cmd.propertyDependencies.triggers).toEqual([net.urn]);
      expect(cmd.dependencies).toContain(net.urn);
      expect(cmd.deleteBeforeReplace).toBe(true);
    }
  });

  it("a new subnet changes the network's inputs and every cluster's trigger", async () => {
    const before = await runProgram("dev");
    const topology = { ...(stackConfig("dev")["kindmesh:topology"] as object), dockerNetwork: { subnet: "10.0.0.0/16" } };
    const after = await runProgram("dev", { config: { "kindmesh:topology": topology } });
    expect(changes(before, after)[`${NETWORK}::docker-network`]).toEqual(["ipamConfigs"]);
    expect(resource(after, COMMAND, "east-kind-cluster").inputs.triggers).toContain("dockerNetwork=kindmesh-dev 10.0.0.0/16");
  });
});

describe("stacks side by side under mocks", () => {
  const asStack = (stack: string) => runProgram(stack, { withoutStackFile: true, config: stackConfig("dev") });

  it("two copies of dev with only their names changed register distinct kind clusters, networks and subnets", async () => {
    const [mine, lab] = [await asStack("mine"), await asStack("lab")];
    const footprint = (run: ProgramRun) => ({
      network: resource(run, NETWORK, "docker-network").inputs.name,
      subnet: resource(run, NETWORK, "docker-network").inputs.ipamConfigs[0].subnet,
      kind: ofType(run, COMMAND).filter((r) => r.name.endsWith("-kind-cluster")).map((r) => /kind create cluster --name (\S+)/.exec(r.inputs.create)?.[1]),
    });
    expect(footprint(mine)).toEqual({ network: "kindmesh-mine", subnet: "172.16.124.0/22", kind: ["mine-east", "mine-west"] });
    expect(footprint(lab)).toEqual({ network: "kindmesh-lab", subnet: "172.16.96.0/22", kind: ["lab-east", "lab-west"] });
    // Istio's cluster names are the stack file's in both.
    expect(Object.keys(mine.outputs.clusters as object)).toEqual(["east", "west"]);
  });
});
