/**
 * `npm run check`: what `pulumi up` would reject or warn about, at its path and line of the user's own stack
 * file, then the predicted split; exit codes 0/1/2, --strict, --json, -s/--stack, --help.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runCheck } from "../../scripts/check";
import { splitConfigPath, stackNames } from "../../scripts/lib/stackFile";
import { stackRaw } from "../helpers/configs";
import { ROOT } from "../helpers/stacks";
import { recordingIo } from "./fakes/io";

const SHIPPED = ["dev", "flat", "hybrid-nodeport", "multinet", "primary-remote"];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A project with the real Pulumi.yaml and the given stack files (YAML text, or a config object). */
function project(files: Record<string, string | Record<string, unknown>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kindmesh-check-"));
  dirs.push(dir);
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : stringify({ config: content }));
  }
  return dir;
}

async function check(argv: string[], projectDir = ROOT) {
  const io = recordingIo();
  const code = await runCheck(argv, io, { projectDir, homeDir: "/nonexistent-home" });
  return { code, out: io.text(), err: io.errText(), io };
}

/** dev's configuration as a user's own stack file would hold it, with one thing broken. */
function mine(edit: (raw: ReturnType<typeof stackRaw>, extra: Record<string, unknown>) => void): Record<string, unknown> {
  const raw = stackRaw("dev");
  const extra: Record<string, unknown> = {};
  edit(raw, extra);
  return { "kindmesh:topology": raw.topology, "kindmesh:traffic": raw.traffic, ...(raw.versions ? { "kindmesh:versions": raw.versions } : {}), ...extra };
}

describe("check on the shipped stacks", () => {
  it.each(SHIPPED)("%s: exit 0, the predicted split per service and client and the failover case, as a preview prints it", async (stack) => {
    const { code, out } = await check([stack]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Predicted split for helloworld:\n  from [^\n]+:\n {4}\S+ +[█·]{20} +\d+\.\d%/m);
    expect(out).toMatch(/^ {2}if \S+ loses its backends:$/m);
    expect(out).toMatch(new RegExp(`^check ${stack}: 0 errors, \\d+ warnings?; Pulumi\\.${stack}\\.yaml is ready for \`npm run up -- ${stack}\`\\.\\n$`, "m"));
  });

  it("-s and --stack name the stack as the positional does", async () => {
    const a = await check(["flat"]);
    expect((await check(["-s", "flat"])).out).toBe(a.out);
    expect((await check(["--stack", "flat"])).out).toBe(a.out);
    expect((await check(["--stack=flat"])).out).toBe(a.out);
  });
});

