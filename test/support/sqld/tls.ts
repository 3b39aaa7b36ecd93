/**
 * Test certificates for sqld's replication mTLS with the SAME profile the program makes with @pulumi/tls
 * (REPLICATION_TLS_PROFILE: ECDSA P-256, server SAN DNS:sqld, client-auth client certificate), made here with
 * WebCrypto + @peculiar/x509 because @pulumi/tls only runs inside the Pulumi engine.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { pemToSecretValue, REPLICATION_TLS_PROFILE as P } from "../../../infra/auth/replication-tls";
import { REPLICATION_TLS_FILES } from "../../../infra/sqld/files";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const HOUR = 3600_000;

export interface TestReplicationTls {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY")}\n`;
}

const serial = () => randomBytes(8).toString("hex").replace(/^[89a-f]/, "1");
const KU = x509.KeyUsageFlags;

/** A CA with a server (SAN `serverName`, default the profile's `sqld`) and a client certificate. */
export async function makeTestReplicationTls(options: { serverName?: string } = {}): Promise<TestReplicationTls> {
  const now = Date.now();
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${P.caCommonName}, O=${P.organization}`,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + P.caValidityHours * HOUR),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign | KU.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leaf = async (commonName: string, dnsNames: string[], usage: string) => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${commonName}, O=${P.organization}`,
      issuer: ca.subject,
      notBefore: new Date(now - HOUR),
      notAfter: new Date(now + P.leafValidityHours * HOUR),
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        ...(dnsNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: "dns" as const, value })))] : []),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    return { certPem: `${cert.toString("pem")}\n`, keyPem: await pkcs8Pem(keys.privateKey) };
  };
  const serverName = options.serverName ?? P.serverName;
  const server = await leaf(serverName, [serverName], x509.ExtendedKeyUsage.serverAuth);
  const client = await leaf(P.clientCommonName, [], x509.ExtendedKeyUsage.clientAuth);
  return { caCertPem: `${ca.toString("pem")}\n`, serverCertPem: server.certPem, serverKeyPem: server.keyPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem };
}

/** The Fly secrets the stack sets for replication TLS (base64 PEMs), by secret name. */
export function replicationTlsSecrets(t: TestReplicationTls): Record<string, string> {
  const f = REPLICATION_TLS_FILES;
  return {
    [f.ca.secret]: pemToSecretValue(t.caCertPem),
    [f.serverCert.secret]: pemToSecretValue(t.serverCertPem),
    [f.serverKey.secret]: pemToSecretValue(t.serverKeyPem),
    [f.clientCert.secret]: pemToSecretValue(t.clientCertPem),
    [f.clientKey.secret]: pemToSecretValue(t.clientKeyPem),
  };
}
