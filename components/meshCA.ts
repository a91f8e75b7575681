/**
 * The mesh's one root of trust, and an intermediate CA for every cluster that runs istiod, shaped like the
 * output of Istio's `tools/certs` (common.mk, release-1.31): root `O=<org>, CN=Root CA`; intermediates
 * `O=<org>, CN=Intermediate CA, L=<cluster>` with SAN `istiod.istio-system.svc`, both `CA:true` with
 * keyCertSign. Every cluster's `cacerts` shares the root, which is what lets sidecars of different clusters
 * trust each other's certificates. Private keys exist only as Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { cacertsData } from "../model/build/istioValues";

export const MESH_CA_TOKEN = "kindmesh:mesh:MeshCA";

// The TLS provider's own spellings (hashicorp/terraform-provider-tls internal/provider/common_cert.go
// `keyUsages`); its schema rejects others, including the camelCase ones @pulumi/tls's generated docs print.
export const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];
/** The SAN istiod's intermediate carries (common.mk INTERMEDIATE_SAN_DNS). */
export const ISTIOD_SAN = "istiod.istio-system.svc";

// Root: 10 years (common.mk ROOTCA_DAYS 3650). Intermediates: 2 years. `pulumi up` inside the early-renewal
// window re-issues: an intermediate from the same root is hot-reloaded by istiod (it watches /etc/cacerts:
// pilot/pkg/bootstrap/istio_ca.go handleCACertsFileWatch); a new root needs every istiod and workload restarted.
export const ROOT_VALIDITY_HOURS = 10 * 365 * 24;
export const ROOT_EARLY_RENEWAL_HOURS = 365 * 24;
export const INTERMEDIATE_VALIDITY_HOURS = 2 * 365 * 24;
export const INTERMEDIATE_EARLY_RENEWAL_HOURS = 30 * 24;

/** A root CA the user brings (e.g. from `pulumi config set --secret`). */
export interface UserRootCa {
  /** The root certificate, PEM. It must be a CA certificate allowed to sign certificates. */
  certPem: pulumi.Input<string>;
  /** The root's private key, PEM (RSA, ECDSA or Ed25519). Treated as a secret whether or not it arrives as one. */
  keyPem: pulumi.Input<string>;
}

export interface MeshCAArgs {
  /** The clusters that run istiod (the primaries); each gets its own intermediate CA with `L=<cluster>`. */
  clusters: string[];
  /** The subject organisation of every certificate. @default "kindmesh" */
  organization?: string;
  /** Sign the intermediates with this root instead of a generated one. @default a generated RSA-4096 root */
  root?: UserRootCa;
}

/** One cluster's intermediate CA. */
export interface IntermediateCa {
  certPem: pulumi.Output<string>;
  /** Secret. */
  keyPem: pulumi.Output<string>;
  /** The four `cacerts` entries (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`); secret. */
  cacerts: pulumi.Output<Record<string, string>>;
}

export class MeshCA extends pulumi.ComponentResource {
  /** The root every cluster trusts (public). */
  readonly rootCertPem: pulumi.Output<string>;
  /** Per cluster that runs istiod. */
  readonly intermediates: Record<string, IntermediateCa>;

  constructor(name: string, args: MeshCAArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MESH_CA_TOKEN, name, {}, opts);
    const child = { parent: this };
    const org = args.organization ?? "kindmesh";
    const duplicates = args.clusters.filter((c, i) => args.clusters.indexOf(c) !== i);
    if (duplicates.length > 0) throw new Error(`MeshCA ${name}: clusters listed twice: ${duplicates.join(", ")}`);

    let rootKeyPem: pulumi.Output<string>;
    if (args.root) {
      this.rootCertPem = pulumi.output(args.root.certPem);
      rootKeyPem = pulumi.secret(args.root.keyPem);
    } else {
      const rootKey = new tls.PrivateKey(`${name}-root-key`, { algorithm: "RSA", rsaBits: 4096 }, child);
      // An RSA key signs with SHA-256 (Go's x509 default for RSA); no SHA-1 anywhere.
      const root = new tls.SelfSignedCert(
        `${name}-root`,
        {
          privateKeyPem: rootKey.privateKeyPem,
          subject: { organization: org, commonName: "Root CA" },
          isCaCertificate: true,
          allowedUses: CA_USES,
          validityPeriodHours: ROOT_VALIDITY_HOURS,
          earlyRenewalHours: ROOT_EARLY_RENEWAL_HOURS,
        },
        child,
      );
      this.rootCertPem = root.certPem;
      rootKeyPem = pulumi.secret(rootKey.privateKeyPem);
    }

    this.intermediates = {};
    for (const cluster of args.clusters) {
      const key = new tls.PrivateKey(`${name}-${cluster}-key`, { algorithm: "RSA", rsaBits: 4096 }, child);
      const csr = new tls.CertRequest(
        `${name}-${cluster}-csr`,
        {
          privateKeyPem: key.privateKeyPem,
          subject: { organization: org, commonName: "Intermediate CA", locality: cluster },
          dnsNames: [ISTIOD_SAN],
        },
        child,
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${cluster}`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: rootKeyPem,
          caCertPem: this.rootCertPem,
          isCaCertificate: true,
          allowedUses: CA_USES,
          validityPeriodHours: INTERMEDIATE_VALIDITY_HOURS,
          earlyRenewalHours: INTERMEDIATE_EARLY_RENEWAL_HOURS,
        },
        child,
      );
      const keyPem = pulumi.secret(key.privateKeyPem);
      const cacerts = pulumi.secret(
        pulumi.all([cert.certPem, keyPem, this.rootCertPem]).apply(([caCert, caKey, rootCert]) => cacertsData({ caCert, caKey, rootCert })),
      );
      this.intermediates[cluster] = { certPem: cert.certPem, keyPem, cacerts };
    }

    this.registerOutputs({ rootCertPem: this.rootCertPem });
  }
}