describe("check rejects each wrong configuration a user writes, at its path and line", () => {
  // [what, the edit, the path reported, its message, where the line points when the key is not written]
  const cases: [string, (raw: any, extra: Record<string, unknown>) => void, string, RegExp, string?][] = [
    ["a misspelt top-level key", (_r, x) => (x["kindmesh:trafic"] = {}), "trafic", /unknown stack config key "kindmesh:trafic"\. Did you mean "kindmesh:traffic"\?/],
    ["an unknown key in a cluster", (r) => (r.topology.clusters[0].nodez = []), "topology.clusters[0].nodez", /unknown key "nodez"\. Did you mean "nodes"\?/],
    ["an empty locality part", (r) => (r.topology.clusters[0].nodes[1].locality = "east//zone2"), "topology.clusters[0].nodes[1].locality", /has an empty part/],
    ["a kind cluster without control plane", (r) => (r.topology.clusters[1].nodes[0].role = "worker"), "topology.clusters[1].nodes", /needs a node with role "control-plane"/],
    ["two clusters of one name", (r) => (r.topology.clusters[1].name = "east"), "topology.clusters[1].name", /cluster names must be unique/],
    ["a role that does not exist", (r) => (r.topology.clusters[1].role = "secondary"), "topology.clusters[1].role", /Use one of: "primary", "remote"/],
    ["a remote without its primary", (r) => (r.topology.clusters[1].role = "remote"), "topology.clusters[1].primary", /is required for a remote cluster/, "name: west"],
    ["a gateway type that does not exist", (r) => (r.topology.clusters[0].eastWestGateway = "Ingress"), "topology.clusters[0].eastWestGateway", /"LoadBalancer", "NodePort"/],
    ["a mesh ID Istio cannot use", (r) => (r.topology.meshId = "Mesh 1"), "topology.meshId", /not a valid mesh ID/],
    ["a subnet with host bits", (r) => (r.topology.dockerNetwork = { ...r.topology.dockerNetwork, subnet: "172.30.0.1/16" }), "topology.dockerNetwork.subnet", /has host bits set/],
    ["a pod subnet inside the Docker network", (r) => {
        r.topology.dockerNetwork = { ...r.topology.dockerNetwork, subnet: "172.30.0.0/16" };
        r.topology.clusters[0].podSubnet = "172.30.0.0/20";
      }, "topology.clusters[0].podSubnet", /overlaps the Docker network/],
    ["a client where no node is", (r) => (r.traffic.clients[0].locality = "east/zone9"), "traffic.clients[0].locality", /no node has locality "east\/zone9"/],
    ["a backend where no node is", (r) => r.traffic.services[0].localities.push("north/zone1"), "traffic.services[0].localities[3]", /no node has locality "north\/zone1"/],
    ["a policy for an unknown service", (r) => (r.traffic.policies[0].service = "helloword"), "traffic.policies[0].service", /Did you mean "helloworld"\?/],
    ["a DestinationRule field typo", (r) => (r.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.enabeld = true), "traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.enabeld", /Did you mean "enabled"\?/],
    [
      "distribute weights that do not add up to 100",
      (r) => (r.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting = { distribute: [{ from: "east/zone1/*", to: { "east/zone1/*": 60, "east/zone2/*": 30 } }] }),
      "traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to",
      /total locality weight 90 != 100 \(Istio rejects this DestinationRule\)/,
    ],
    ["distribute and failover together", (r) => (r.traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting.distribute = [{ from: "east/*", to: { "east/*": 100 } }]), "traffic.policies[0].trafficPolicy.loadBalancer.localityLbSetting", /can not simultaneously specify 'distribute' and 'failover'/],
    ["a duration Istio cannot read", (r) => (r.traffic.policies[0].trafficPolicy.outlierDetection.interval = "1 second"), "traffic.policies[0].trafficPolicy.outlierDetection.interval", /not a valid duration/],
    ["an Istio older than supported", (r) => (r.versions = { istio: "1.20.0" }), "versions.istio", /older than kindmesh supports/],
    ["a root CA key in plain text", (_r, x) => Object.assign(x, { "kindmesh:rootCaCert": "x", "kindmesh:rootCaKey": "y" }), "rootCaKey", /stored in plain text/],
    [
      "an existing cluster whose kubeconfig cannot be read",
      (r) => r.topology.clusters.push({ name: "prod", network: "network-west", kubeconfig: "/nonexistent/kubeconfig", context: "prod" }),
      "topology.clusters[2].kubeconfig",
      /cannot read the kubeconfig \/nonexistent\/kubeconfig/,
    ],
  ];

  it.each(cases)("%s", async (_what, edit, problemPath, message, near) => {
    const dir = project({ "Pulumi.mine.yaml": mine(edit) });
    const { code, out } = await check(["mine"], dir);
    expect(code).toBe(1);
    const escaped = problemPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match = new RegExp(`^Pulumi\\.mine\\.yaml(?::(\\d+):(\\d+))?: error: ${escaped}: (.*)$`, "m").exec(out);
    expect(match, out).not.toBeNull();
    expect(match![3]).toMatch(message);
    // The line and column point at the key the path names (or at the nearest one written in the file).
    const lines = fs.readFileSync(path.join(dir, "Pulumi.mine.yaml"), "utf8").split("\n");
    const at = lines[Number(match![1]) - 1].slice(Number(match![2]) - 1);
    const last = splitConfigPath(problemPath).filter((s) => typeof s === "string").pop() as string;
    if (near) expect(at).toBe(near);
    else expect(at.startsWith(`${last}:`) || at.startsWith(`kindmesh:${last}:`) || problemPath.endsWith("]"), `${at} for ${problemPath}`).toBe(true);
    expect(out).not.toMatch(/Predicted split/);
    expect(out).toMatch(/^check mine: \d+ errors?, \d+ warnings? in Pulumi\.mine\.yaml; `npm run up -- mine` would stop before deploying anything\.$/m);
  });

  it("names file, line and column of a YAML mistake with the parser's words", async () => {
    const dir = project({ "Pulumi.mine.yaml": "config:\n  kindmesh:topology:\n    meshId: a\n\tclusters: []\n" });
    const { code, out } = await check(["mine"], dir);
    expect(code).toBe(1);
    expect(out).toMatch(/^Pulumi\.mine\.yaml:4:1: error: Tabs are not allowed as indentation \(YAML TAB_AS_INDENT\)$/m);
    expect(out).not.toMatch(/unexpected error/);
  });
});

