/**
 * The shared-root analysis on throwaway certificates made with openssl (test/fixtures/certs/README.md).
 */
import { describe, expect, it } from "vitest";
import { type ClusterCerts, analyseCerts, parsePemBundle, signedBy } from "../../scripts/lib/certs";
import { pem } from "./fakes/lab";

function cluster(root: string, ca: string, opts: { chain?: string; distributed?: string | null } = {}): ClusterCerts {
  return {
    cacerts: { "root-cert.pem": pem(root), "ca-cert.pem": pem(ca), "cert-chain.pem": opts.chain ?? pem(ca) + pem(root) },
    ...(opts.distributed === null ? {} : { distributedRoot: pem(opts.distributed ?? root) }),
  };
}

describe("shared root", () => {
  it("holds when every cluster has the same root and an intermediate it signed", () => {
    const { details, problems } = analyseCerts({ a: cluster("root", "inter-a"), b: cluster("root", "inter-b") });
    expect(problems).toEqual([]);
    expect(details).toEqual([
      "a: intermediate O=kindmesh-test, CN=Intermediate CA, L=cluster-a verifies against the root",
      "b: intermediate O=kindmesh-test, CN=Intermediate CA, L=cluster-b verifies against the root",
      expect.stringMatching(/^root-cert\.pem identical in a, b \(SHA-256 [0-9A-F:]{23}…\)$/),
    ]);
  });

  it("fails when the roots differ, naming each cluster's fingerprint", () => {
    const { problems } = analyseCerts({ a: cluster("root", "inter-a"), b: cluster("other-root", "other-inter") });
    expect(problems).toEqual([expect.stringMatching(/^root-cert\.pem differs between clusters \(a [0-9A-F:]+; b [0-9A-F:]+\): every cluster must share one root$/)]);
  });

  it("fails an intermediate signed by another root", () => {
    const { problems } = analyseCerts({ a: cluster("root", "other-inter") });
    expect(problems[0]).toBe("a: ca-cert.pem is not signed by root-cert.pem (issuer O=kindmesh-test, CN=Root CA other-root)");
  });

  it("fails an 'intermediate' that is not a CA", () => {
    expect(analyseCerts({ a: cluster("root", "leaf") }).problems).toEqual(["a: ca-cert.pem (the intermediate) is not a CA certificate (CA:true is required)"]);
  });

  it("fails a root limited to pathlen:0: the intermediate under it is signed, but no workload chain verifies", () => {
    expect(analyseCerts({ a: cluster("pathlen0-root", "pathlen0-inter") }).problems).toEqual([
      "a: root-cert.pem has pathlen:0, so ca-cert.pem (an intermediate CA) may not sit under it and no workload chain verifies; use a root without a path length limit",
    ]);
  });

  it("fails a chain in the wrong order", () => {
    const { problems } = analyseCerts({ a: cluster("root", "inter-a", { chain: pem("root") + pem("inter-a") }) });
    expect(problems).toEqual(["a: cert-chain.pem must be the intermediate then the root"]);
  });

  it("names a missing cacerts, an istiod that kept its own root, and one that distributed none", () => {
    const { problems } = analyseCerts({
      a: {},
      b: cluster("root", "inter-b", { distributed: "other-root" }),
      c: cluster("root", "inter-a", { distributed: null }),
    });
    expect(problems).toEqual([
      "a: no Secret istio-system/cacerts, so istiod made its own self-signed root and cross-cluster mTLS fails",
      expect.stringMatching(/^b: istiod distributes a different root than cacerts holds: cacerts was created after istiod started/),
      "c: no ConfigMap istio-system/istio-ca-root-cert yet: istiod has not distributed a root",
    ]);
  });

  it("a remote has no cacerts (no istiod), but the root distributed there must still be the mesh's", () => {
    const ok = analyseCerts({ main: cluster("root", "inter-a"), rem: { remote: true, distributedRoot: pem("root") } });
    expect(ok.problems).toEqual([]);
    expect(ok.details).toContain("rem: no cacerts, as expected on a remote (it runs no istiod; the primary's istiod signs its workloads)");
    const bad = analyseCerts({ main: cluster("root", "inter-a"), rem: { remote: true, distributedRoot: pem("other-root") } });
    expect(bad.problems).toEqual([expect.stringMatching(/^rem: the root distributed here \(istio-ca-root-cert\) is not the mesh's root/)]);
    expect(analyseCerts({ main: cluster("root", "inter-a"), rem: { remote: true } }).problems).toEqual([]);
  });

  it("fails expired certificates", () => {
    const { problems } = analyseCerts({ a: cluster("root", "inter-a") }, new Date("2200-01-01T00:00:00Z"));
    expect(problems).toEqual([expect.stringMatching(/^a: root-cert\.pem expired on /), expect.stringMatching(/^a: ca-cert\.pem expired on /)]);
  });

  it("parses bundles and checks signatures with node:crypto", () => {
    const [inter, root] = parsePemBundle(pem("inter-a") + pem("root")) ?? [];
    expect(signedBy(inter, root)).toBe(true);
    expect(signedBy(root, root)).toBe(true);
    expect(signedBy(inter, (parsePemBundle(pem("other-root")) ?? [])[0])).toBe(false);
    expect(parsePemBundle("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----")).toBeUndefined();
    expect(analyseCerts({ a: { cacerts: { "root-cert.pem": "garbage" } } }).problems).toEqual(["a: cacerts lacks a parseable root-cert.pem"]);
  });
});
