/**
 * Test certificates for sqld's replication mTLS with the SAME profile the program makes with @pulumi/tls
 * (REPLICATION_TLS_PROFILE: ECDSA P-256, server SAN DNS:sqld, client-auth client certificate), made here with
 * WebCrypto + @peculiar/x509 because @pulumi/tls only runs inside the Pulumi engine.
 */
import { pemToSecretValue, REPLICATION_TLS_PROFILE as P } from "../../infra/auth/replication-tls";
import { REPLICATION_TLS_FILES } from "../../infra/sqld/files";
import { createTestCa } from "../ca";

export interface TestReplicationTls {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** A CA with a server (SAN `serverName`, default the profile's `sqld`) and a client certificate. */
export async function makeTestReplicationTls(options: { serverName?: string } = {}): Promise<TestReplicationTls> {
  const ca = await createTestCa({ commonName: P.caCommonName, organization: P.organization, validityHours: P.caValidityHours, digitalSignature: true });
  const leaf = { organization: P.organization, validityHours: P.leafValidityHours };
  const serverName = options.serverName ?? P.serverName;
  const server = await ca.issue({ ...leaf, commonName: serverName, usage: "server", dns: [serverName] });
  const client = await ca.issue({ ...leaf, commonName: P.clientCommonName, usage: "client" });
  return { caCertPem: ca.certPem, serverCertPem: server.certPem, serverKeyPem: server.keyPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem };
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
