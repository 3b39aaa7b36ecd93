/**
 * A throwaway certificate authority and its leaf certificates (ECDSA P-256, WebCrypto + @peculiar/x509), for the
 * local platform's TLS: sqld's replication mTLS profile (./sqld/tls.ts) and the box's loopback TLS fronts (./box).
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

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY")}\n`;
}

export interface TestCa {
  certPem: string;
  /** A leaf signed by this CA: server or client auth, with DNS and IP SANs. */
  issue(leaf: { commonName: string; organization: string; validityHours: number; usage: "server" | "client"; dns?: string[]; ip?: string[] }): Promise<{ certPem: string; keyPem: string }>;
}

export async function createTestCa(o: { commonName: string; organization: string; validityHours: number; pathLength?: number; digitalSignature?: boolean }): Promise<TestCa> {
  const now = Date.now();
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${o.commonName}, O=${o.organization}`,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + o.validityHours * HOUR),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, o.pathLength, true),
      new x509.KeyUsagesExtension(KU.keyCertSign | KU.cRLSign | (o.digitalSignature ? KU.digitalSignature : 0), true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    certPem: `${ca.toString("pem")}\n`,
    async issue(leaf) {
      const keys = await keyPair();
      const names = [...(leaf.dns ?? []).map((value) => ({ type: "dns" as const, value })), ...(leaf.ip ?? []).map((value) => ({ type: "ip" as const, value }))];
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${leaf.commonName}, O=${leaf.organization}`,
        issuer: ca.subject,
        notBefore: new Date(now - HOUR),
        notAfter: new Date(now + leaf.validityHours * HOUR),
        signingKey: caKeys.privateKey,
        publicKey: keys.publicKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(KU.digitalSignature | KU.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([leaf.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      return { certPem: `${cert.toString("pem")}\n`, keyPem: await pkcs8Pem(keys.privateKey) };
    },
  };
}
