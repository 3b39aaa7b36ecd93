/**
 * TEST DOUBLE of the Pulumi tls provider 5.6.1 (@pulumi/tls), not the real provider: certificates and requests as
 * hashicorp/terraform-provider-tls v4.2.1 makes them (internal/provider/common_cert.go createCertificate,
 * resource_self_signed_cert.go / resource_locally_signed_cert.go / resource_cert_request.go Create), on top of
 * Go's crypto/x509 CreateCertificate rules, with WebCrypto + @peculiar/x509 instead of Go.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { createHash, createPublicKey, randomBytes, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** common_cert.go keyUsages / extendedKeyUsages (Go's ExtKeyUsage OIDs). */
const KU = x509.KeyUsageFlags;
export const KEY_USAGES: Record<string, number> = {
  digital_signature: KU.digitalSignature, content_commitment: KU.nonRepudiation, key_encipherment: KU.keyEncipherment,
  data_encipherment: KU.dataEncipherment, key_agreement: KU.keyAgreement, cert_signing: KU.keyCertSign,
  crl_signing: KU.cRLSign, encipher_only: KU.encipherOnly, decipher_only: KU.decipherOnly,
};
export const EXTENDED_KEY_USAGES: Record<string, string> = {
  any_extended: "2.5.29.37.0", server_auth: "1.3.6.1.5.5.7.3.1", client_auth: "1.3.6.1.5.5.7.3.2", code_signing: "1.3.6.1.5.5.7.3.3",
  email_protection: "1.3.6.1.5.5.7.3.4", ipsec_end_system: "1.3.6.1.5.5.7.3.5", ipsec_tunnel: "1.3.6.1.5.5.7.3.6",
  ipsec_user: "1.3.6.1.5.5.7.3.7", timestamping: "1.3.6.1.5.5.7.3.8", ocsp_signing: "1.3.6.1.5.5.7.3.9",
  microsoft_server_gated_crypto: "1.3.6.1.4.1.311.10.3.3", netscape_server_gated_crypto: "2.16.840.1.113730.4.1",
  microsoft_commercial_code_signing: "1.3.6.1.4.1.311.2.1.22", microsoft_kernel_code_signing: "1.3.6.1.4.1.311.61.1.1",
};
export const SUPPORTED_USES = [...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)].sort();

export interface Subject {
  commonName?: string; organization?: string; organizationalUnit?: string; streetAddresses?: string[]; locality?: string;
  province?: string; country?: string; postalCode?: string; serialNumber?: string; emailAddress?: string;
}

/** common_cert.go createSubjectDistinguishedNames, in Go's pkix.Name.ToRDNSequence order. */
function subjectName(s: Subject | undefined): x509.JsonName {
  if (!s) return [];
  const rdns: [string, string | undefined][] = [
    ["C", s.country], ["ST", s.province], ["L", s.locality], ...(s.streetAddresses ?? []).map((a): [string, string] => ["2.5.4.9", a]),
    ["2.5.4.17", s.postalCode], ["O", s.organization], ["OU", s.organizationalUnit], ["CN", s.commonName], ["2.5.4.5", s.serialNumber],
    ["1.2.840.113549.1.9.1", s.emailAddress],
  ];
  return rdns.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => ({ [k]: [v!] }));
}

/** WebCrypto parameters of a node key: how Go's x509 signs with it (SHA-256 for RSA and P-256, SHA-384/512 for P-384/521). */
function webAlgorithm(key: KeyObject): { importParams: RsaHashedImportParams | EcKeyImportParams | Algorithm; sign: Algorithm | EcdsaParams } {
  if (key.asymmetricKeyType === "ed25519") return { importParams: { name: "Ed25519" }, sign: { name: "Ed25519" } };
  if (key.asymmetricKeyType === "rsa") return { importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } };
  const namedCurve = key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? "P-256" : key.asymmetricKeyDetails?.namedCurve === "secp384r1" ? "P-384" : key.asymmetricKeyDetails?.namedCurve === "secp521r1" ? "P-521" : undefined;
  if (!namedCurve) throw new Error(`x509: unsupported elliptic curve (${key.asymmetricKeyDetails?.namedCurve}) (TEST DOUBLE: WebCrypto has no P-224)`);
  return { importParams: { name: "ECDSA", namedCurve }, sign: { name: "ECDSA", hash: { P256: "SHA-256", P384: "SHA-384", P521: "SHA-512" }[namedCurve.replace("-", "")]! } as EcdsaParams };
}

