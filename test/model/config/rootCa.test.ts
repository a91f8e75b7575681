import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { problemsOf, parse, stackRaw } from "../../helpers/configs";

const fixture = (f: string) => fs.readFileSync(path.resolve(__dirname, "../../fixtures/rootca", f), "utf8");
const ROOT = { cert: fixture("root-cert.pem"), key: fixture("root-key.pem"), keyIsSecret: true };

function withRoot(rootCa: Record<string, unknown>) {
  return { ...stackRaw("dev"), rootCa };
}

describe("a user-supplied root CA", () => {
  it("is taken when it is a CA, its key matches and the key is a secret", () => {
    const spec = parse(withRoot(ROOT));
    expect(spec.rootCa?.certPem).toBe(ROOT.cert);
    expect(spec.rootCa?.keyPem).toBe(ROOT.key);
  });

  it("is absent unless configured: kindmesh generates one", () => {
    expect(parse(stackRaw("dev")).rootCa).toBeUndefined();
  });

  it("needs both the certificate and the key", () => {
    const problems = problemsOf(withRoot({ cert: ROOT.cert }));
    expect(problems).toEqual([{ path: "rootCaKey", message: expect.stringMatching(/is missing: a root CA needs its certificate and its key\. Set both: pulumi config set rootCaCert/) }]);
  });

  it("rejects a key kept in plain text in the stack file", () => {
    const problems = problemsOf(withRoot({ ...ROOT, keyIsSecret: false }));
    expect(problems.map((p) => p.path)).toEqual(["rootCaKey"]);
    expect(problems[0].message).toMatch(/set it again with --secret/);
  });

  it("rejects a certificate that is not a CA", () => {
    const problems = problemsOf(withRoot({ cert: fixture("leaf-cert.pem"), key: fixture("other-key.pem"), keyIsSecret: true }));
    expect(problems.map((p) => [p.path, p.message])).toEqual([["rootCaCert", expect.stringMatching(/is not a CA certificate/)]]);
  });

  it("rejects a root limited to pathlen:0, with the reason (Istio puts an intermediate under it)", () => {
    const problems = problemsOf(withRoot({ cert: fixture("pathlen0-cert.pem"), key: fixture("pathlen0-key.pem"), keyIsSecret: true }));
    expect(problems).toEqual([{ path: "rootCaCert", message: expect.stringMatching(/has basicConstraints pathlen:0: it may sign only end-entity certificates, but Istio needs a per-cluster intermediate CA/) }]);
  });

  it("rejects a root whose keyUsage lacks keyCertSign, with the reason", () => {
    const problems = problemsOf(withRoot({ cert: fixture("nocertsign-cert.pem"), key: fixture("nocertsign-key.pem"), keyIsSecret: true }));
    expect(problems).toEqual([{ path: "rootCaCert", message: expect.stringMatching(/keyUsage extension without keyCertSign .*Reissue the root with keyUsage "critical, keyCertSign, cRLSign"/) }]);
  });

  it("accepts a root with pathlen:1 (room for the per-cluster intermediate)", () => {
    expect(parse(withRoot({ cert: fixture("pathlen1-cert.pem"), key: fixture("pathlen1-key.pem"), keyIsSecret: true })).rootCa).toBeDefined();
  });

  it("rejects a key that is not the certificate's, without printing the key", () => {
    const problems = problemsOf(withRoot({ ...ROOT, key: fixture("other-key.pem") }));
    expect(problems.map((p) => p.path)).toEqual(["rootCaKey"]);
    expect(problems[0].message).toMatch(/is not the key of rootCaCert \(subject O=kindmesh-test, CN=Test Root CA\)/);
    expect(problems[0].message).not.toMatch(/PRIVATE KEY-----\n/);
  });

  it("rejects text that is not PEM, and never echoes a key", () => {
    const problems = problemsOf(withRoot({ cert: "hello", key: "my-secret-key-material", keyIsSecret: true }));
    expect(problems.map((p) => p.path)).toEqual(["rootCaCert", "rootCaKey"]);
    expect(JSON.stringify(problems)).not.toContain("my-secret-key-material");
  });
});
