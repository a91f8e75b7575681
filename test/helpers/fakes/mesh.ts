/**
 * Fakes for the mesh layer's resources (see index.ts): what the TLS provider, Helm, the token controller and
 * MetalLB would fill in. Every value is computed from the resource's name and inputs, never from what a test
 * expects, and each fake PEM encodes what it was made from so tests can check the chain by content.
 */
import { X509Certificate, createHash } from "node:crypto";
import type { CallFake, StateFake } from "./index";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A mock input with Pulumi's secret wrappers removed (secret inputs reach mocks as `{ <sig>: ..., value }`). */
export function reveal(value: any): any {
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value) return reveal(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** Whether a mock input arrived wrapped as a secret. */
export function isSecretInput(value: any): boolean {
  return Boolean(value && typeof value === "object" && SECRET_SIG in value);
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** A PEM block whose body is the JSON it was made from. */
export function fakePem(label: string, body: object): string {
  return `-----BEGIN ${label}-----\n${b64(JSON.stringify(body))}\n-----END ${label}-----\n`;
}

/** The JSON inside a fake PEM block (the first block when there are several). */
export function readFakePem(pem: string): any {
  const m = /-----BEGIN [^-]+-----\n([^\n]+)\n-----END/.exec(pem);
  if (!m) throw new Error(`not a fake PEM: ${pem.slice(0, 60)}`);
  return JSON.parse(Buffer.from(m[1], "base64").toString("utf8"));
}

/** A deterministic address for a LoadBalancer Service, as MetalLB would hand one out. */
export function fakeLoadBalancerIP(name: string): string {
  const h = createHash("sha256").update(name).digest();
  return `172.${16 + (h[0] % 16)}.${h[1]}.${2 + (h[2] % 250)}`;
}

/** What a PEM says of itself: a fake PEM's JSON, or for a real one (a user's root CA) its subject or digest. */
function describePem(pem: string, what: "subject" | "key"): string {
  try {
    const fake = readFakePem(pem);
    return what === "subject" ? fake.subject : fake.key;
  } catch {
    return what === "subject" ? new X509Certificate(pem).subject : `user-key-${digest(pem)}`;
  }
}

export const meshStates: Record<string, StateFake> = {
  "tls:index/privateKey:PrivateKey": (name, inputs) => ({
    privateKeyPem: fakePem("PRIVATE KEY", { key: name, algorithm: inputs.algorithm, rsaBits: inputs.rsaBits }),
    publicKeyPem: fakePem("PUBLIC KEY", { key: name }),
  }),
  "tls:index/selfSignedCert:SelfSignedCert": (name, inputs) => {
    const key = readFakePem(reveal(inputs.privateKeyPem)).key;
    return { certPem: fakePem("CERTIFICATE", { cert: name, subject: inputs.subject, issuer: inputs.subject, key, ca: inputs.isCaCertificate }) };
  },
  "tls:index/certRequest:CertRequest": (name, inputs) => ({
    certRequestPem: fakePem("CERTIFICATE REQUEST", { csr: name, subject: inputs.subject, dnsNames: inputs.dnsNames, key: readFakePem(reveal(inputs.privateKeyPem)).key }),
  }),
  "tls:index/locallySignedCert:LocallySignedCert": (name, inputs) => {
    const csr = readFakePem(inputs.certRequestPem);
    const issuer = describePem(inputs.caCertPem, "subject");
    const signer = describePem(reveal(inputs.caPrivateKeyPem), "key");
    return {
      certPem: fakePem("CERTIFICATE", { cert: name, subject: csr.subject, dnsNames: csr.dnsNames, key: csr.key, issuer, signedBy: signer, ca: inputs.isCaCertificate }),
    };
  },
  // Helm: a deployed release, as the provider reports it.
  "kubernetes:helm.sh/v3:Release": (_name, inputs) => ({
    status: { name: inputs.name, namespace: inputs.namespace, chart: inputs.chart, version: inputs.version, appVersion: inputs.version, status: "deployed", revision: 1 },
  }),
  // The token controller fills a service-account-token Secret; other Secrets come back as they went in.
  "kubernetes:core/v1:Secret": (name, inputs) => {
    if (inputs.type !== "kubernetes.io/service-account-token") return {};
    const namespace = inputs.metadata?.namespace ?? "default";
    const sa = inputs.metadata?.annotations?.["kubernetes.io/service-account.name"];
    const jwt = [b64(JSON.stringify({ alg: "RS256" })), b64(JSON.stringify({ sub: `system:serviceaccount:${namespace}:${sa}`, secret: name })), digest(name)].join(".");
    return { data: { token: b64(jwt), "ca.crt": b64(fakePem("CERTIFICATE", { clusterCa: name })), namespace: b64(namespace) } };
  },
  // A cloud's load balancer: the patched gateway Service of an existing cluster gets an ingress address.
  "kubernetes:core/v1:ServicePatch": (name, inputs) => ({ status: { loadBalancer: { ingress: [{ ip: fakeLoadBalancerIP(name), ipMode: "VIP" }] } }, metadata: inputs.metadata }),
  // MetalLB: a read Service (no spec in the inputs) or a LoadBalancer one gets an ingress address.
  "kubernetes:core/v1:Service": (name, inputs) =>
    inputs.spec === undefined || inputs.spec?.type === "LoadBalancer"
      ? { spec: { type: "LoadBalancer", ...(inputs.spec ?? {}) }, status: { loadBalancer: { ingress: [{ ip: fakeLoadBalancerIP(name), ipMode: "VIP" }] } } }
      : {},
};

export const meshCalls: Record<string, CallFake> = {};
