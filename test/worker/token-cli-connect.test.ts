/**
 * `npm run token` says where its token works, read from the stack's outputs through the real Pulumi CLI (a file
 * backend holding a stack whose outputs are imported: `pulumi stack output` is what the CLI runs): `--json` prints the
 * gateway token route's shape, and the token + url work as given on real sqld with a real client.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRemoteClient } from "../../local/clients/remote-client";
import { importedStacks, type ImportedStacks } from "../../local/imported-stack";
import { startTenantSqld, type TenantSqld } from "../../local/sqld/tenant-stack";
import { engineBin, REPO_ROOT } from "../../local/workspace";

let sqld: TenantSqld;
let stacks: ImportedStacks;
let dir: string;
let env: NodeJS.ProcessEnv;
const port = () => sqld.port;

/** `npm run token -- …` as the user runs it (node --import tsx), in the project folder holding the stacks. */
function runTokenCli(args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts/token.ts"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 240_000 });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr };
}

beforeAll(async () => {
  sqld = await startTenantSqld(["acme", "globex"]);
  stacks = importedStacks("token-cli-connect");
  ({ dir, env } = stacks);
  const common = { mode: "self-hosted", jwtPrivateKeyPem: sqld.cluster.keys.privateKeyPem, tenantKeys: "per-tenant", tenantKeyVersions: {}, databaseUrl: sqld.cluster.primary.httpUrl };
  stacks.importStack("zoned", { ...common, tenantUrlTemplate: `http://{tenant}.db.test:${port()}` });
  stacks.importStack("plain", common);
}, 120_000);
afterAll(async () => {
  stacks?.cleanup();
  await sqld?.close();
});

describe.skipIf(!engineBin())("npm run token: where the token works", () => {
  it("--json with sqld.tenantDomain: {token, expiresAt, url} whose url + token a stock remote client uses as given", async () => {
    const run = runTokenCli(["--stack", "zoned", "--tenant", "acme", "--access", "rw", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const reply = JSON.parse(run.stdout) as { token: string; expiresAt: string; url: string };
    expect(Object.keys(reply).sort()).toEqual(["expiresAt", "token", "url"]);
    expect(reply.url).toBe(`http://acme.db.test:${port()}`);
    const client = openRemoteClient({ url: reply.url, token: reply.token });
    try {
      expect(await client.execute("CREATE TABLE notes(body TEXT)")).toMatchObject({ ok: true });
      expect(await client.execute("INSERT INTO notes VALUES ('cli')")).toMatchObject({ ok: true });
      expect(await client.execute("SELECT body FROM notes")).toEqual({ ok: true, rows: [["cli"]] });
    } finally {
      await client.close();
    }
  });

  it("plain output: the token alone on stdout, the URL on stderr", () => {
    const run = runTokenCli(["--stack", "zoned", "--tenant", "globex", "--access", "ro"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(run.stderr).toContain(`url: http://globex.db.test:${port()}\n`);
  });

  it("without a tenant domain: sqld's URL plus the x-namespace-bin header, which work as given", async () => {
    const run = runTokenCli(["--stack", "plain", "--tenant", "acme", "--access", "ro", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const reply = JSON.parse(run.stdout) as { token: string; url: string; namespaceHeader: Record<string, string>; note: string };
    expect(reply).toMatchObject({ url: sqld.cluster.primary.httpUrl, namespaceHeader: { "x-namespace-bin": "YWNtZQ" }, note: expect.stringMatching(/sqld\.tenantDomain/) });
    const fetchWithHeader = (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      for (const [name, value] of Object.entries(reply.namespaceHeader)) request.headers.set(name, value);
      return fetch(request);
    };
    const db = createClient({ url: reply.url, authToken: reply.token, fetch: fetchWithHeader });
    expect((await db.execute("SELECT body FROM notes")).rows.map((r) => r.body)).toEqual(["cli"]);
    db.close();
    const plain = runTokenCli(["--stack", "plain", "--tenant", "acme", "--access", "ro"]);
    expect(plain.stderr).toContain(`url: ${sqld.cluster.primary.httpUrl} with header x-namespace-bin: YWNtZQ (`);
  });

  it("--key-file: the url only from --url (a template or sqld's URL); a bad --url exits 2", () => {
    const keyFile = path.join(dir, "key.pem");
    fs.writeFileSync(keyFile, sqld.cluster.keys.privateKeyPem, { mode: 0o600 });
    const base = ["--tenant", "acme", "--access", "ro", "--key-file", keyFile];
    const templated = runTokenCli([...base, "--json", "--url", "libsql://{tenant}.db.example.com"]);
    expect(JSON.parse(templated.stdout)).toMatchObject({ url: "libsql://acme.db.example.com" });
    const alone = runTokenCli([...base, "--json"]);
    expect(Object.keys(JSON.parse(alone.stdout)).sort()).toEqual(["expiresAt", "token"]);
    expect(runTokenCli(base).stderr).toContain("url: unknown with --key-file alone");
    const bad = runTokenCli([...base, "--url", "libsql://db.example.com/{tenant}"]);
    expect([bad.status, bad.stdout]).toEqual([2, ""]);
    expect(bad.stderr).toMatch(/invalid --url/);
  });
});
