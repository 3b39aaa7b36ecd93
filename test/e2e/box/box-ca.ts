/**
 * The box's own certificate authority and one server certificate for `localhost` (DNS SAN) and 127.0.0.1 (IP SAN):
 * what the TLS fronts of the box's Turso databases present (turso.ts). Clients trust the CA through
 * NODE_EXTRA_CA_CERTS=<root>/turso/ca.pem, as @libsql/client turns `libsql://localhost:<port>` into https.
 * ECDSA P-256 via WebCrypto + @peculiar/x509 (as test/support/sqld/tls.ts), valid for a day: a box lives one run.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const HOUR = 3600_000;
const KU = x509.KeyUsageFlags;
const serial = () => randomBytes(8).toString("hex").replace(/^[89a-f]/, "1");

export interface BoxCertificates {
  caCertPem: string;
  /** Leaf for localhost / 127.0.0.1, then the CA: the chain a TLS server sends. */
  serverCertPem: string;
  serverKeyPem: string;
}

export async function makeBoxCertificates(): Promise<BoxCertificates> {
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=libsql-stack box CA (test only), O=libsql-stack e2e",
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=localhost, O=libsql-stack e2e",
    issuer: ca.subject,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  return { caCertPem: `${ca.toString("pem")}\n`, serverCertPem: `${leaf.toString("pem")}\n`, serverKeyPem: `${keyPem}\n` };
}
