import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * The certificate profile of sqld's replication mTLS, shared by the program (which makes the certificates with
 * @pulumi/tls) and the tests (which make certificates of the same profile with node crypto, since @pulumi/tls
 * only runs inside the Pulumi engine).
 * - ECDSA P-256: the real sqld 0.24.32 accepts it; Ed25519 certificates fail its TLS handshake ("transport error").
 * - The server certificate names `sqld`: a replica checks the primary's certificate against that fixed name,
 *   whatever host its --primary-grpc-url names (libsql-server src/config.rs: `.domain_name("sqld")`).
 * - The client certificate is only for client auth; the primary admits any certificate signed by the CA.
 */
export const REPLICATION_TLS_PROFILE = {
  keyAlgorithm: "ECDSA",
  ecdsaCurve: "P256",
  serverName: "sqld",
  caCommonName: "libsql-stack sqld replication CA",
  clientCommonName: "sqld-replica",
  organization: "libsql-stack",
  /** CA: 10 years. Leaf certificates: 2 years, renewed by a `pulumi up` in their last 30 days. */
  caValidityHours: 10 * 365 * 24,
  leafValidityHours: 2 * 365 * 24,
  earlyRenewalHours: 30 * 24,
  caUses: ["cert_signing", "crl_signing", "digital_signature"],
  serverUses: ["digital_signature", "key_encipherment", "server_auth"],
  clientUses: ["digital_signature", "key_encipherment", "client_auth"],
} as const;

/** One PEM as one base64 line: Fly `[[files]]` with `secret_name` writes the secret base64-DECODED into the file. */
export function pemToSecretValue(pem: string): string {
  return Buffer.from(pem, "utf8").toString("base64");
}

export interface ReplicationTlsMaterial {
  caCertPem: pulumi.Output<string>;
  serverCertPem: pulumi.Output<string>;
  /** PKCS#8 PEM (secret). */
  serverKeyPem: pulumi.Output<string>;
  clientCertPem: pulumi.Output<string>;
  /** PKCS#8 PEM (secret). */
  clientKeyPem: pulumi.Output<string>;
}

const SECRET_KEY_OUTPUTS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];

/**
 * A private CA and the two leaf certificates of sqld's replication link: the primary's server certificate
 * (SAN DNS:sqld) and the replicas' client certificate. Keys never leave this component except as secrets.
 */
export class ReplicationTls extends pulumi.ComponentResource implements ReplicationTlsMaterial {
  readonly caCertPem: pulumi.Output<string>;
  readonly serverCertPem: pulumi.Output<string>;
  readonly serverKeyPem: pulumi.Output<string>;
  readonly clientCertPem: pulumi.Output<string>;
  readonly clientKeyPem: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:auth:ReplicationTls", name, {}, opts);
    const p = REPLICATION_TLS_PROFILE;
    const key = (suffix: string) =>
      new tls.PrivateKey(`${name}-${suffix}-key`, { algorithm: p.keyAlgorithm, ecdsaCurve: p.ecdsaCurve }, { parent: this, additionalSecretOutputs: SECRET_KEY_OUTPUTS });
    const caKey = key("ca");
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: p.caCommonName, organization: p.organization },
        validityPeriodHours: p.caValidityHours,
        earlyRenewalHours: p.earlyRenewalHours,
        allowedUses: [...p.caUses],
      },
      { parent: this },
    );
    const leaf = (suffix: string, commonName: string, dnsNames: string[], uses: readonly string[]) => {
      const leafKey = key(suffix);
      const request = new tls.CertRequest(
        `${name}-${suffix}-csr`,
        { privateKeyPem: leafKey.privateKeyPem, subject: { commonName, organization: p.organization }, dnsNames },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${suffix}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: p.leafValidityHours,
          earlyRenewalHours: p.earlyRenewalHours,
          allowedUses: [...uses],
        },
        { parent: this },
      );
      return { certPem: cert.certPem, keyPem: pulumi.secret(leafKey.privateKeyPemPkcs8) };
    };
    const server = leaf("server", p.serverName, [p.serverName], p.serverUses);
    const client = leaf("client", p.clientCommonName, [], p.clientUses);
    this.caCertPem = ca.certPem;
    this.serverCertPem = server.certPem;
    this.serverKeyPem = server.keyPem;
    this.clientCertPem = client.certPem;
    this.clientKeyPem = client.keyPem;
    this.registerOutputs({ caCertPem: this.caCertPem });
  }
}
