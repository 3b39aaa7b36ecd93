import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintScopedToken } from "../../worker/jwt";
import { startSqldDouble, type SqldDouble } from "../doubles/sqld-double";
import { ROOT } from "../support/plan";
import { runProcess } from "../support/run-process";
import { generateEd25519Keys } from "../worker/helpers/gateway-harness";

/**
 * scripts/verify-database.ts, the post-deploy check the `database-verify` Command runs, exactly as that Command
 * runs it (`node --import tsx scripts/verify-database.ts`, configured through the environment), against the sqld
 * test double. Its exit status is what fails or passes `pulumi up`.
 */
const keys = generateEd25519Keys();
let sqld: SqldDouble;

function verify(env: Record<string, string>) {
  return runProcess(process.execPath, ["--import", "tsx", "scripts/verify-database.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, VERIFY_DEADLINE_MS: "1500", ...env },
  });
}

beforeAll(async () => {
  sqld = await startSqldDouble({ jwtKey: keys.publicKeyPem, namespaces: ["acme"] });
});

afterAll(async () => {
  await sqld?.close();
});

describe("post-deploy check (scripts/verify-database.ts) against the sqld double", () => {
  it("self-hosted: mints a 120 s read-only token for the namespace, queries it, prints one JSON line", async () => {
    const result = await verify({ DATABASE_URL: sqld.url, NAMESPACE: "acme", JWT_PRIVATE_KEY: keys.privateKeyPem });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, url: sqld.url, namespace: "acme", attempts: 1 });
    const claims = sqld.stats.lastClaims as { p: unknown; iat: number; exp: number };
    expect(claims.p).toEqual({ ro: { ns: ["acme"] } });
    expect(claims.exp - claims.iat).toBe(120);
  });

  it("managed: uses DATABASE_AUTH_TOKEN as given and sends no namespace", async () => {
    const { token } = await mintScopedToken(keys.privateKeyPem, { tenant: "default", access: "ro", ttlSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) });
    const result = await verify({ DATABASE_URL: sqld.url, NAMESPACE: "", DATABASE_AUTH_TOKEN: token });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, namespace: "default" });
  });

  it("fails the update when sqld refuses the token (a key that does not match), without printing the key", async () => {
    const other = generateEd25519Keys();
    const started = Date.now();
    const result = await verify({ DATABASE_URL: sqld.url, NAMESPACE: "acme", JWT_PRIVATE_KEY: other.privateKeyPem });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^verify-database: database at http:\/\/127\.0\.0\.1:\d+ \(namespace acme\) did not answer: /);
    expect(result.stderr).not.toMatch(/PRIVATE KEY/);
    // It kept retrying until the deadline (machines may still be starting) and then gave up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it("fails the update when nothing listens at the URL, and when DATABASE_URL is missing", async () => {
    const unreachable = await verify({ DATABASE_URL: "http://127.0.0.1:9", NAMESPACE: "acme", JWT_PRIVATE_KEY: keys.privateKeyPem, VERIFY_DEADLINE_MS: "300" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/did not answer/);
    const missing = await verify({ NAMESPACE: "acme" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("verify-database: DATABASE_URL is not set\n");
  });
});
