import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Realistic provider outputs for offline plans. Keys and passwords are real random material (as Pulumi would
 * create and keep in state); everything else is derived from the resource name so two plans of one config agree.
 */
type MockArgs = pulumi.runtime.MockResourceArgs;

const digest = (s: string, len: number) => createHash("sha256").update(s).digest("hex").slice(0, len);
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomPassword(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join("");
}

function ed25519State(): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const spki = publicKey.export({ type: "spki", format: "pem" }).toString();
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const sshBlob = Buffer.concat([u32str("ssh-ed25519"), u32buf(raw)]);
  return {
    algorithm: "ED25519",
    privateKeyPem: pkcs8,
    privateKeyPemPkcs8: pkcs8,
    privateKeyOpenssh: "",
    publicKeyPem: spki,
    publicKeyOpenssh: `ssh-ed25519 ${sshBlob.toString("base64")}\n`,
    publicKeyFingerprintSha256: `SHA256:${createHash("sha256").update(sshBlob).digest("base64").replace(/=+$/, "")}`,
  };
}
/** An ECDSA P-256 key as @pulumi/tls reports it (privateKeyPem is SEC1 for ECDSA, plus PKCS#8). */
function ecdsaState(): Record<string, string> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    algorithm: "ECDSA",
    ecdsaCurve: "P256",
    privateKeyPem: privateKey.export({ type: "sec1", format: "pem" }).toString(),
    privateKeyPemPkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKeyOpenssh: "",
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** PEM-shaped stand-in for a certificate or CSR (offline plans never parse it; real ones come from the provider). */
const mockPem = (label: string, name: string) => `-----BEGIN ${label}-----\n${Buffer.from(`mock ${label.toLowerCase()} ${name}`).toString("base64")}\n-----END ${label}-----\n`;

const u32buf = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
const u32str = (s: string) => u32buf(Buffer.from(s));

/** What each kind of Command prints on success, shaped like the fake CLIs/APIs (and the real ones) print it. */
function commandStdout(name: string, inputs: Record<string, unknown>): string {
  const script = typeof inputs.create === "string" ? inputs.create : "";
  const region = /-volume-([a-z]{3})$/.exec(name)?.[1];
  if (region) return JSON.stringify({ region, volumeIds: [`vol_${digest(name, 16)}`] });
  const app = /(?:^|\s)-a '?([a-z0-9-]+)'?/.exec(script)?.[1] ?? "app";
  if (/-workers-dev-subdomain$/.test(name)) return JSON.stringify({ subdomain: `acct-${digest(script, 8)}` });
  if (/-ips$/.test(name)) return JSON.stringify({ hostname: `${app}.fly.dev` });
  const host = /-cert$/.test(name) ? /(?:^|\n)hostname=\\?\*\.([a-z0-9.-]+)/.exec(script)?.[1] : undefined;
  if (host) {
    // infra/fly/scripts/cert-filter.ts `report`, with a target shaped like Fly's (and the fake flyctl's).
    return JSON.stringify({ hostname: `*.${host}`, status: "pending_validation", acmeChallengeName: `_acme-challenge.${host}`, acmeChallengeTarget: `${host}.${digest(host, 4)}.flydns.net` });
  }
  // TursoDatabases: `<name>-database`, `<name>-token`, `<name>-read-token`, suffixed `-<tenant>` for every tenant but
  // `default`; told apart by what the script does, since a tenant may be called `token` or `database`.
  if (/-token(-[a-z0-9-]+)?$/.test(name) && script.includes("auth/tokens")) return JSON.stringify({ jwt: `eyJhbGciOiJFZERTQSJ9.${randomBytes(24).toString("base64url")}.${randomBytes(64).toString("base64url")}` });
  if (/-database(-[a-z0-9-]+)?$/.test(name) && script.includes("/databases")) {
    const db = /databases\/?'?([a-z0-9-]+)/.exec(script)?.[1] ?? name;
    return JSON.stringify({ hostname: `${db}-org.turso.io`, dbId: digest(name, 32), url: `libsql://${db}-org.turso.io` });
  }
  return "";
}

export function mockResourceState(args: MockArgs): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  const id = `${args.name}-${digest(`${args.type}/${args.name}`, 8)}`;
  switch (args.type) {
    case "tls:index/privateKey:PrivateKey":
      return { id, state: { ...inputs, ...(inputs.algorithm === "ECDSA" ? ecdsaState() : ed25519State()) } };
    case "tls:index/certRequest:CertRequest":
      return { id, state: { ...inputs, certRequestPem: mockPem("CERTIFICATE REQUEST", args.name) } };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { id, state: { ...inputs, certPem: mockPem("CERTIFICATE", args.name) } };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return { id, state: { ...inputs, result: randomPassword(Number(inputs.length ?? 32)) } };
    case "command:local:Command":
      return { id, state: { ...inputs, stdout: commandStdout(args.name, inputs), stderr: "" } };
    default:
      return { id, state: inputs };
  }
}