async function cryptoKeys(privateKey: KeyObject) {
  const { importParams, sign } = webAlgorithm(privateKey);
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const keys = {
    privateKey: await webcrypto.subtle.importKey("pkcs8", pkcs8, importParams, true, ["sign"]),
    publicKey: await webcrypto.subtle.importKey("spki", spki, importParams, true, ["verify"]),
  } as CryptoKeyPair;
  return { keys, sign };
}

/** common_cert.go generateSubjectKeyID: SHA-1 of the EC point / asn1(ed25519 key) / PKCS#1 RSA key. */
export function subjectKeyId(publicKey: KeyObject): string {
  let bytes: Buffer;
  if (publicKey.asymmetricKeyType === "rsa") bytes = publicKey.export({ type: "pkcs1", format: "der" });
  else {
    const jwk = publicKey.export({ format: "jwk" });
    bytes = publicKey.asymmetricKeyType === "ed25519"
      ? Buffer.concat([Buffer.from([0x04, 0x20]), Buffer.from(jwk.x!, "base64url")]) // asn1.Marshal of a []byte: OCTET STRING
      : Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
  }
  return createHash("sha1").update(bytes).digest("hex");
}

export interface CertOptions {
  validityPeriodHours: number;
  allowedUses: string[];
  isCaCertificate: boolean;
  maxPathLength?: number;
  setSubjectKeyId: boolean;
  setAuthorityKeyId: boolean;
}

export interface IssuedCert { id: string; certPem: string; validityStartTime: string; validityEndTime: string }

/** common_cert.go createCertificate + Go x509.CreateCertificate (extension set and criticality). */
async function createCertificate(args: {
  subject: x509.JsonName | x509.Name; dns: string[]; ips: string[]; uris: string[];
  publicKey: KeyObject; signer: KeyObject; issuer?: x509.X509Certificate; options: CertOptions;
}): Promise<IssuedCert> {
  const { options: o } = args;
  const selfSigned = args.issuer === undefined;
  if (o.isCaCertificate && (Array.isArray(args.subject) ? args.subject.length === 0 : args.subject.toString() === "")) {
    throw new Error("Invalid Certificate Subject: Must contain at least one Distinguished Name when creating Certificate Authority (CA)");
  }
  if (args.issuer) {
    // Go x509.CreateCertificate: the signer must belong to the parent certificate.
    const parentSpki = Buffer.from(args.issuer.publicKey.rawData);
    if (!parentSpki.equals(createPublicKey(args.signer).export({ type: "spki", format: "der" }))) {
      throw new Error("Failed to create certificate: x509: provided PrivateKey doesn't match parent's PublicKey");
    }
  }
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + o.validityPeriodHours * 3600_000);
  // rand.Int(rand.Reader, 2^128): a positive serial; ASN.1 needs a 00 in front of a high first bit.
  const serialHex = randomBytes(16).toString("hex").replace(/^0+(?=.)/, "");
  const exts: x509.Extension[] = [];
  const ku = o.allowedUses.reduce((f, u) => f | (KEY_USAGES[u] ?? 0), 0);
  if (ku !== 0) exts.push(new x509.KeyUsagesExtension(ku, true));
  const eku = o.allowedUses.filter((u) => u in EXTENDED_KEY_USAGES).map((u) => EXTENDED_KEY_USAGES[u]!);
  if (eku.length > 0) exts.push(new x509.ExtendedKeyUsageExtension(eku, false));
  // BasicConstraintsValid: true in every upstream template; Go writes pathLen only when MaxPathLen > 0.
  exts.push(new x509.BasicConstraintsExtension(o.isCaCertificate, o.isCaCertificate && (o.maxPathLength ?? -1) > 0 ? o.maxPathLength : undefined, true));
  if (o.isCaCertificate || o.setSubjectKeyId) exts.push(new x509.SubjectKeyIdentifierExtension(subjectKeyId(args.publicKey)));
  const parentSki = args.issuer?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!selfSigned && parentSki) exts.push(new x509.AuthorityKeyIdentifierExtension(parentSki));
  if (selfSigned && o.setAuthorityKeyId) {
    if (!(o.isCaCertificate || o.setSubjectKeyId)) throw new Error("Invalid Certificate Authority: Could not determine Authority Key Identifier");
    exts.push(new x509.AuthorityKeyIdentifierExtension(subjectKeyId(args.publicKey)));
  }
  const names = [...args.dns.map((value) => ({ type: "dns" as const, value })), ...args.ips.map((value) => ({ type: "ip" as const, value })), ...args.uris.map((value) => ({ type: "url" as const, value }))];
  if (names.length > 0) exts.push(new x509.SubjectAlternativeNameExtension(names, false));
  const { keys, sign } = await cryptoKeys(args.signer);
  const publicKey = args.publicKey.export({ type: "spki", format: "der" });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: /^[89a-f]/.test(serialHex) ? `00${serialHex}` : serialHex,
    subject: args.subject,
    issuer: args.issuer ? args.issuer.subjectName : args.subject,
    notBefore, notAfter, signingKey: keys.privateKey, publicKey, signingAlgorithm: sign, extensions: exts,
  });
  return {
    id: BigInt(`0x${serialHex}`).toString(10),
    certPem: `${cert.toString("pem")}\n`,
    // time.Time.MarshalText (RFC 3339) of the template times; X.509 keeps whole seconds.
    validityStartTime: notBefore.toISOString(),
    validityEndTime: notAfter.toISOString(),
  };
}

