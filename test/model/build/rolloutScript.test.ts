/**
 * The rollout script run for real by a shell, against a stand-in `docker` that plays a kind cluster's kubectl
 * mid-upgrade: pods on the old revision until restarted, the old istiod holding a proxy for a while.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PODS_JSONPATH, type RolloutInput, rolloutScript } from "../../../model/build/rolloutScript";

// What kubectl prints for PODS_JSONPATH (ns/name, revision label, revision annotation, istio-proxy image, app),
// pods as Istio 1.31 makes them: a sidecar carries its revision only as an annotation and, on Kubernetes 1.35,
// runs as a native sidecar (an init container, so the containers' image column is empty and the init one shows);
// a gateway carries the label too; istiod carries the label; an uninjected pod carries neither.
const T = "\\t";
const OLD_PODS = `sample/helloworld-old${T}${T}1-31-0${T}docker.io/istio/proxyv2:1.31.0${T}helloworld`;
const NEW_PODS = `sample/helloworld-new${T}${T}1-31-1${T}docker.io/istio/proxyv2:$PROXY_TAG${T}helloworld`;
const OTHER_PODS = [
  `sample/plain${T}${T}${T}${T}plain`,
  `istio-system/istiod-1-31-0-abc${T}1-31-0${T}${T}${T}istiod`,
  `istio-system/istiod-1-31-1-def${T}1-31-1${T}${T}${T}istiod`,
  `istio-system/eastwest-xyz${T}1-31-1${T}1-31-1${T}docker.io/istio/proxyv2:$PROXY_TAG${T}istio-eastwestgateway`,
].join("\\n");
// Arguments after `docker exec <node> kubectl --kubeconfig=...`, as the script passes them.
const FAKE_DOCKER = `#!/bin/sh
shift 4
printf '%s\\n' "$*" >> "$STATE/calls"
pods() { if [ -f "$STATE/restarted" ]; then printf "${NEW_PODS}\\n"; else printf "${OLD_PODS}\\n"; fi; }
case "$*" in
  "get pods -n sample -o jsonpath="*) pods; printf "sample/plain${T}${T}${T}${T}plain\\n" ;;
  "rollout restart deployment -n sample") touch "$STATE/restarted"; echo "deployment.apps/helloworld restarted" ;;
  "get pods --all-namespaces -o jsonpath="*) pods; printf "${OTHER_PODS}\\n" ;;
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
  it("a sidecar still on the old revision (annotation only) is named while it waits, as is its image", () => {
    fs.writeFileSync(path.join(dir, "drained"), "");
    const r = run({ timeoutSeconds: 0, namespaces: [] });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sample/helloworld-old runs revision 1-31-0");
  });

  it("restarts the namespace whose pods run the old revision, then waits until the old istiod holds no proxy", () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("rollout restart"))).toEqual(["rollout restart deployment -n sample"]);
    // One read per look, by annotation and label alike (istiod and the uninjected pod are not waited for).
    expect(r.calls).toContain(`get pods -n sample -o jsonpath=${PODS_JSONPATH}`);
    expect(r.calls).toContain(`get pods --all-namespaces -o jsonpath=${PODS_JSONPATH}`);
    expect(r.sleeps).toBe(1); // first look: the old istiod still serves helloworld-old; second look: done
    expect(r.stderr).toMatch(/restarting the Deployments of sample onto Istio revision 1-31-1[\s\S]*every proxy runs Istio 1.31.1 \(revision 1-31-1\)\n$/);
  });

  it("a proxy still on another version keeps it waiting; at the deadline it fails and names what is left", () => {
    const r = run({ timeoutSeconds: 0 }, "1.31.0");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/after 0 s these proxies are not on Istio 1.31.1 \(revision 1-31-1\); the old revision is kept/);
    expect(r.stderr).toContain("sample/helloworld-new docker.io/istio/proxyv2:1.31.0");
    expect(r.stderr).toContain("istio-system/eastwest-xyz docker.io/istio/proxyv2:1.31.0");
    expect(r.stderr).not.toContain("istiod-1-31-0-abc");
    expect(r.stderr).not.toContain("sample/plain");
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
