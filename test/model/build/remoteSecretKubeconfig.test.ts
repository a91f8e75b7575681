import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  READER_TOKEN_SECRET,
  apiServerHost,
  readerCredentials,
  remoteSecretKubeconfig,
  remoteSecretMetadata,
  remoteSecretName,
} from "../../../model/build/remoteSecretKubeconfig";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const credentials = { token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", caData: b64(CA_PEM) };

describe("remote secret names (istioctl remote_secret.go)", () => {
  it("token Secret, remote secret name, label and annotation", () => {
    expect(READER_TOKEN_SECRET).toBe("istio-reader-service-account-istio-remote-secret-token");
    expect(remoteSecretName("west")).toBe("istio-remote-secret-west");
    expect(remoteSecretMetadata("west", "istio-system")).toEqual({
      name: "istio-remote-secret-west",
      namespace: "istio-system",
      labels: { "istio/multiCluster": "true" },
      annotations: { "networking.istio.io/cluster": "west" },
    });
  });
});

describe("the kubeconfig in a remote secret", () => {
  const parsed = parseYaml(remoteSecretKubeconfig({ cluster: "west", server: "https://172.30.0.3:6443", credentials }));

  it("names cluster, context and user after the cluster, and makes it current", () => {
    expect(parsed).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "west", cluster: { "certificate-authority-data": credentials.caData, server: "https://172.30.0.3:6443", "tls-server-name": "kubernetes.default.svc" } }],
      contexts: [{ name: "west", context: { cluster: "west", user: "west" } }],
      "current-context": "west",
      preferences: {},
      users: [{ name: "west", user: { token: credentials.token } }],
    });
  });

  it("certificate-authority-data decodes to the cluster CA PEM; the token is in clear (a bearer token, not base64)", () => {
    expect(Buffer.from(parsed.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(CA_PEM);
    expect(parsed.users[0].user.token).toBe(credentials.token);
  });

  it.each(["https://127.0.0.1:40123", "https://127.0.1.1:6443", "https://localhost:6443", "https://[::1]:6443"])(
    "refuses a loopback server %s (istio#31081)",
    (server) => {
      expect(() => remoteSecretKubeconfig({ cluster: "west", server, credentials })).toThrow(/loopback.*istio#31081/);
    },
  );

  it("refuses a server that is not https and a cluster name that is not a DNS-1123 label", () => {
    expect(() => remoteSecretKubeconfig({ cluster: "west", server: "http://172.30.0.3:6443", credentials })).toThrow(/https/);
    expect(() => remoteSecretKubeconfig({ cluster: "West_1", server: "https://172.30.0.3:6443", credentials })).toThrow(/DNS-1123/);
  });
});

describe("reader credentials from the token Secret", () => {
  it("decodes the token and keeps ca.crt as stored (base64 of PEM = certificate-authority-data)", () => {
    expect(readerCredentials({ token: b64("jwt.token.sig"), "ca.crt": b64(CA_PEM), namespace: b64("istio-system") }, "c")).toEqual({
      token: "jwt.token.sig",
      caData: b64(CA_PEM),
    });
  });

  it.each([[undefined], [{}], [{ token: b64("t") }], [{ "ca.crt": b64(CA_PEM) }], [{ token: "", "ca.crt": b64(CA_PEM) }]])(
    "an unfilled token Secret (%j) is an error naming what is missing",
    (data) => {
      expect(() => readerCredentials(data, "cluster west")).toThrow(/cluster west: the token Secret .* has no .*(token|ca\.crt)/);
    },
  );
});

describe("apiServerHost", () => {
  it("returns the host of an API server URL", () => {
    expect(apiServerHost("https://172.26.0.2:6443")).toBe("172.26.0.2");
    expect(apiServerHost("https://[fc00::2]:6443")).toBe("fc00::2");
  });
});
