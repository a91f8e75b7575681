/**
 * A root CA the user brings instead of the generated one (`kindmesh:rootCaCert` and, as a secret,
 * `kindmesh:rootCaKey`): checked before anything is deployed, because istiod would otherwise start with an
 * intermediate it cannot chain, and every cluster's mTLS would fail at once.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { Problems } from "./problems";
import { caExtensions } from "./x509Extensions";

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
    // X509Certificate.ca is OpenSSL's X509_check_ca: also false for a CA whose keyUsage lacks keyCertSign.
    if (!signingLimits(p, cert) && !cert.ca) p.error(CERT, `is not a CA certificate (basicConstraints CA:true), so it cannot sign the clusters' intermediates.`);
    if (Date.parse(cert.validTo) < Date.now()) p.error(CERT, `expired on ${cert.validTo}; use a current root.`);
    return cert;
  } catch {
    p.error(CERT, `is not a PEM certificate ("-----BEGIN CERTIFICATE-----" ...). ${FIX}`);
    return undefined;
  }
}

/**
 * Istio's plug-in CA puts one intermediate per cluster under the root (`cacerts` ca-cert.pem), and istiod signs
 * workload certificates with it (security/pkg/pki/util/keycertbundle.go verifies ca-cert.pem against the root
 * with Go's x509 at start). A keyUsage without keyCertSign fails that check (CheckSignatureFrom); a root limited
 * to pathlen:0 passes it but may have no CA below it, so every workload chain (leaf -> intermediate -> root)
 * is invalid. Returns
 * whether a CA was rejected for its key usage (so it is not reported again as "not a CA").
 */
function signingLimits(p: Problems, cert: X509Certificate): boolean {
  let ext;
  try {
    ext = caExtensions(cert.raw);
  } catch {
    return false;
  }
  if (!ext.ca) return false;
  if (ext.pathLen !== undefined && ext.pathLen < 1) {
    p.error(CERT, `has basicConstraints pathlen:${ext.pathLen}: it may sign only end-entity certificates, but Istio needs a per-cluster intermediate CA under the root (root -> cacerts ca-cert.pem -> workload certificates), so workload certificates do not verify against it and mTLS between workloads fails. Use a root without a path length limit, or with pathlen of at least 1.`);
  }
  if (ext.keyUsage && !ext.keyUsage.keyCertSign) {
    p.error(CERT, `has a keyUsage extension without keyCertSign (certificate signing), so it may not sign the clusters' intermediate CAs: istiod rejects its cacerts at start (Go's x509 requires keyCertSign on an issuer that has a keyUsage). Reissue the root with keyUsage "critical, keyCertSign, cRLSign".`);
  }
  return ext.keyUsage !== undefined && !ext.keyUsage.keyCertSign;
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
