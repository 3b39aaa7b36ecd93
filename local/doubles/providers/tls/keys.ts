/**
 * TEST DOUBLE of the Pulumi tls provider 5.6.1 (@pulumi/tls), not the real provider: key generation and the key
 * encodings of hashicorp/terraform-provider-tls v4.2.1 internal/provider/resource_private_key.go (Create) and
 * common_key.go (keyGenerators, parsePrivateKeyPEM, setPublicKeyAttributes), with node crypto instead of Go's.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";

export type Algorithm = "RSA" | "ECDSA" | "ED25519";
/** types.go ECDSACurve → node's curve names. */
export const ECDSA_CURVES: Record<string, string> = { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" };
const SSH_CURVE: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/** common_key.go keyGenerators. */
export function generatePrivateKey(algorithm: Algorithm, options: { rsaBits: number; ecdsaCurve: string }): KeyObject {
  if (algorithm === "RSA") return generateKeyPairSync("rsa", { modulusLength: options.rsaBits }).privateKey;
  if (algorithm === "ECDSA") {
    const namedCurve = ECDSA_CURVES[options.ecdsaCurve];
    if (!namedCurve) throw new Error(`invalid ECDSA curve; supported values are: [${Object.keys(ECDSA_CURVES).join(" ")}]`);
    return generateKeyPairSync("ec", { namedCurve }).privateKey;
  }
  return generateKeyPairSync("ed25519").privateKey;
}

export function algorithmOf(key: KeyObject): Algorithm {
  const t = key.asymmetricKeyType;
  if (t === "rsa") return "RSA";
  if (t === "ec") return "ECDSA";
  if (t === "ed25519") return "ED25519";
  throw new Error(`unsupported key type ${t}`);
}

/** resource_private_key.go Create: RSA → PKCS#1 "RSA PRIVATE KEY", ECDSA → SEC1 "EC PRIVATE KEY", ED25519 → PKCS#8. */
export function privateKeyPem(key: KeyObject): string {
  const type = key.asymmetricKeyType === "rsa" ? "pkcs1" : key.asymmetricKeyType === "ec" ? "sec1" : "pkcs8";
  return key.export({ type, format: "pem" }) as string;
}

export function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }) as string;
}

/** common_key.go parsePrivateKeyPEM: RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY, with upstream's errors. */
export function parsePrivateKeyPem(pem: string): KeyObject {
  const m = /-----BEGIN ([A-Z ]+)-----/.exec(pem);
  if (!m) throw new Error(`failed to decode PEM block: decoded bytes 0, undecoded ${Buffer.byteLength(pem)}`);
  if (!["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"].includes(m[1]!)) throw new Error(`unable to determine parser for PEM preamble: ${m[1]}`);
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new Error(`failed to parse private key given PEM preamble '${m[1]}': ${(e as Error).message}`);
  }
}

const sshString = (b: Buffer | string) => {
  const body = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
};
/** RFC 4251 mpint: big-endian, a leading zero byte when the high bit is set. */
const sshMpint = (b64url: string) => {
  let b = Buffer.from(b64url, "base64url");
  while (b.length > 0 && b[0] === 0) b = b.subarray(1);
  return sshString(b.length > 0 && b[0]! & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b);
};
const ecPoint = (jwk: { x?: string; y?: string }) => Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);

/** The SSH wire-format public key (golang.org/x/crypto/ssh Marshal), or undefined where SSH has no format (P-224). */
function sshPublicBlob(pub: KeyObject): { type: string; blob: Buffer } | undefined {
  const jwk = pub.export({ format: "jwk" });
  if (pub.asymmetricKeyType === "ed25519") return { type: "ssh-ed25519", blob: Buffer.concat([sshString("ssh-ed25519"), sshString(Buffer.from(jwk.x!, "base64url"))]) };
  if (pub.asymmetricKeyType === "rsa") return { type: "ssh-rsa", blob: Buffer.concat([sshString("ssh-rsa"), sshMpint(jwk.e!), sshMpint(jwk.n!)]) };
  const curve = SSH_CURVE[jwk.crv!];
  if (!curve) return undefined;
  const type = `ecdsa-sha2-${curve}`;
  return { type, blob: Buffer.concat([sshString(type), sshString(curve), sshString(ecPoint(jwk))]) };
}

const pemLines = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;

/** ssh.MarshalPrivateKey(key, ""): the unencrypted openssh-key-v1 format (PROTOCOL.key), "" where unsupported. */
export function privateKeyOpenssh(key: KeyObject): string {
  const pub = sshPublicBlob(createPublicKey(key));
  if (!pub) return "";
  const jwk = key.export({ format: "jwk" });
  let body: Buffer;
  if (key.asymmetricKeyType === "ed25519") {
    const raw = Buffer.from(jwk.x!, "base64url");
    body = Buffer.concat([sshString(pub.type), sshString(raw), sshString(Buffer.concat([Buffer.from(jwk.d!, "base64url"), raw]))]);
  } else if (key.asymmetricKeyType === "rsa") {
    body = Buffer.concat([sshString("ssh-rsa"), sshMpint(jwk.n!), sshMpint(jwk.e!), sshMpint(jwk.d!), sshMpint(jwk.qi!), sshMpint(jwk.p!), sshMpint(jwk.q!)]);
  } else {
    body = Buffer.concat([sshString(pub.type), sshString(SSH_CURVE[jwk.crv!]!), sshString(ecPoint(jwk)), sshMpint(jwk.d!)]);
  }
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, body, sshString("")]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const u32 = Buffer.alloc(4);
  u32.writeUInt32BE(1);
  const der = Buffer.concat([Buffer.from("openssh-key-v1\0"), sshString("none"), sshString("none"), sshString(""), u32, sshString(pub.blob), sshString(priv)]);
  return pemLines("OPENSSH PRIVATE KEY", der);
}

/** common_key.go setPublicKeyAttributes: PEM, authorized_keys line, MD5/SHA256 fingerprints and the id. */
export function publicKeyAttributes(key: KeyObject) {
  const pub = createPublicKey(key);
  const der = pub.export({ type: "spki", format: "der" });
  const ssh = sshPublicBlob(pub);
  return {
    publicKeyPem: pub.export({ type: "spki", format: "pem" }) as string,
    publicKeyOpenssh: ssh ? `${ssh.type} ${ssh.blob.toString("base64")}\n` : "",
    publicKeyFingerprintMd5: ssh ? createHash("md5").update(ssh.blob).digest("hex").replace(/(..)(?!$)/g, "$1:") : "",
    publicKeyFingerprintSha256: ssh ? `SHA256:${createHash("sha256").update(ssh.blob).digest("base64").replace(/=+$/, "")}` : "",
    id: hashForState(der),
  };
}

/** common.go hashForState: hex SHA-1 of strings.TrimSpace(value). */
export function hashForState(value: Buffer | string): string {
  let b = Buffer.from(value);
  const space = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (b.length > 0 && space(b[0]!)) b = b.subarray(1);
  while (b.length > 0 && space(b[b.length - 1]!)) b = b.subarray(0, -1);
  return b.length === 0 ? "" : createHash("sha1").update(b).digest("hex");
}
