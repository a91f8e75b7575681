import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { resolve } from "./helpers/components";
import { parse, stackRaw } from "./helpers/configs";
import { runProgram, runProgramExpectingError, shownOutputs } from "./helpers/program";
import { shippedStacks } from "./helpers/stacks";

describe.each(shippedStacks())("stack %s under mocks", (stack) => {
  it("evaluates: every layer registers, outputs follow contract §3", async () => {
    const run = await runProgram(stack);
    const types = new Set(run.resources.map((r) => r.type));
    for (const t of ["kindmesh:clusters:KindCluster", "kubernetes:helm.sh/v3:Release", "kindmesh:traffic:Workloads", "kubernetes:networking.istio.io/v1:DestinationRule"]) {
      expect(types.has(t), t).toBe(true);
    }
    const clusters = run.outputs.clusters as Record<string, Record<string, unknown>>;
    const spec = parse(stackRaw(stack), stack);
    expect(Object.keys(clusters)).toEqual(spec.clusters.map((c) => c.name));
    for (const c of spec.clusters) {
      expect(clusters[c.name]).toMatchObject({ network: c.network, role: c.role });
      expect(await resolve(clusters[c.name].apiServer as pulumi.Output<string>)).toMatch(/^https:\/\/172\.\d+\.\d+\.\d+:6443$/);
      expect(await pulumi.isSecret(clusters[c.name].kubeconfig as pulumi.Output<string>)).toBe(true);
      expect("eastWestGatewayAddress" in clusters[c.name]).toBe(c.needsEastWestGateway);
    }
    expect(Object.keys(run.outputs.trafficPlan as object)).toEqual(spec.traffic.policies.map((p) => p.service));
  });

  it("previews the same resources before anything exists, with addresses unknown and the traffic plan known", async () => {
    const names = (run: { resources: { type: string; name: string }[] }) => run.resources.map((r) => `${r.type}/${r.name}`).sort();
    const preview = await runProgram(stack, { preview: true });
    const normal = await runProgram(stack);
    expect(names(preview)).toEqual(names(normal));
    const clusters = preview.outputs.clusters as Record<string, { apiServer: pulumi.Output<string> }>;
    for (const c of Object.values(clusters)) expect(await resolve(c.apiServer, 200)).toBeUndefined();
    expect(preview.outputs.trafficPlan).toEqual(normal.outputs.trafficPlan);
  });
});

