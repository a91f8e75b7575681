/**
 * The rollout script run for real by a shell, against a stand-in `docker` that plays a kind cluster's kubectl
 * mid-upgrade: pods on the old revision until restarted, the old istiod holding a proxy for a while.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RolloutInput, rolloutScript, staleSelector } from "../../../model/build/rolloutScript";

const STALE = staleSelector("1-31-1");
// Arguments after `docker exec <node> kubectl --kubeconfig=...`, as the script passes them.
const FAKE_DOCKER = `#!/bin/sh
shift 4
printf '%s\\n' "$*" >> "$STATE/calls"
case "$*" in
  "get pods -n sample -l ${STALE} -o name") [ -f "$STATE/restarted" ] || echo pod/helloworld-old ;;
  "rollout restart deployment -n sample") touch "$STATE/restarted"; echo "deployment.apps/helloworld restarted" ;;
  "get pods --all-namespaces -l ${STALE} -o name") [ -f "$STATE/restarted" ] || echo pod/helloworld-old ;;
  "get pods --all-namespaces -l istio.io/rev=1-31-1 -o jsonpath="*)
    [ -f "$STATE/restarted" ] && printf "sample/helloworld-new docker.io/istio/proxyv2:$PROXY_TAG\\nistio-system/istiod-1-31-1-abc \\n" ;;
  "exec -n istio-system deployment/istiod-1-31-1 -c discovery -- pilot-discovery request GET /debug/syncz")
    printf '[\\n  {"cluster_id": "c1", "proxy": "helloworld-new.sample", "istio_version": "%s"}\\n]\\n' "$PROXY_TAG" ;;
  "get deployment -n istio-system -l app=istiod -o name") printf 'deployment.apps/istiod-1-31-0\\ndeployment.apps/istiod-1-31-1\\n' ;;
  "exec -n istio-system deployment.apps/istiod-1-31-0 -c discovery -- pilot-discovery request GET /debug/syncz")
    if [ -f "$STATE/drained" ]; then echo '[]'; else touch "$STATE/drained"; echo '[{"proxy": "helloworld-old.sample", "istio_version": "1.31.0"}]'; fi ;;
  *) echo "unexpected kubectl $*" >&2; exit 9 ;;
esac
`;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-"));
  fs.writeFileSync(path.join(dir, "docker"), FAKE_DOCKER, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\necho slept >> \"$STATE/sleeps\"\n", { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "calls"), "");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const input: RolloutInput = { cluster: "c1", version: "1.31.1", revision: "1-31-1", namespaces: ["sample"], access: { kind: "kind", controlPlane: "c1-control-plane" }, primary: true };
function run(extra: Partial<RolloutInput> = {}, proxyTag = "1.31.1") {
  // A short deadline: the stand-in sleep returns at once, so a script that never converges ends quickly.
  const r = spawnSync("sh", ["-c", rolloutScript({ ...input, timeoutSeconds: 5, ...extra })], {
    timeout: 30_000,
    env: { PATH: `${dir}:${process.env.PATH}`, STATE: dir, PROXY_TAG: proxyTag },
    encoding: "utf8",
  });
  const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
  const sleeps = fs.existsSync(path.join(dir, "sleeps")) ? fs.readFileSync(path.join(dir, "sleeps"), "utf8").trim().split("\n").length : 0;
  return { code: r.status, stderr: r.stderr, calls, sleeps };
}

describe("rollout script, run by sh", () => {
  it("restarts the namespace whose pods run the old revision, then waits until the old istiod holds no proxy", () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("rollout restart"))).toEqual(["rollout restart deployment -n sample"]);
    expect(r.sleeps).toBe(1); // first look: the old istiod still serves helloworld-old; second look: done
    expect(r.stderr).toMatch(/restarting the Deployments of sample onto Istio revision 1-31-1[\s\S]*every proxy runs Istio 1.31.1 \(revision 1-31-1\)\n$/);
  });

  it("a proxy still on another version keeps it waiting; at the deadline it fails and names what is left", () => {
    const r = run({ timeoutSeconds: 0 }, "1.31.0");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/after 0 s these proxies are not on Istio 1.31.1 \(revision 1-31-1\); the old revision is kept/);
    expect(r.stderr).toContain("sample/helloworld-new docker.io/istio/proxyv2:1.31.0");
    expect(r.stderr).toContain('"istio_version":"1.31.0"');
    expect(r.stderr).toContain('still connected to deployment.apps/istiod-1-31-0: "proxy":"helloworld-old.sample"');
  });

  it("a fresh install restarts nothing", () => {
    fs.writeFileSync(path.join(dir, "restarted"), "");
    fs.writeFileSync(path.join(dir, "drained"), "");
    const r = run();
    expect(r.code).toBe(0);
    expect(r.calls.some((c) => c.startsWith("rollout restart"))).toBe(false);
    expect(r.sleeps).toBe(0);
  });

  it("is valid POSIX sh with no workload namespace at all", () => {
    expect(() => execFileSync("sh", ["-n", "-c", rolloutScript({ ...input, namespaces: [] })])).not.toThrow();
  });
});
