/**
 * The tls TEST DOUBLE (local/doubles/providers/tls): real keys and certificates, the chain the program builds
 * (infra/auth/replication-tls.ts) verified with node's X509, used by real sqld for replication mTLS, plus
 * upstream's validation, replace rules and secret outputs.
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLICATION_TLS_PROFILE as P } from "../../infra/auth/replication-tls";
import { TLS_TYPES, tlsProvider as p } from "../../local/doubles/providers/tls/provider";
import { isSecret, reveal, UNKNOWN, type Props } from "../../local/doubles/providers/wire";
import { startStackSqld } from "../../local/sqld/cluster";
import { tenantClientOn } from "../../local/sqld/tenant-client";

const urnOf = (type: string, name: string) => `urn:pulumi:t::proj::libsql-stack:auth:ReplicationTls$${type}::${name}`;
async function make(type: string, inputs: Props): Promise<Props> {
  const urn = urnOf(type, "x");
  const checked = await p.check!(urn, {}, inputs);
  expect(checked.failures).toEqual([]);
  return (await p.create!(urn, checked.inputs)).outs as Props;
}
const plain = (o: Props, k: string) => String(reveal(o[k]));

/** The program's ReplicationTls component, resource by resource, through the double. */
async function replicationChain() {
  const key = () => make(TLS_TYPES.privateKey, { algorithm: P.keyAlgorithm, ecdsaCurve: P.ecdsaCurve });
  const caKey = await key();
  const ca = await make(TLS_TYPES.selfSignedCert, {
    privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, subject: { commonName: P.caCommonName, organization: P.organization },
    validityPeriodHours: P.caValidityHours, earlyRenewalHours: P.earlyRenewalHours, allowedUses: [...P.caUses],
  });
  const leaf = async (commonName: string, dnsNames: string[], uses: readonly string[]) => {
    const leafKey = await key();
    const csr = await make(TLS_TYPES.certRequest, { privateKeyPem: leafKey.privateKeyPem, subject: { commonName, organization: P.organization }, dnsNames });
    const cert = await make(TLS_TYPES.locallySignedCert, {
      certRequestPem: csr.certRequestPem, caPrivateKeyPem: caKey.privateKeyPem, caCertPem: ca.certPem,
      validityPeriodHours: P.leafValidityHours, earlyRenewalHours: P.earlyRenewalHours, allowedUses: [...uses],
    });
    return { key: leafKey, csr, cert };
  };
  return { caKey, ca, server: await leaf(P.serverName, [P.serverName], P.serverUses), client: await leaf(P.clientCommonName, [], P.clientUses) };
}

let chain: Awaited<ReturnType<typeof replicationChain>>;
let material: { caCertPem: string; serverCertPem: string; serverKeyPem: string; clientCertPem: string; clientKeyPem: string };
beforeAll(async () => {
  chain = await replicationChain();
  material = {
    caCertPem: plain(chain.ca, "certPem"),
    serverCertPem: plain(chain.server.cert, "certPem"),
    serverKeyPem: plain(chain.server.key, "privateKeyPemPkcs8"),
    clientCertPem: plain(chain.client.cert, "certPem"),
    clientKeyPem: plain(chain.client.key, "privateKeyPemPkcs8"),
  };
});

