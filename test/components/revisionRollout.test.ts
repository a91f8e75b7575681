/**
 * A canary upgrade in one `pulumi up`, under mocks: the program is run at the previous patch version and at the
 * pinned one, as two consecutive `up`s of one stack would run it. What the second run registers and what it no
 * longer registers (which Pulumi deletes after everything registered succeeded) is the upgrade.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { RevisionRollout } from "../../components/revisionRollout";
import { rolloutScript } from "../../model/build/rolloutScript";
import { fakeClusterHandles, STAND_IN_TYPE, StandIn } from "../helpers/clusterHandles";
import { named, underMocks } from "../helpers/components";
import { parse, stackRaw } from "../helpers/configs";
import type { Recorded } from "../helpers/mocks";
import { type ProgramRun, runProgram } from "../helpers/program";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const VS = "kubernetes:networking.istio.io/v1:VirtualService";
const NS = "kubernetes:core/v1:Namespace";
const COMMAND = "command:local:Command";
const PREVIOUS = { "kindmesh:versions": { istio: "1.31.0" } };

const names = (run: ProgramRun) => new Set(run.resources.map((r) => `${r.type}::${r.name}`));
const get = (run: ProgramRun, type: string, name: string) => named(run.resources, type, name);
/** Every resource `r` waits for, directly or through others. */
function waitsOn(run: ProgramRun, r: Recorded): Set<string> {
  const byUrn = new Map(run.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const todo = [...r.dependencies];
  while (todo.length > 0) {
    const urn = todo.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    todo.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

describe("upgrade 1.31.0 -> 1.31.1 of primary-remote in one up", () => {
  let before: ProgramRun;
  let after: ProgramRun;
  let again: ProgramRun;
  beforeAll(async () => {
    before = await runProgram("primary-remote", { config: PREVIOUS });
    after = await runProgram("primary-remote");
    again = await runProgram("primary-remote");
  });

  it("the new revision is new resources; the old revision's are no longer registered, so Pulumi deletes them", () => {
    const removed = [...names(before)].filter((n) => !names(after).has(n)).sort();
    const added = [...names(after)].filter((n) => !names(before).has(n)).sort();
    expect(removed).toEqual([`${RELEASE}::main0-istiod-1-31-0`, `${RELEASE}::remote0-istiod-1-31-0`, `${VS}::main0-istiod-vs-1-31-0`]);
    expect(added).toEqual([`${RELEASE}::main0-istiod-1-31-1`, `${RELEASE}::remote0-istiod-1-31-1`, `${VS}::main0-istiod-vs-1-31-1`]);
  });

  it("the new releases carry the new revision; base, gateway and namespaces move to it in place", () => {
    for (const c of ["main0", "remote0"]) {
      const istiod = get(after, RELEASE, `${c}-istiod-1-31-1`).inputs;
      expect(istiod).toMatchObject({ name: "istiod-1-31-1", version: "1.31.1", values: { revision: "1-31-1", revisionTags: [] } });
      const base = get(after, RELEASE, `${c}-istio-base`).inputs;
      expect(base).toMatchObject({ name: "istio-base", version: "1.31.1", values: { defaultRevision: "1-31-1" } });
      expect(get(before, RELEASE, `${c}-istio-base`).inputs.values.defaultRevision).toBe("1-31-0");
      expect(get(after, NS, `${c}-workloads-ns-sample`).inputs.metadata.labels).toEqual({ "istio.io/rev": "1-31-1" });
      expect(get(before, NS, `${c}-workloads-ns-sample`).inputs.metadata.labels).toEqual({ "istio.io/rev": "1-31-0" });
    }
    expect(get(after, RELEASE, "main0-eastwest-gateway").inputs).toMatchObject({ version: "1.31.1", values: { revision: "1-31-1" } });
    expect(get(after, VS, "main0-istiod-vs-1-31-1").inputs.spec.tls[0].route[0].destination.host).toBe("istiod-1-31-1.istio-system.svc.cluster.local");
  });

  it("order: base -> new istiod -> relabel -> gateways -> restart; a remote restarts once its primary's new istiod is reachable", () => {
    const urn = (type: string, name: string) => get(after, type, name).urn;
    const rollout = (c: string) => get(after, COMMAND, `${c}-rollout`);
    expect(get(after, RELEASE, "main0-istiod-1-31-1").dependencies).toContain(urn(RELEASE, "main0-istio-base"));
    expect(get(after, NS, "main0-workloads-ns-sample").dependencies).toContain(urn(RELEASE, "main0-istiod-1-31-1"));
    expect(get(after, NS, "remote0-workloads-ns-sample").dependencies).toContain(urn(RELEASE, "remote0-istiod-1-31-1"));
    const main = rollout("main0").dependencies;
    for (const dep of [urn(RELEASE, "main0-istiod-1-31-1"), urn(NS, "main0-workloads-ns-sample"), urn(RELEASE, "main0-eastwest-gateway")]) expect(main).toContain(dep);
    const remote = waitsOn(after, rollout("remote0"));
    for (const dep of [urn(RELEASE, "remote0-istiod-1-31-1"), urn(NS, "remote0-workloads-ns-sample"), urn(RELEASE, "main0-istiod-1-31-1"), urn(VS, "main0-istiod-vs-1-31-1")]) {
      expect(remote).toContain(dep);
    }
    // The primary looks at istiod only after its remote's proxies moved: istiod serves them too.
    expect(main).toContain(rollout("remote0").urn);
  });

  it("the old revision goes last: nothing registered waits for it, so it is deleted after the restart succeeded", () => {
    const old = before.resources.filter((r) => r.name.includes("1-31-0")).map((r) => r.urn);
    expect(old).toHaveLength(3);
    for (const r of after.resources) for (const dep of r.dependencies) expect(old).not.toContain(dep);
    // Each rollout is replaced when the revision changes (a trigger), so its restart runs once per upgrade.
    for (const c of ["main0", "remote0"]) {
      expect(get(before, COMMAND, `${c}-rollout`).inputs.triggers).toEqual(["1-31-0"]);
      expect(get(after, COMMAND, `${c}-rollout`).inputs.triggers).toEqual(["1-31-1"]);
    }
  });

  it("the restart step: restart what runs another revision, then wait until every proxy runs and reports 1.31.1", () => {
    const main = get(after, COMMAND, "main0-rollout").inputs;
    expect(main.create).toBe(
      rolloutScript({ cluster: "main0", version: "1.31.1", revision: "1-31-1", namespaces: ["sample"], access: { kind: "kind", controlPlane: "primary-remote-main0-control-plane" }, primary: true }),
    );
    expect(main.create).toContain(`k() { docker exec primary-remote-main0-control-plane kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }`);
    // Sidecars carry the revision as an annotation, gateways as a label: both are read, istiod's own pods skipped.
    expect(main.create).toContain(`p=$(k get pods "$@" -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.metadata.labels.istio\\.io/rev}{"\\t"}{.metadata.annotations.istio\\.io/rev}`);
    expect(main.create).toContain(`awk -v rev=1-31-1 'NF >= 2 && $2 != rev { found = 1 } END { exit !found }'; then`);
    expect(main.create).toContain('k rollout restart deployment -n "$ns" >&2');
    expect(main.create).toContain("k exec -n istio-system deployment/istiod-1-31-1 -c discovery -- pilot-discovery request GET /debug/syncz");
    expect(main.create).toContain(`grep -v '"istio_version":"1.31.1"'`);
    expect(main.create).toContain('[ "$d" = deployment.apps/istiod-1-31-1 ] && continue');
    expect(main).toMatchObject({ logging: "stderr", addPreviousOutputInEnv: false });
    expect(main.update).toBeUndefined();
    expect(main.delete).toBeUndefined();
    const remote = get(after, COMMAND, "remote0-rollout").inputs.create as string;
    expect(remote).not.toContain("/debug/syncz");
    expect(remote).toContain("docker exec primary-remote-remote0-control-plane kubectl");
  });

  it("the second and every later up registers exactly the same inputs: no churn, no second restart", () => {
    expect(names(again)).toEqual(names(after));
    // Pod routes are re-applied on every deployment on purpose (a node restart loses them): their only change.
    const routes = (r: Recorded) => r.type === COMMAND && r.name.endsWith("-routes");
    for (const r of after.resources) {
      const twin = again.resources.find((x) => x.type === r.type && x.name === r.name)!;
      if (routes(r)) expect({ ...twin.inputs, environment: {} }).toEqual({ ...r.inputs, environment: {} });
      else expect(twin.inputs, `${r.type}::${r.name}`).toEqual(r.inputs);
      expect(twin.dependencies).toEqual(r.dependencies);
    }
  });
});

describe("RevisionRollout on an existing cluster", () => {
  it("reaches the cluster with its kubeconfig, given on stdin as a secret, never on the command line", async () => {
    const spec = parse(stackRaw("flat"), "flat");
    const run = await underMocks(() => {
      const [h] = fakeClusterHandles(spec);
      const existing = { ...h, spec: { ...h.spec, kind: "existing" as const, nodes: [] }, lifetime: undefined };
      return new RevisionRollout("prod", { cluster: existing, istioVersion: "1.31.1", namespaces: ["sample"], primary: false, after: [new StandIn("prod-istiod")] });
    });
    const cmd = named(run.resources, COMMAND, "prod-rollout");
    expect(cmd.inputs.create).toMatch(/^set -eu\nkc=\$\(mktemp\)\ntrap 'rm -f "\$kc"' EXIT\ncat > "\$kc"\nk\(\) \{ kubectl --kubeconfig="\$kc" "\$@"; \}\n/);
    expect(cmd.inputs.create).not.toContain("admin kubeconfig");
    expect(JSON.stringify(cmd.inputs.stdin)).toContain("4dabf18193072939515e22adb298388d");
    expect(cmd.dependencies).toContain(named(run.resources, STAND_IN_TYPE, "prod-istiod").urn);
    expect(cmd.deletedWith).toBe("");
  });
});
