import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../local/plan";
import { runProcess } from "../../local/run-process";
import { generateTestKeys, startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { freePort } from "../../local/sqld/process";
import { createNamespaces, scopedToken } from "../../local/sqld/tenant-client";

/**
 * scripts/verify-database.ts, the post-deploy check the `database-verify` Command runs, exactly as that Command
 * runs it (`node --import tsx scripts/verify-database.ts`, configured through the environment), against real sqld
 * started from the dev stack's fly.toml. Its exit status is what fails or passes `pulumi up`.
 */
let cluster: LocalSqldCluster;
let url: string;

function verify(env: Record<string, string>) {
  return runProcess(process.execPath, ["--import", "tsx", "scripts/verify-database.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, VERIFY_DEADLINE_MS: "1500", ...env },
  });
}

/** sqld's per-namespace statement counter (admin API), to see which namespace a check reached. */
async function queryCount(namespace: string): Promise<number> {
  const reply = await cluster.admin(cluster.primary, "GET", `/v1/namespaces/${namespace}/stats`);
  expect(reply.status, reply.text).toBe(200);
  return (JSON.parse(reply.text) as { query_count: number }).query_count;
}

beforeAll(async () => {
  cluster = await startStackSqld("dev");
  url = cluster.primary.httpUrl;
  // "127" is the namespace sqld derives from Host 127.0.0.1: it stands for a Turso database picked by its host.
  await createNamespaces(cluster, ["acme", "127"]);
});
afterAll(() => cluster?.close());

describe("post-deploy check (scripts/verify-database.ts) against real sqld", () => {
  it("self-hosted: queries the tenant's namespace (x-namespace-bin, not the Host) and prints one JSON line", async () => {
    const [acmeBefore, hostBefore] = [await queryCount("acme"), await queryCount("127")];
    const result = await verify({ DATABASE_URL: url, NAMESPACE: "acme", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, url, namespace: "acme", attempts: 1 });
    expect(await queryCount("acme")).toBeGreaterThan(acmeBefore);
    expect(await queryCount("127")).toBe(hostBefore);
  });

  it("self-hosted with no tenants (tenants: []): checks the `default` namespace by header, not the Host's (issue 21 item 7)", async () => {
    // The Host here is 127.0.0.1, so without the header sqld would pick namespace "127", as it picks `<app>` from
    // `<app>.fly.dev`: a token minted for `default` is refused there (404) and `pulumi up` failed after 60 s.
    const [defaultBefore, hostBefore] = [await queryCount("default"), await queryCount("127")];
    const result = await verify({ DATABASE_URL: url, NAMESPACE: "", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, namespace: "default", attempts: 1 });
    expect(await queryCount("default")).toBeGreaterThan(defaultBefore);
    expect(await queryCount("127")).toBe(hostBefore);
  });

  it("managed: uses DATABASE_AUTH_TOKEN as given and sends no namespace (the host picks the database)", async () => {
    const hostBefore = await queryCount("127");
    const token = await scopedToken(cluster.keys.privateKeyPem, "127", "ro");
    const result = await verify({ DATABASE_URL: url, NAMESPACE: "", DATABASE_AUTH_TOKEN: token });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, namespace: "default" });
    expect(await queryCount("127")).toBeGreaterThan(hostBefore);
  });

  it("fails the update when sqld refuses the token (a key that does not match), without printing the key", async () => {
    const other = generateTestKeys();
    const result = await verify({ DATABASE_URL: url, NAMESPACE: "acme", JWT_PRIVATE_KEY: other.privateKeyPem });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^verify-database: database at http:\/\/127\.0\.0\.1:\d+ \(namespace acme\) did not answer: .*401/);
    expect(result.stderr).not.toMatch(/PRIVATE KEY/);
  });

  it("fails the update when the tenant's namespace does not exist (sqld: 404)", async () => {
    const result = await verify({ DATABASE_URL: url, NAMESPACE: "ghost", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\(namespace ghost\) did not answer: .*404/);
  });

  it("fails the update when nothing listens at the URL, and when DATABASE_URL is missing", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await verify({ DATABASE_URL: closed, NAMESPACE: "acme", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, VERIFY_DEADLINE_MS: "300" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/did not answer/);
    const missing = await verify({ NAMESPACE: "acme" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("verify-database: DATABASE_URL is not set\n");
  });
});