describe("tls double: key material", () => {
  it("ECDSA P-256 and ED25519 keys in every encoding, private ones secret", async () => {
    const ec = chain.caKey;
    expect(plain(ec, "privateKeyPem")).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(createPrivateKey(plain(ec, "privateKeyPemPkcs8")).asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(createPublicKey(plain(ec, "privateKeyPem")).export({ type: "spki", format: "pem" })).toBe(plain(ec, "publicKeyPem"));
    for (const k of ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"]) expect(isSecret(ec[k])).toBe(true);
    expect(isSecret(ec.publicKeyPem)).toBe(false);
    const ed = await make(TLS_TYPES.privateKey, { algorithm: "ED25519" });
    expect(plain(ed, "privateKeyPem")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(plain(ed, "privateKeyPemPkcs8")).asymmetricKeyType).toBe("ed25519");
    expect(plain(ed, "publicKeyOpenssh")).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=*\n$/);
    expect(plain(ed, "publicKeyFingerprintSha256")).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("OpenSSH private keys that ssh-keygen reads back to the same public key and fingerprint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tls-double-"));
    for (const inputs of [{ algorithm: "ED25519" }, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { algorithm: "RSA", rsaBits: 2048 }]) {
      const k = await make(TLS_TYPES.privateKey, inputs);
      const file = join(dir, `${inputs.algorithm}.key`);
      writeFileSync(file, plain(k, "privateKeyOpenssh"), { mode: 0o600 });
      expect(execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim()).toBe(plain(k, "publicKeyOpenssh").trim());
      expect(execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", file], { encoding: "utf8" })).toContain(`MD5:${plain(k, "publicKeyFingerprintMd5")}`);
      expect(execFileSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" })).toContain(plain(k, "publicKeyFingerprintSha256"));
    }
  });
});

describe("tls double: the program's replication certificates", () => {
  it("a CA and two leaves it signed, with the profile's SAN, usages and CA flag", () => {
    const ca = new X509Certificate(material.caCertPem);
    const server = new X509Certificate(material.serverCertPem);
    const client = new X509Certificate(material.clientCertPem);
    expect(ca.ca).toBe(true);
    expect(server.ca || client.ca).toBe(false);
    expect(ca.verify(ca.publicKey) && server.verify(ca.publicKey) && client.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca) && client.checkIssued(ca)).toBe(true);
    expect(server.subjectAltName).toBe(`DNS:${P.serverName}`);
    expect(client.subjectAltName).toBeUndefined();
    expect(server.subject).toBe(`O=${P.organization}\nCN=${P.serverName}`);
    expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(server.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(server.checkPrivateKey(createPrivateKey(material.serverKeyPem))).toBe(true);
    const hours = (c: X509Certificate) => (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 3600_000;
    expect([hours(ca), hours(server)]).toEqual([P.caValidityHours, P.leafValidityHours]);
    expect(chain.server.cert.validityEndTime).toBe(new Date(Date.parse(String(chain.server.cert.validityStartTime)) + P.leafValidityHours * 3600_000).toISOString());
    // Secrets stay secrets: the CA key passed in stays secret in the certificate's state.
    expect(isSecret(chain.server.cert.caPrivateKeyPem)).toBe(true);
  });

  it("openssl sees key usages and basic constraints as Go's x509 writes them", () => {
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: material.caCertPem, encoding: "utf8" });
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    const leaf = execFileSync("openssl", ["x509", "-noout", "-text"], { input: material.serverCertPem, encoding: "utf8" });
    expect(leaf).toMatch(/X509v3 Authority Key Identifier/);
    expect(leaf).toMatch(/Digital Signature, Key Encipherment/);
    const dir = mkdtempSync(join(tmpdir(), "tls-double-chain-"));
    writeFileSync(join(dir, "ca.pem"), material.caCertPem);
    writeFileSync(join(dir, "server.pem"), material.serverCertPem);
    writeFileSync(join(dir, "client.pem"), material.clientCertPem);
    const verify = (cert: string, purpose: string) => execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.pem"), "-purpose", purpose, join(dir, cert)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(verify("server.pem", "sslserver")).toMatch(/: OK/);
    expect(verify("client.pem", "sslclient")).toMatch(/: OK/);
    expect(() => verify("client.pem", "sslserver")).toThrow();
  });

  it("rejects a CA key that did not make the CA certificate (Go x509.CreateCertificate)", async () => {
    const other = await make(TLS_TYPES.privateKey, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const urn = urnOf(TLS_TYPES.locallySignedCert, "bad");
    await expect(p.create!(urn, { certRequestPem: chain.server.csr.certRequestPem, caPrivateKeyPem: other.privateKeyPem, caCertPem: chain.ca.certPem, validityPeriodHours: 1, allowedUses: [] }))
      .rejects.toThrow("x509: provided PrivateKey doesn't match parent's PublicKey");
  });
});

describe("tls double: validation and replace rules", () => {
  it("rejects unknown algorithms, curves and usages with the validators' messages", async () => {
    const reasons = async (type: string, inputs: Props) => ((await p.check!(urnOf(type, "v"), {}, inputs)).failures ?? []).map((f) => f.reason);
    expect(await reasons(TLS_TYPES.privateKey, { algorithm: "DSA" })).toEqual(['Attribute algorithm value must be one of: ["RSA" "ECDSA" "ED25519"], got: "DSA"']);
    expect(await reasons(TLS_TYPES.privateKey, { algorithm: "ECDSA", ecdsaCurve: "P257" })).toHaveLength(1);
    expect((await reasons(TLS_TYPES.selfSignedCert, { privateKeyPem: "x", validityPeriodHours: -1, allowedUses: ["server_auth", "serverAuth"] })).join("\n"))
      .toMatch(/validity_period_hours value must be at least 0, got: -1[\s\S]*allowed_uses\[Value\("serverAuth"\)\] value must be one of/);
    expect(await reasons(TLS_TYPES.privateKey, {})).toEqual(['Missing required argument: The argument "algorithm" is required, but no definition was found.']);
    expect((await p.check!(urnOf(TLS_TYPES.privateKey, "d"), {}, { algorithm: "ECDSA" })).inputs).toMatchObject({ ecdsaCurve: "P224", rsaBits: 2048 });
  });

  it("every key and certificate input replaces, early_renewal_hours updates in place, the renewal window replaces", async () => {
    const keyUrn = urnOf(TLS_TYPES.privateKey, "k");
    expect(await p.diff!("id", keyUrn, chain.caKey, { algorithm: "ECDSA", ecdsaCurve: "P384", rsaBits: 2048 })).toMatchObject({ replaces: ["ecdsaCurve"] });
    expect(await p.diff!("id", keyUrn, chain.caKey, { algorithm: "ECDSA", ecdsaCurve: "P256", rsaBits: 2048 })).toMatchObject({ changes: false, replaces: [] });
    const certUrn = urnOf(TLS_TYPES.locallySignedCert, "c");
    const olds = chain.server.cert;
    const news = Object.fromEntries(["certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses", "isCaCertificate", "earlyRenewalHours", "setSubjectKeyId"].map((k) => [k, olds[k]]));
    expect(await p.diff!("id", certUrn, olds, news)).toMatchObject({ changes: false, replaces: [] });
    expect(await p.diff!("id", certUrn, olds, { ...news, earlyRenewalHours: 48 })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("id", certUrn, olds, { ...news, certRequestPem: UNKNOWN })).toMatchObject({ replaces: ["certRequestPem"] });
    expect(await p.diff!("id", certUrn, olds, { ...news, earlyRenewalHours: P.leafValidityHours + 1 })).toMatchObject({ replaces: ["readyForRenewal"] });
  });
});

describe("tls double certificates on real sqld (replication mTLS)", () => {
  let cluster: Awaited<ReturnType<typeof startStackSqld>> | undefined;
  afterAll(() => cluster?.close());

  it("a replica with the double's client certificate replicates from a primary with the double's server certificate", async () => {
    cluster = await startStackSqld("prod", {}, { tls: material });
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/acme/create", {})).status).toBe(200);
    const primary = await tenantClientOn(cluster, cluster.primary, "acme");
    await primary.batch(["create table t (x)", "insert into t values (7)"], "write");
    const replica = await tenantClientOn(cluster, cluster.replicas[0]!, "acme");
    let rows: unknown[] = [];
    while (rows.length === 0) rows = (await replica.execute("select x from t").catch(() => ({ rows: [] }))).rows;
    expect(rows.map((r) => (r as { x: number }).x)).toEqual([7]);
    primary.close();
    replica.close();
  });
});
