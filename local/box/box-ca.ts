/**
 * The box's own certificate authority and one server certificate for `localhost` (DNS SAN) and 127.0.0.1 (IP SAN):
 * what the TLS fronts of the box's Turso databases present (turso.ts). Clients trust the CA through
 * NODE_EXTRA_CA_CERTS=<root>/turso/ca.pem, as @libsql/client turns `libsql://localhost:<port>` into https.
 * ECDSA P-256 via WebCrypto + @peculiar/x509 (as local/sqld/tls.ts), valid for a day: a box lives one run.
 */
import { createTestCa } from "../ca";

export interface BoxCertificates {
  caCertPem: string;
  /** Leaf for localhost / 127.0.0.1, then the CA: the chain a TLS server sends. */
  serverCertPem: string;
  serverKeyPem: string;
}

export async function makeBoxCertificates(): Promise<BoxCertificates> {
  const ca = await createTestCa({ commonName: "libsql-stack box CA (test only)", organization: "libsql-stack e2e", validityHours: 24, pathLength: 0 });
  const leaf = await ca.issue({ commonName: "localhost", organization: "libsql-stack e2e", validityHours: 24, usage: "server", dns: ["localhost"], ip: ["127.0.0.1"] });
  return { caCertPem: ca.certPem, serverCertPem: leaf.certPem, serverKeyPem: leaf.keyPem };
}
