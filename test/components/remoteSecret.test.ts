import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REMOTE_SECRET_TOKEN, RemoteSecret } from "../../components/remoteSecret";
import type { ClusterHandle } from "../../components/types";
import { LIFETIME_TYPE, STAND_IN_TYPE, StandIn, fakeClusterHandles } from "../helpers/clusterHandles";
import { byType, named, resolve, underMocks } from "../helpers/components";
import { isSecretInput, reveal } from "../helpers/fakes/mesh";
import { parse, stackRaw } from "../helpers/configs";

const SECRET = "kubernetes:core/v1:Secret";
const b64decode = (s: string) => Buffer.from(s, "base64").toString();

/** A three-primary variant of dev (east, west, south), so one source has two destinations. */
function threePrimaries() {
  const raw = stackRaw("dev");
  raw.topology.clusters.push({ name: "south", network: "network-south", nodes: [{ role: "control-plane", locality: "south/zone9" }] });
  return parse(raw, "dev");
}

/** RemoteSecret for `source` into `destinations`, with stand-ins for the source's base and istiod and each destination's readiness. */
function remoteSecret(source: string, destinations: string[], spec = parse(stackRaw("dev"), "dev")) {
  return () => {
    const handles = fakeClusterHandles(spec);
    const h = (n: string) => handles.find((x) => x.name === n) as ClusterHandle;
    const standIn = (n: string) => new StandIn(n);
    const secret = new RemoteSecret(source, {
      source: h(source),
      sourceReady: [standIn(`${source}-base`), standIn(`${source}-istiod`)],
      destinations: destinations.map((d) => ({ cluster: h(d), after: [standIn(`${d}-gateway`)] })),
    });
    return { secret, handles };
  };
}

describe("RemoteSecret: the reader token in the source", () => {
  it("a service-account-token Secret for istio-reader-service-account, awaited until token and ca.crt are filled", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const token = named(run.resources, SECRET, "west-reader-token");
    expect(token.inputs.type).toBe("kubernetes.io/service-account-token");
    expect(token.inputs.metadata).toEqual({
      name: "istio-reader-service-account-istio-remote-secret-token",
      namespace: "istio-system",
      annotations: {
        "kubernetes.io/service-account.name": "istio-reader-service-account",
        "pulumi.com/waitFor": '["jsonpath={.data.token}","jsonpath={.data[\'ca.crt\']}"]',
        "pulumi.com/timeoutSeconds": "120",
      },
    });
    expect(JSON.parse(token.inputs.metadata.annotations["pulumi.com/waitFor"])).toEqual(["jsonpath={.data.token}", "jsonpath={.data['ca.crt']}"]);
    expect(token.inputs).not.toHaveProperty("data");
  });

  it("is made in the source, after its base (the ServiceAccount) and istiod (the reader ClusterRole), and deleted with it", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const token = named(run.resources, SECRET, "west-reader-token");
    expect(token.provider.startsWith(named(run.resources, "pulumi:providers:kubernetes", "west-k8s").urn)).toBe(true);
    expect(token.deletedWith).toBe(named(run.resources, LIFETIME_TYPE, "west-kind").urn);
    for (const dep of ["west-base", "west-istiod"]) expect(token.dependencies).toContain(named(run.resources, STAND_IN_TYPE, dep).urn);
  });
});

describe("RemoteSecret: the secret in the destination", () => {
  it("istio-remote-secret-<source> in istio-system, labelled and annotated as istioctl does, with ONE key named <source>", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const secret = named(run.resources, SECRET, "west-in-east");
    expect(secret.inputs.metadata).toEqual({
      name: "istio-remote-secret-west",
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true" },
      annotations: { "networking.istio.io/cluster": "west" },
    });
    expect(secret.inputs.type).toBe("Opaque");
    expect(isSecretInput(secret.inputs.data)).toBe(true);
    expect(Object.keys(reveal(secret.inputs.data))).toEqual(["west"]);
  });

  it("the kubeconfig: the source's in-network API server, its CA as stored, the reader token decoded; all named <source>", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const kubeconfig = parseYaml(b64decode(reveal(named(run.resources, SECRET, "west-in-east").inputs.data).west));
    const server = await resolve(run.value.handles[1].apiServer);
    expect(server).toBe("https://172.16.212.3:6443");
    // The fake token controller's data, read back through the Secret's outputs.
    const filled = (await resolve(run.value.secret.readerToken.data))!;
    expect(kubeconfig).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "west", cluster: { "certificate-authority-data": filled["ca.crt"], server, "tls-server-name": "kubernetes.default.svc" } }],
      contexts: [{ name: "west", context: { cluster: "west", user: "west" } }],
      "current-context": "west",
      preferences: {},
      users: [{ name: "west", user: { token: b64decode(filled.token) } }],
    });
    expect(JSON.parse(b64decode(kubeconfig.users[0].user.token.split(".")[1])).sub).toBe("system:serviceaccount:istio-system:istio-reader-service-account");
  });

  it("never carries the admin kubeconfig; the kubeconfig output is secret", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const kubeconfig = (await resolve(run.value.secret.kubeconfig))!;
    expect(kubeconfig).not.toContain("admin kubeconfig");
    expect(kubeconfig).not.toContain("127.0.0.1");
    expect(await pulumi.isSecret(run.value.secret.kubeconfig)).toBe(true);
  });

  it("is made in the destination after the destination's gateway and the token, and deleted with the destination", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]));
    const secret = named(run.resources, SECRET, "west-in-east");
    expect(secret.provider.startsWith(named(run.resources, "pulumi:providers:kubernetes", "east-k8s").urn)).toBe(true);
    expect(secret.deletedWith).toBe(named(run.resources, LIFETIME_TYPE, "east-kind").urn);
    expect(secret.dependencies).toContain(named(run.resources, STAND_IN_TYPE, "east-gateway").urn);
    expect(secret.dependencies).toContain(named(run.resources, SECRET, "west-reader-token").urn);
    expect(secret.parent).toBe(named(run.resources, REMOTE_SECRET_TOKEN, "west").urn);
  });
});

describe("RemoteSecret: shape", () => {
  it("one token per source, shared by every destination (a second token Secret of that name would collide)", async () => {
    const run = await underMocks(remoteSecret("south", ["east", "west"], threePrimaries()));
    expect(byType(run.resources, SECRET).map((s) => s.name).sort()).toEqual(["south-in-east", "south-in-west", "south-reader-token"]);
    const a = reveal(named(run.resources, SECRET, "south-in-east").inputs.data);
    const b = reveal(named(run.resources, SECRET, "south-in-west").inputs.data);
    expect(a).toEqual(b);
    expect(Object.keys(run.value.secret.secrets)).toEqual(["east", "west"]);
  });

  it("a secret for the source in the source itself is an error (istiod ignores it)", async () => {
    await expect(underMocks(remoteSecret("west", ["west"]))).rejects.toThrow(/cannot hold a remote secret for itself/);
  });

  it("preview: both Secrets are registered; the kubeconfig is unknown, not empty", async () => {
    const run = await underMocks(remoteSecret("west", ["east"]), { preview: true });
    expect(byType(run.resources, SECRET).map((s) => s.name).sort()).toEqual(["west-in-east", "west-reader-token"]);
    expect(await resolve(run.value.secret.kubeconfig, 200)).toBeUndefined();
  });
});
