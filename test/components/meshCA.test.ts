import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  INTERMEDIATE_EARLY_RENEWAL_HOURS,
  INTERMEDIATE_VALIDITY_HOURS,
  MESH_CA_TOKEN,
  MeshCA,
  ROOT_EARLY_RENEWAL_HOURS,
  ROOT_VALIDITY_HOURS,
} from "../../components/meshCA";
import { byType, named, resolve, underMocks } from "../helpers/components";
import { fakePem, isSecretInput, readFakePem, reveal } from "../helpers/fakes/mesh";

const KEY = "tls:index/privateKey:PrivateKey";
const ROOT = "tls:index/selfSignedCert:SelfSignedCert";
const CSR = "tls:index/certRequest:CertRequest";
const SIGNED = "tls:index/locallySignedCert:LocallySignedCert";
// Terraform's snake_case names are the ones the TLS provider accepts (common_cert.go keyUsages).
const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];

const build = (args: ConstructorParameters<typeof MeshCA>[1] = { clusters: ["east", "west"] }) => () => new MeshCA("mesh-ca", args);

describe("MeshCA: generated root", () => {
  it("root: RSA 4096, self-signed CA, O=kindmesh CN=Root CA, 10 years, renewed a year early, CA key usages", async () => {
    const run = await underMocks(build());
    expect(named(run.resources, KEY, "mesh-ca-root-key").inputs).toMatchObject({ algorithm: "RSA", rsaBits: 4096 });
    const root = named(run.resources, ROOT, "mesh-ca-root");
    expect(root.inputs).toMatchObject({
      subject: { organization: "kindmesh", commonName: "Root CA" },
      isCaCertificate: true,
      validityPeriodHours: 87600,
      earlyRenewalHours: 8760,
    });
    expect([...root.inputs.allowedUses].sort()).toEqual(CA_USES);
    expect(ROOT_VALIDITY_HOURS).toBe(10 * 8760);
    expect(ROOT_EARLY_RENEWAL_HOURS).toBeLessThan(ROOT_VALIDITY_HOURS);
  });

  it("one intermediate per listed cluster: RSA 4096, O=kindmesh CN=Intermediate CA L=<cluster>, SAN istiod.istio-system.svc", async () => {
    const run = await underMocks(build());
    expect(byType(run.resources, SIGNED).map((r) => r.name)).toEqual(["mesh-ca-east", "mesh-ca-west"]);
    for (const cluster of ["east", "west"]) {
      expect(named(run.resources, KEY, `mesh-ca-${cluster}-key`).inputs).toMatchObject({ algorithm: "RSA", rsaBits: 4096 });
      expect(named(run.resources, CSR, `mesh-ca-${cluster}-csr`).inputs).toMatchObject({
        subject: { organization: "kindmesh", commonName: "Intermediate CA", locality: cluster },
        dnsNames: ["istiod.istio-system.svc"],
      });
      const cert = named(run.resources, SIGNED, `mesh-ca-${cluster}`);
      expect(cert.inputs).toMatchObject({ isCaCertificate: true, validityPeriodHours: 17520, earlyRenewalHours: 720 });
      expect([...cert.inputs.allowedUses].sort()).toEqual(CA_USES);
    }
    expect(INTERMEDIATE_VALIDITY_HOURS + INTERMEDIATE_EARLY_RENEWAL_HOURS).toBeLessThan(ROOT_VALIDITY_HOURS - ROOT_EARLY_RENEWAL_HOURS);
  });

  it("each intermediate is signed by the root's key and certificate, from its own CSR", async () => {
    const run = await underMocks(build());
    const urn = (type: string, name: string) => named(run.resources, type, name).urn;
    for (const cluster of ["east", "west"]) {
      const cert = named(run.resources, SIGNED, `mesh-ca-${cluster}`);
      expect(cert.dependencies).toEqual(
        expect.arrayContaining([urn(ROOT, "mesh-ca-root"), urn(KEY, "mesh-ca-root-key"), urn(CSR, `mesh-ca-${cluster}-csr`)]),
      );
      expect(readFakePem(reveal(cert.inputs.caPrivateKeyPem)).key).toBe("mesh-ca-root-key");
      expect(readFakePem(cert.inputs.caCertPem).subject).toEqual({ organization: "kindmesh", commonName: "Root CA" });
    }
  });

  it("cacerts per cluster: exactly the four keys; ca-cert is that cluster's intermediate; cert-chain = intermediate + root", async () => {
    const run = await underMocks(build());
    const roots = new Set<string>();
    for (const cluster of ["east", "west"]) {
      const data = (await resolve(run.value.intermediates[cluster].cacerts))!;
      expect(Object.keys(data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
      const caCert = readFakePem(data["ca-cert.pem"]);
      expect(caCert).toMatchObject({ subject: { locality: cluster, commonName: "Intermediate CA" }, signedBy: "mesh-ca-root-key", ca: true });
      expect(readFakePem(data["ca-key.pem"]).key).toBe(`mesh-ca-${cluster}-key`);
      expect(caCert.key).toBe(`mesh-ca-${cluster}-key`);
      expect(data["cert-chain.pem"]).toBe(data["ca-cert.pem"] + data["root-cert.pem"]);
      expect(data["root-cert.pem"]).toBe(await resolve(run.value.rootCertPem));
      roots.add(data["root-cert.pem"]);
    }
    // Every cluster shares the root.
    expect(roots.size).toBe(1);
  });

  it("keys exist only as secrets; the root certificate is public", async () => {
    const run = await underMocks(build());
    for (const key of byType(run.resources, KEY)) expect(key.additionalSecretOutputs).toContain("privateKeyPem");
    for (const cert of byType(run.resources, SIGNED)) expect(isSecretInput(cert.inputs.caPrivateKeyPem)).toBe(true);
    for (const r of [...byType(run.resources, ROOT), ...byType(run.resources, CSR)]) expect(isSecretInput(r.inputs.privateKeyPem)).toBe(true);
    expect(await pulumi.isSecret(run.value.intermediates.east.keyPem)).toBe(true);
    expect(await pulumi.isSecret(run.value.intermediates.east.cacerts)).toBe(true);
    expect(await pulumi.isSecret(run.value.rootCertPem)).toBe(false);
  });

  it("children are parented to the component", async () => {
    const run = await underMocks(build());
    const ca = named(run.resources, MESH_CA_TOKEN, "mesh-ca");
    for (const r of run.resources.filter((x) => x.type.startsWith("tls:"))) expect(r.parent).toBe(ca.urn);
  });
});

describe("MeshCA: user-supplied root", () => {
  const userCert = fakePem("CERTIFICATE", { subject: { organization: "acme", commonName: "Acme Root" } });
  const userKey = fakePem("PRIVATE KEY", { key: "acme-root-key" });

  it("generates no root; signs the intermediates with the given certificate and key, the key kept secret", async () => {
    const run = await underMocks(build({ clusters: ["main0"], root: { certPem: userCert, keyPem: userKey } }));
    expect(byType(run.resources, ROOT)).toEqual([]);
    expect(byType(run.resources, KEY).map((k) => k.name)).toEqual(["mesh-ca-main0-key"]);
    const cert = named(run.resources, SIGNED, "mesh-ca-main0");
    expect(cert.inputs.caCertPem).toBe(userCert);
    expect(isSecretInput(cert.inputs.caPrivateKeyPem)).toBe(true);
    expect(reveal(cert.inputs.caPrivateKeyPem)).toBe(userKey);
    expect(await resolve(run.value.rootCertPem)).toBe(userCert);
    const data = (await resolve(run.value.intermediates.main0.cacerts))!;
    expect(data["root-cert.pem"]).toBe(userCert);
    expect(readFakePem(data["ca-cert.pem"]).signedBy).toBe("acme-root-key");
  });
});

describe("MeshCA: shape", () => {
  it("no clusters with istiod: a root and no intermediates", async () => {
    const run = await underMocks(build({ clusters: [] }));
    expect(byType(run.resources, ROOT)).toHaveLength(1);
    expect(byType(run.resources, SIGNED)).toEqual([]);
  });

  it("a cluster listed twice is an error", async () => {
    await expect(underMocks(build({ clusters: ["a", "a"] }))).rejects.toThrow(/listed twice: a/);
  });

  it("preview: every resource is registered; PEMs are unknown", async () => {
    const run = await underMocks(build(), { preview: true });
    expect(run.resources.filter((r) => r.type.startsWith("tls:")).map((r) => r.name).sort()).toEqual(
      ["mesh-ca-east", "mesh-ca-east-csr", "mesh-ca-east-key", "mesh-ca-root", "mesh-ca-root-key", "mesh-ca-west", "mesh-ca-west-csr", "mesh-ca-west-key"],
    );
    expect(await resolve(run.value.intermediates.east.cacerts, 100)).toBeUndefined();
  });
});