export function selfSignedCert(key: KeyObject, subject: Subject | undefined, sans: { dns: string[]; ips: string[]; uris: string[] }, options: CertOptions) {
  return createCertificate({ subject: subjectName(subject), ...sans, publicKey: createPublicKey(key), signer: key, options });
}

/** resource_cert_request.go Create: x509.CreateCertificateRequest with the subject and SANs. */
export async function certRequest(key: KeyObject, subject: Subject | undefined, sans: { dns: string[]; ips: string[]; uris: string[] }): Promise<string> {
  const { keys, sign } = await cryptoKeys(key);
  const names = [...sans.dns.map((value) => ({ type: "dns" as const, value })), ...sans.ips.map((value) => ({ type: "ip" as const, value })), ...sans.uris.map((value) => ({ type: "url" as const, value }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(subject), keys, signingAlgorithm: sign,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [],
  });
  return `${csr.toString("pem")}\n`;
}

/** resource_locally_signed_cert.go Create: subject, DNS names, IPs and URIs from the request; key from the request. */
export async function locallySignedCert(certRequestPem: string, caKey: KeyObject, caCertPem: string, options: CertOptions): Promise<IssuedCert> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(certRequestPem);
  } catch (e) {
    throw new Error(`Failed to parse certificate request PEM: failed to parse certificate request: ${(e as Error).message}`);
  }
  let ca: x509.X509Certificate;
  try {
    ca = new x509.X509Certificate(caCertPem);
  } catch (e) {
    throw new Error(`Failed to parse CA certificate PEM: failed to parse certificate: ${(e as Error).message}`);
  }
  const sanRaw = csr.getExtension("2.5.29.17");
  const san = sanRaw ? new x509.SubjectAlternativeNameExtension(sanRaw.rawData) : undefined;
  const of = (t: string) => (san?.names.items ?? []).filter((n) => n.type === t).map((n) => n.value);
  const publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: "der", type: "spki" });
  return createCertificate({ subject: csr.subjectName, dns: of("dns"), ips: of("ip"), uris: of("url"), publicKey, signer: caKey, issuer: ca, options });
}