describe("check: warnings, --strict, --json and the command line", () => {
  it("a copy of dev that kept its names warns about the collision with Pulumi.dev.yaml; --strict fails on it", async () => {
    // dev as it pinned its network, copied to start a stack of one's own.
    const pinned = mine((r) => (r.topology.dockerNetwork = { name: "kindmesh-dev", subnet: "172.30.0.0/16" }));
    const dir = project({ "Pulumi.dev.yaml": pinned, "Pulumi.mine.yaml": pinned });
    const plain = await check(["mine"], dir);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^Pulumi\.mine\.yaml:\d+:\d+: warning: topology\.dockerNetwork\.name: the Docker network "kindmesh-dev" is also the network of Pulumi\.dev\.yaml; .* or remove the key for the default kindmesh-mine\.$/m);
    expect(plain.out).toMatch(/^Pulumi\.mine\.yaml:\d+:\d+: warning: topology\.dockerNetwork\.subnet: 172\.30\.0\.0\/16 overlaps 172\.30\.0\.0\/16, the Docker subnet of Pulumi\.dev\.yaml/m);
    const lines = stringify({ config: pinned }).split("\n");
    const at = /^Pulumi\.mine\.yaml:(\d+):(\d+): warning: topology\.dockerNetwork\.name/m.exec(plain.out)!;
    expect(lines[Number(at[1]) - 1].slice(Number(at[2]) - 1)).toBe("name: kindmesh-dev");
    const strict = await check(["mine", "--strict"], dir);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/would deploy, but --strict fails on warnings\.$/m);
  });

  it("--json prints the report for CI: ok, errors and warnings with path and line, the traffic plan", async () => {
    const good = await check(["flat", "--json"]);
    expect(good.code).toBe(0);
    const report = good.io.json<{ ok: boolean; stack: string; file: string; errors: unknown[]; trafficPlan: Record<string, Record<string, unknown>> }>();
    expect(report).toMatchObject({ ok: true, stack: "flat", file: "Pulumi.flat.yaml", errors: [] });
    expect(report.trafficPlan.helloworld["region1/zone1"]).toEqual({ "region1/zone1": 0.7, "region1/zone2": 0.2, "region3/zone4": 0.1 });
    const dir = project({ "Pulumi.mine.yaml": mine((r) => (r.topology.meshId = "Mesh 1")) });
    const bad = await check(["--json", "-s", "mine"], dir);
    expect(bad.code).toBe(1);
    expect(bad.io.json()).toMatchObject({ ok: false, file: "Pulumi.mine.yaml", errors: [{ path: "topology.meshId", line: expect.any(Number), col: expect.any(Number), message: expect.stringMatching(/mesh ID/) }] });
  });

  it("exit 2 with the usage for a bad command line; a stack without a file lists those that exist", async () => {
    const unknown = await check(["dev", "--stirct"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^error: unknown option --stirct\nusage: npm run check -- <stack> \[--strict\] \[--json\]\n/);
    expect((await check([])).err).toMatch(/^error: which stack\?/);
    expect((await check(["dev", "-s", "flat"])).err).toMatch(/^error: one stack, not dev flat/);
    const missing = await check(["nope"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`error: no such stack file Pulumi.nope.yaml; these exist: ${stackNames(ROOT).join(", ")}\n`);
  });

  it("an encrypted rootCaKey cannot be read without the passphrase: check judges the certificate only", async () => {
    const cert = fs.readFileSync(path.join(ROOT, "test/fixtures/rootca/root-cert.pem"), "utf8");
    const secure = { secure: "v1:AAAA:BBBB" };
    const good = await check(["mine"], project({ "Pulumi.mine.yaml": mine((_r, x) => Object.assign(x, { "kindmesh:rootCaCert": cert, "kindmesh:rootCaKey": secure })) }));
    expect(good.code).toBe(0);
    const leaf = fs.readFileSync(path.join(ROOT, "test/fixtures/rootca/leaf-cert.pem"), "utf8");
    const bad = await check(["mine"], project({ "Pulumi.mine.yaml": mine((_r, x) => Object.assign(x, { "kindmesh:rootCaCert": leaf, "kindmesh:rootCaKey": secure })) }));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^Pulumi\.mine\.yaml:\d+:\d+: error: rootCaCert: is not a CA certificate/m);
    expect(bad.out).not.toMatch(/rootCaKey/);
  });
});
