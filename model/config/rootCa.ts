/**
 * A root CA the user brings instead of the generated one (`kindmesh:rootCaCert` and, as a secret,
 * `kindmesh:rootCaKey`): checked before anything is deployed, because istiod would otherwise start with an
 * intermediate it cannot chain, and every cluster's mTLS would fail at once.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { Problems } from "./problems";

export interface RootCaInput {
  cert?: string;
  key?: string;
  /** Whether the key is stored encrypted (`pulumi config set --secret`). */
  keyIsSecret?: boolean;
  /** The key is set but encrypted and not readable here (a check without the passphrase): only the certificate is checked. */
  keyEncrypted?: boolean;
}

export interface RootCa {
  certPem: string;
  keyPem: string;
}

const CERT = "rootCaCert";
const KEY = "rootCaKey";
const FIX = `Set both: pulumi config set ${CERT} -- "$(cat root-cert.pem)" and pulumi config set --secret ${KEY} -- "$(cat root-key.pem)".`;

function certificate(p: Problems, pem: string): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(pem);
    if (!cert.ca) p.error(CERT, `is not a CA certificate (basicConstraints CA:true), so it cannot sign the clusters' intermediates.`);
    if (Date.parse(cert.validTo) < Date.now()) p.error(CERT, `expired on ${cert.validTo}; use a current root.`);
    return cert;
  } catch {
    p.error(CERT, `is not a PEM certificate ("-----BEGIN CERTIFICATE-----" ...). ${FIX}`);
    return undefined;
  }
}

/** Both or neither; a PEM CA certificate; a PEM key that is its key and is stored as a secret. */
export function readRootCa(p: Problems, input: RootCaInput | undefined): RootCa | undefined {
  const { cert, key, keyIsSecret, keyEncrypted } = input ?? {};
  if (keyEncrypted) {
    if (cert === undefined) p.error(CERT, `is missing: a root CA needs its certificate and its key. ${FIX}`);
    else certificate(p, cert);
    return undefined;
  }
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    p.error(cert === undefined ? CERT : KEY, `is missing: a root CA needs its certificate and its key. ${FIX}`);
    return undefined;
  }
  if (!keyIsSecret) {
    p.error(KEY, `is stored in plain text in the stack file; set it again with --secret (pulumi config set --secret ${KEY} ...).`);
  }
  const parsed = certificate(p, cert);
  try {
    const privateKey = createPrivateKey(key);
    if (parsed && !parsed.checkPrivateKey(privateKey)) {
      p.error(KEY, `is not the key of ${CERT} (subject ${parsed.subject.replace(/\n/g, ", ")}); give the key the certificate was issued for.`);
    }
  } catch {
    p.error(KEY, `is not a PEM private key ("-----BEGIN ... PRIVATE KEY-----"; the value is not shown). ${FIX}`);
  }
  return { certPem: cert, keyPem: key };
}
