/**
 * Post-deploy check, run by a `local.Command` after every rollout: one real query through @libsql/client
 * against the public database URL. Exits non-zero (failing `pulumi up`) if the database does not answer.
 *
 * Environment:
 *   DATABASE_URL          https://<app>.fly.dev or libsql://<turso host>
 *   NAMESPACE             sqld namespace to query (self-hosted); empty → the `default` namespace (a stack without
 *                         tenants), still named in x-namespace-bin: without the header sqld takes the namespace from
 *                         the Host (`<app>.fly.dev` → `<app>`), which does not exist. Managed: empty, no header.
 *   JWT_PRIVATE_KEY       self-hosted: PKCS#8 PEM; a fresh 120 s read-only token is minted for this check
 *   DATABASE_AUTH_TOKEN   managed: the database token (used when JWT_PRIVATE_KEY is absent)
 *   VERIFY_DEADLINE_MS    keep retrying until then (machines may still be starting) @default 60000
 */
import { createClient } from "@libsql/client";
import { fetchWithNamespace } from "../worker/db";
import { clip } from "./lib/migrate-output";
import { mintScopedToken } from "../worker/jwt";

async function tokenFor(namespace: string): Promise<string | undefined> {
  const pem = process.env.JWT_PRIVATE_KEY;
  if (!pem) return process.env.DATABASE_AUTH_TOKEN || undefined;
  const minted = await mintScopedToken(pem, { tenant: namespace, access: "ro", ttlSeconds: 120, nowSeconds: Date.now() / 1000 });
  return minted.token;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const namespace = process.env.NAMESPACE || "default";
  const selfHosted = Boolean(process.env.JWT_PRIVATE_KEY);
  const deadline = Date.now() + Number(process.env.VERIFY_DEADLINE_MS ?? 60_000);
  const authToken = await tokenFor(namespace);
  const client = createClient({
    url,
    authToken,
    // Self-hosted: always name the namespace the token was minted for. Managed (Turso): the host picks the database.
    fetch: fetchWithNamespace(selfHosted || process.env.NAMESPACE ? namespace : undefined),
  });
  let lastError: unknown;
  for (let attempt = 1; Date.now() < deadline || attempt === 1; attempt++) {
    const started = performance.now();
    try {
      const rs = await client.execute("select 1 as ok");
      if (Number(rs.rows[0]?.ok) !== 1) throw new Error(`unexpected answer ${JSON.stringify(rs.rows)}`);
      process.stdout.write(`${JSON.stringify({ ok: true, url, namespace, attempts: attempt, latencyMs: Math.round(performance.now() - started) })}\n`);
      client.close();
      return;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
  client.close();
  // Cut: the Command logs stderr, and pulumi-command v1.2.1 hangs on a logged line of 64 KiB or more (a proxy's
  // HTML error page could make one); see scripts/lib/migrate-output.ts.
  throw new Error(`database at ${url} (namespace ${namespace}) did not answer: ${clip(String((lastError as Error)?.message ?? lastError))}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`verify-database: ${(e as Error).message}\n`);
  process.exit(1);
});