describe("what a user sees of the plan", () => {
  it("flat: the trafficPlan output is the 70/20/10 split", async () => {
    const run = await runProgram("flat");
    expect((run.outputs.trafficPlan as any).helloworld["region1/zone1"]).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 });
  });

  it("every preview prints the predicted split, one table per policy", async () => {
    const info = vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
    try {
      await runProgram("flat", { preview: true });
      const tables = info.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith("Predicted split for "));
      expect(tables).toHaveLength(1);
      expect(tables[0]).toContain("    region3/zone4            ██··················  10.0%");
      expect(tables[0]).toContain("  if region1/zone1 loses its backends:");
    } finally {
      info.mockRestore();
    }
  });

  it("a multi-network preview says where each east-west gateway pod runs, and warns about istio#56355 with the stack's numbers", async () => {
    const info = vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
    const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async () => {});
    try {
      await runProgram("multizone-remote", { preview: true });
      const infos = info.mock.calls.map((c) => String(c[0]));
      expect(infos).toContain("East-west gateway pods, where cross-network requests are split a second time: near (network-near) in near/zone1; far (network-far) in far/zone1.");
      expect(infos.find((m) => m.startsWith("Predicted split for helloworld"))).toContain("  of which the client's sidecar sends (first hop, gateway shares under their locality):");
      const warnings = warn.mock.calls.map((c) => String(c[0]));
      expect(warnings).toEqual([expect.stringMatching(/^traffic\.policies\[0\]\.trafficPolicy: Clients in near\/zone1 reach cluster "far" .*istio#56355.*far\/zone2 16\.7%.*\(gateway-duplicate-dropped\)$/)]);
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });

  it("configuration warnings reach the user as Pulumi warnings, with their path", async () => {
    const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async () => {});
    try {
      const clients = [{ name: "sleep", locality: "region1/zone1" }, { name: "sleep2", locality: "region2/zone3" }];
      await runProgram("flat", { preview: true, config: { "kindmesh:traffic": { ...(stackRaw("flat").traffic as object), clients } } });
      expect(warn.mock.calls.map((c) => String(c[0]))).toContain(
        'traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute: no "from" covers the client in "region2/zone3": its requests are spread by endpoint count over every locality, with no locality preference and no failover.',
      );
    } finally {
      warn.mockRestore();
    }
  });

  it("no output holds a kubeconfig, key or token in plain text", async () => {
    for (const stack of ["primary-remote", "dev"]) {
      const run = await runProgram(stack);
      const shown = (await shownOutputs(run.raw)) as Record<string, any>;
      for (const c of Object.values(shown.clusters)) expect((c as any).kubeconfig).toBe("[secret]");
      expect(JSON.stringify(shown)).not.toMatch(/PRIVATE KEY|client-key-data|certificate-authority-data|token/);
      expect(JSON.stringify(shown.clusters)).toMatch(/"apiServer":"https:\/\/172\./);
    }
  });
});

describe("a user-supplied root CA (kindmesh:rootCaCert, secret kindmesh:rootCaKey)", () => {
  const fixture = (f: string) => fs.readFileSync(path.resolve(__dirname, "fixtures/rootca", f), "utf8");

  it("signs every intermediate instead of a generated root; its key reaches the resources only as a secret", async () => {
    const run = await runProgram("dev", {
      config: { "kindmesh:rootCaCert": fixture("root-cert.pem"), "kindmesh:rootCaKey": fixture("root-key.pem") },
      secretKeys: ["kindmesh:rootCaKey"],
    });
    expect(run.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")).toEqual([]);
    const signed = run.resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert");
    expect(signed.map((r) => r.name).sort()).toEqual(["mesh-ca-east", "mesh-ca-west"]);
    for (const r of signed) {
      expect(r.inputs.caCertPem).toBe(fixture("root-cert.pem"));
      expect(JSON.stringify(r.inputs.caPrivateKeyPem)).toContain("1b47061264138c4ac30d75fd1eb44270");
    }
  });

  it("a key set without --secret stops the program before anything is registered", async () => {
    const { error, resources } = await runProgramExpectingError("dev", {
      config: { "kindmesh:rootCaCert": fixture("root-cert.pem"), "kindmesh:rootCaKey": fixture("root-key.pem") },
    });
    expect(error.message).toMatch(/rootCaKey: is stored in plain text in the stack file/);
    expect(resources).toEqual([]);
  });
});

describe("an invalid configuration", () => {
  it("unreadable kubeconfigs of existing clusters are all reported before any resource is registered", async () => {
    const topology = stackRaw("dev").topology;
    topology.clusters.push(
      { name: "prod-a", network: "network-west", kubeconfig: "/nonexistent/a.yaml", context: "a" },
      { name: "prod-b", network: "network-west", kubeconfig: "/nonexistent/b.yaml" },
    );
    const { error, resources } = await runProgramExpectingError("dev", { config: { "kindmesh:topology": topology } });
    expect(error.message).toMatch(/^The stack configuration has 2 problems; nothing was deployed\. Fix them in Pulumi\.dev\.yaml:/);
    expect(error.message).toMatch(/  - topology\.clusters\[2\]\.kubeconfig: cluster "prod-a" \(topology.clusters\[2\]\): cannot read the kubeconfig \/nonexistent\/a.yaml/);
    expect(error.message).toMatch(/  - topology\.clusters\[3\]\.kubeconfig: cluster "prod-b" \(topology.clusters\[3\]\): cannot read the kubeconfig \/nonexistent\/b.yaml/);
    expect(resources).toEqual([]);
  });

  it("a misspelt top-level key in the stack file stops the program", async () => {
    const { error } = await runProgramExpectingError("flat", { config: { "kindmesh:version": { istio: "1.30.3" } } });
    expect(error.message).toMatch(/  - version: unknown stack config key "kindmesh:version"\. Did you mean "kindmesh:versions"\?/);
  });

  it("stops with the ConfigError message as a RunError (no stack trace) and registers nothing", async () => {
    const broken = { clusters: [{ name: "East_1", nodes: [{ role: "worker", locality: "a//b" }] }] };
    const { error, resources } = await runProgramExpectingError("dev", { config: { "kindmesh:topology": broken } });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^The stack configuration has 3 problems; nothing was deployed/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.name: "East_1" is not a valid cluster name/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.nodes\[0\]\.locality: locality "a\/\/b" has an empty part/);
    expect(error.message).toMatch(/topology\.clusters\[0\]\.nodes: a kind cluster needs a node with role "control-plane"/);
    expect(error.stack ?? "").not.toMatch(/model\/spec\.ts/);
    expect(resources).toEqual([]);
  });
});
