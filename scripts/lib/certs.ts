/**
 * The shared-root check on PEM text: every primary's `cacerts` carries the same
 * `root-cert.pem`, its `ca-cert.pem` is a CA issued and signed by that root, `cert-chain.pem` is the
 * intermediate then the root (istio-on-kind.md §7), and the root istiod distributes (`istio-ca-root-cert`) is
 * that root. Remotes run no istiod and have no `cacerts`.
 * Uses node:crypto's X509Certificate; no I/O.
 */
import { X509Certificate } from "node:crypto";
import { caExtensions } from "../../model/config/x509Extensions";

/** What one cluster holds: the `cacerts` keys and the root istiod actually distributes. */
export interface ClusterCerts {
  /** Undefined when the cluster has no `cacerts` Secret. */
  cacerts?: Partial<Record<"root-cert.pem" | "ca-cert.pem" | "cert-chain.pem", string>>;
  /** `istio-ca-root-cert` ConfigMap's `root-cert.pem` in istio-system; undefined when absent. */
  distributedRoot?: string;
  /** A remote cluster: it runs no istiod, so it has no `cacerts` (istioControlPlane.ts). */
  remote?: boolean;
}

/** Splits a PEM bundle into certificates (undefined when one does not parse). */
export function parsePemBundle(pem: string): X509Certificate[] | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return undefined;
  }
}

const short = (c: X509Certificate) => c.fingerprint256.slice(0, 23);

/** Whether `child` names `issuer` as its issuer and carries a signature by the issuer's key. */
export function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

/** Analyses every cluster's certificates at `now`; problems say what is wrong and how to fix it. */
export function analyseCerts(byCluster: Record<string, ClusterCerts>, now: Date = new Date()): { details: string[]; problems: string[] } {
  const details: string[] = [];
  const problems: string[] = [];
  const roots = new Map<string, X509Certificate>();
  for (const [name, c] of Object.entries(byCluster)) {
    const root = c.cacerts ? checkCacerts(name, c.cacerts, now, details, problems) : undefined;
    if (root) roots.set(name, root);
    if (!c.cacerts && c.remote) details.push(`${name}: no cacerts, as expected on a remote (it runs no istiod; the primary's istiod signs its workloads)`);
    else if (!c.cacerts) problems.push(`${name}: no Secret istio-system/cacerts, so istiod made its own self-signed root and cross-cluster mTLS fails`);
  }
  const distinct = new Set([...roots.values()].map((r) => r.fingerprint256));
  if (distinct.size > 1) {
    problems.push(`root-cert.pem differs between clusters (${[...roots].map(([n, r]) => `${n} ${short(r)}`).join("; ")}): every cluster must share one root`);
  } else if (distinct.size === 1) {
    details.push(`root-cert.pem identical in ${[...roots.keys()].join(", ")} (SHA-256 ${short([...roots.values()][0])}…)`);
  }
  const shared = [...roots.values()][0];
  for (const [name, c] of Object.entries(byCluster)) {
    const expected = roots.get(name) ?? shared;
    // A primary without cacerts already failed above; its distributed root says nothing more.
    if (!expected || (!c.cacerts && !c.remote)) continue;
    const distributed = c.distributedRoot === undefined ? undefined : one(c.distributedRoot);
    if (c.distributedRoot === undefined) {
      if (!c.remote) problems.push(`${name}: no ConfigMap istio-system/istio-ca-root-cert yet: istiod has not distributed a root`);
    } else if (!distributed || distributed.fingerprint256 !== expected.fingerprint256) {
      problems.push(
        c.remote
          ? `${name}: the root distributed here (istio-ca-root-cert) is not the mesh's root: the primary's istiod runs with a self-signed root; restart it after its cacerts exists`
          : `${name}: istiod distributes a different root than cacerts holds: cacerts was created after istiod started, so istiod kept a self-signed root; restart it (kubectl rollout restart deployment/istiod -n istio-system)`,
      );
    }
  }
  return { details, problems };
}

/** The checks of one `cacerts`; returns its root when it parses. */
function checkCacerts(name: string, cacerts: NonNullable<ClusterCerts["cacerts"]>, now: Date, details: string[], problems: string[]): X509Certificate | undefined {
  const root = one(cacerts["root-cert.pem"]);
  const ca = one(cacerts["ca-cert.pem"]);
  if (!root || !ca) {
    problems.push(`${name}: cacerts lacks a parseable ${!root ? "root-cert.pem" : "ca-cert.pem"}`);
    return undefined;
  }
  const limits = (() => {
    try {
      return caExtensions(root.raw);
    } catch {
      return undefined;
    }
  })();
  if (limits?.ca && limits.pathLen !== undefined && limits.pathLen < 1) {
    problems.push(`${name}: root-cert.pem has pathlen:${limits.pathLen}, so ca-cert.pem (an intermediate CA) may not sit under it and no workload chain verifies; use a root without a path length limit`);
  }
  if (limits?.ca && limits.keyUsage && !limits.keyUsage.keyCertSign) {
    problems.push(`${name}: root-cert.pem has a keyUsage without keyCertSign, so it may not sign ca-cert.pem; reissue it with keyCertSign`);
  } else if (!root.ca) problems.push(`${name}: root-cert.pem is not a CA certificate`);
  if (!ca.ca) problems.push(`${name}: ca-cert.pem (the intermediate) is not a CA certificate (CA:true is required)`);
  if (!signedBy(ca, root)) problems.push(`${name}: ca-cert.pem is not signed by root-cert.pem (issuer ${ca.issuer.replace(/\n/g, ", ")})`);
  else details.push(`${name}: intermediate ${ca.subject.replace(/\n/g, ", ")} verifies against the root`);
  for (const [what, cert] of [["root-cert.pem", root], ["ca-cert.pem", ca]] as const) {
    if (new Date(cert.validTo) < now) problems.push(`${name}: ${what} expired on ${cert.validTo}`);
  }
  const chain = parsePemBundle(cacerts["cert-chain.pem"] ?? "");
  if (!chain || chain.length < 2 || chain[0].fingerprint256 !== ca.fingerprint256 || chain[chain.length - 1].fingerprint256 !== root.fingerprint256) {
    problems.push(`${name}: cert-chain.pem must be the intermediate then the root`);
  }
  return root;
}

function one(pem: string | undefined): X509Certificate | undefined {
  const certs = pem ? parsePemBundle(pem) : undefined;
  return certs && certs.length > 0 ? certs[0] : undefined;
}
