/**
 * Replication mTLS on real sqld, from the prod stack's fly.toml: the primary's gRPC listener requires a client
 * certificate from the stack's CA, replicas dial it over TLS and check its certificate, and the PEMs reach both
 * through fly.toml `[[files]]` written from the (base64) Fly secrets. Test certificates share the program's profile.
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLICATION_TLS_PROFILE as P } from "../../infra/auth/replication-tls";
import { REPLICATION_TLS_FILES as F } from "../../infra/sqld/files";
import { planStack } from "../../local/plan";
import { startStackSqld, type SqldMachine } from "../../local/sqld/cluster";
import { processCommand, readFlyToml } from "../../local/sqld/machine";
import { makeTestReplicationTls, replicationTlsSecrets, type TestReplicationTls } from "../../local/sqld/tls";
import { tenantClientOn } from "../../local/sqld/tenant-client";

let cluster: Awaited<ReturnType<typeof startStackSqld>>;
let otherCa: TestReplicationTls;
beforeAll(async () => {
  cluster = await startStackSqld("prod");
  otherCa = await makeTestReplicationTls();
  expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/acme/create", {})).status).toBe(200);
});
afterAll(() => cluster?.close());

async function clientFor(m: SqldMachine, timeoutMs?: number) {
  return tenantClientOn(cluster, m, "acme", { timeoutMs });
}

/** One gRPC-shaped HTTP/2 request to the primary's replication port; resolves with the status or the TLS error. */
function grpcCall(options: http2.SecureClientSessionOptions): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://${cluster.primary.grpcAddress}`, { ca: cluster.tls.caCertPem, servername: "sqld", ...options });
    const done = (result: { status?: number; error?: string }) => (session.destroy(), resolve(result));
    session.on("error", (e) => done({ error: e.message }));
    const req = session.request({ ":method": "POST", ":path": "/wal_log.ReplicationLog/Hello", "content-type": "application/grpc", te: "trailers" });
    req.on("response", (headers) => done({ status: Number(headers[":status"]) }));
    req.on("error", (e) => done({ error: e.message }));
    req.end();
  });
}

describe("replication mTLS (real sqld)", () => {
  it("renders TLS flags whose files all come from [[files]] secrets of the right process group", () => {
    const toml = readFlyToml(cluster.flyToml);
    const primary = processCommand(toml, "primary");
    const replica = processCommand(toml, "replica");
    expect(primary).toEqual(expect.arrayContaining(["--grpc-tls", "--grpc-cert-file", "--grpc-key-file", "--grpc-ca-cert-file"]));
    expect(replica).toEqual(expect.arrayContaining(["--primary-grpc-tls", "--primary-grpc-cert-file", "--primary-grpc-key-file", "--primary-grpc-ca-cert-file"]));
    expect(replica[replica.indexOf("--primary-grpc-url") + 1]).toMatch(/^https:\/\/primary\.process\./);
    for (const [group, words] of [["primary", primary], ["replica", replica]] as const) {
      const paths = words.filter((_, i) => /-file$/.test(words[i - 1] ?? ""));
      const delivered = (toml as unknown as { files: { guest_path: string; processes: string[] }[] }).files.filter((f) => f.processes.includes(group)).map((f) => f.guest_path);
      expect(paths.sort()).toEqual(delivered.sort());
    }
    // Fly writes the secret base64-decoded: the machine's file is the PEM itself.
    const ca = cluster.primary.spec.args[cluster.primary.spec.args.indexOf("--grpc-ca-cert-file") + 1]!;
    expect(readFileSync(ca, "utf8")).toBe(cluster.tls.caCertPem);
    expect(cluster.secrets[F.serverKey.secret]).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it("a replica with the stack's client certificate replicates", async () => {
    const primary = await clientFor(cluster.primary);
    await primary.batch(["create table if not exists t (x)", "insert into t values (42)"], "write");
    const replica = await clientFor(cluster.replicas[0]!);
    let rows: unknown[] = [];
    while (rows.length === 0) rows = (await replica.execute("select x from t").catch(() => ({ rows: [] }))).rows;
    expect(rows.map((r) => (r as { x: number }).x)).toEqual([42]);
    primary.close();
    replica.close();
  });

  it("the primary refuses a client without a certificate, or with one from another CA; accepts the stack's", async () => {
    expect((await grpcCall({})).error).toMatch(/certificate required/);
    expect((await grpcCall({ cert: otherCa.clientCertPem, key: otherCa.clientKeyPem })).error).toMatch(/alert/);
    expect(await grpcCall({ cert: cluster.tls.clientCertPem, key: cluster.tls.clientKeyPem })).toEqual({ status: 200 });
  });

  it("the primary answers plaintext gRPC with no HTTP/2 at all (a TLS alert or a closed socket)", async () => {
    const [host, port] = cluster.primary.grpcAddress!.split(":") as [string, string];
    const bytes = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(Number(port), host, () => socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"));
      socket.on("data", (d) => chunks.push(d));
      socket.on("close", () => resolve(Buffer.concat(chunks)));
      socket.on("error", () => undefined);
    });
    // An HTTP/2 server would answer with a SETTINGS frame (type 0x04 at byte 3); TLS answers with an alert record (0x15).
    expect(bytes.length === 0 || bytes[0] === 0x15).toBe(true);
  });

  it("a replica whose client certificate comes from another CA gets nothing from the primary", async () => {
    const rogue = replicationTlsSecrets({ ...cluster.tls, clientCertPem: otherCa.clientCertPem, clientKeyPem: otherCa.clientKeyPem });
    const replica = await cluster.addMachine("replica", "syd", { [F.clientCert.secret]: rogue[F.clientCert.secret]!, [F.clientKey.secret]: rogue[F.clientKey.secret]! });
    const client = await clientFor(replica, 3000);
    await expect(client.execute("select 1")).rejects.toThrow(/timeout|abort/i);
    expect(replica.process.logTail(50)).toMatch(/error connecting to primary.*transport error/);
    client.close();
  });
});

describe("one certificate profile for the program (@pulumi/tls) and the tests", () => {
  it("the program asks @pulumi/tls for ECDSA P-256 keys, a CA, a server cert for `sqld` and a client-auth cert", async () => {
    const plan = await planStack("prod");
    const tls = (type: string) => plan.resources.filter((r) => r.type === `tls:index/${type}`);
    for (const key of tls("privateKey:PrivateKey").filter((r) => r.name.includes("replication-tls"))) {
      expect(key.inputs).toMatchObject({ algorithm: P.keyAlgorithm, ecdsaCurve: P.ecdsaCurve });
    }
    expect(tls("selfSignedCert:SelfSignedCert")[0]!.inputs).toMatchObject({ isCaCertificate: true, allowedUses: [...P.caUses] });
    const csr = (n: string) => tls("certRequest:CertRequest").find((r) => r.name.endsWith(`-${n}-csr`))!.inputs;
    expect(csr("server").dnsNames).toEqual([P.serverName]);
    const cert = (n: string) => tls("locallySignedCert:LocallySignedCert").find((r) => r.name.endsWith(`-${n}-cert`))!.inputs;
    expect(cert("server").allowedUses).toEqual([...P.serverUses]);
    expect(cert("client").allowedUses).toEqual([...P.clientUses]);
  });

  it("the test helper makes certificates of that profile", () => {
    const server = new X509Certificate(cluster.tls.serverCertPem);
    const client = new X509Certificate(cluster.tls.clientCertPem);
    const ca = new X509Certificate(cluster.tls.caCertPem);
    expect(server.subjectAltName).toBe(`DNS:${P.serverName}`);
    expect(server.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(server.checkIssued(ca) && client.checkIssued(ca)).toBe(true);
    expect(server.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
    expect(client.keyUsage).toContain("1.3.6.1.5.5.7.3.2");
    expect(ca.ca).toBe(true);
  });
});
