// Database token script against the fake Turso API; the token must never reach argv. Plus the shared error paths.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databaseScripts, databaseTokenScripts, groupScripts, parseTokenStdout } from "../../infra/turso/scripts";
import { startFakeTursoApi, type FakeTursoApi } from "../../local/doubles/fake-turso-api";
import { argvLoggingShims, runScript, scriptEnv, type ArgvLog } from "../support/turso";

const TOKEN = "tp_secret_e3b0c44298fc1c149afbf4c8996fb924";
let api: FakeTursoApi;
let shims: ArgvLog;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  api = await startFakeTursoApi({ token: TOKEN });
  shims = argvLoggingShims();
  env = scriptEnv({ apiUrl: api.url, token: TOKEN, binDir: shims.binDir });
  for (const script of [
    groupScripts({ org: "acme", group: "default", location: "aws-eu-west-1" }).create,
    databaseScripts({ org: "acme", database: "app", group: "default", allowDeletion: false }).create,
  ]) {
    expect((await runScript(script, env)).code).toBe(0);
  }
});
afterEach(async () => {
  shims.cleanup();
  await api.close();
});

const token = (rotation = "1") => databaseTokenScripts({ org: "acme", database: "app", authorization: "read-only", expiration: "2w", rotation });

describe("databaseTokenScripts", () => {
  it("mints a token with the requested authorization and expiration and prints {jwt, rotation}", async () => {
    const result = await runScript(token().create, env);
    expect(result.code, result.stderr).toBe(0);
    const { jwt } = parseTokenStdout(result.stdout);
    expect(jwt.split(".")).toHaveLength(3);
    const request = api.requests.find((r) => r.path === "/v1/organizations/acme/databases/app/auth/tokens")!;
    expect(request.method).toBe("POST");
    expect(request.query).toEqual({ expiration: "2w", authorization: "read-only" });
    expect(api.state.tokensIssued).toBe(1);
    expect(result.stderr).not.toContain(jwt);
  });

  it("passes the API token to curl on stdin, never in the argv of curl or node", async () => {
    await runScript(token().create, env);
    const curls = shims.invocations().filter((argv) => argv[0] === "curl");
    expect(curls.length).toBeGreaterThanOrEqual(3); // group, database, token
    for (const argv of curls) expect(argv).toContain("@-");
    expect(shims.invocations().some((argv) => argv[0] === "node")).toBe(true);
    expect(shims.raw()).not.toContain(TOKEN);
    expect(shims.raw()).not.toContain("Bearer");
    // ...and the header did arrive.
    expect(api.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("update re-prints the previous token while the rotation key is unchanged", async () => {
    const first = await runScript(token().create, env);
    const again = await runScript(token().update!, { ...env, PULUMI_COMMAND_STDOUT: first.stdout.trim() });
    expect(again.code, again.stderr).toBe(0);
    expect(parseTokenStdout(again.stdout).jwt).toBe(parseTokenStdout(first.stdout).jwt);
    expect(api.state.tokensIssued).toBe(1);
    expect(shims.raw()).not.toContain(parseTokenStdout(first.stdout).jwt);
  });

  it("update mints a new token when tokenRotation changes, or when there is no previous token", async () => {
    const first = await runScript(token("1").create, env);
    const rotated = await runScript(token("2").update!, { ...env, PULUMI_COMMAND_STDOUT: first.stdout });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(parseTokenStdout(rotated.stdout).jwt).not.toBe(parseTokenStdout(first.stdout).jwt);
    expect(api.state.tokensIssued).toBe(2);
    const fresh = await runScript(token("2").update!, { ...env, PULUMI_COMMAND_STDOUT: "" });
    expect(fresh.code).toBe(0);
    expect(api.state.tokensIssued).toBe(3);
  });

  it("a token for another database is never carried over by update", async () => {
    const first = await runScript(token().create, env);
    const other = databaseTokenScripts({ org: "acme", database: "other", authorization: "read-only", expiration: "2w" });
    const result = await runScript(other.update!, { ...env, PULUMI_COMMAND_STDOUT: first.stdout });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("creating a token for database other failed: HTTP 404 from the Turso API: could not find database with name other: record not found");
  });

  it("delete only explains that Turso tokens cannot be revoked one by one", async () => {
    const result = await runScript(token().delete!, { ...env, TURSO_API_TOKEN: undefined });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("database tokens cannot be revoked one by one");
    expect(api.requests.some((r) => r.path.endsWith("/auth/rotate"))).toBe(false);
  });
});

describe("errors shared by all scripts", () => {
  it("missing TURSO_API_TOKEN: clear message, exit 1, no request", async () => {
    const before = api.requests.length;
    const result = await runScript(token().create, { ...env, TURSO_API_TOKEN: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("turso: TURSO_API_TOKEN is not set");
    expect(result.stderr).toContain("apiToken");
    expect(result.stdout).toBe("");
    expect(api.requests.length).toBe(before);
  });

  it("500 from the API: non-zero exit with the API's message and no output", async () => {
    api.failNext({ method: "POST", path: "/v1/organizations/acme/databases/app/auth/tokens", status: 500, error: "token service unavailable" });
    const result = await runScript(token().create, env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("creating a token for database app failed: HTTP 500 from the Turso API: token service unavailable");
  });

  it("a wrong API token (401) fails with the API's message and does not print the token", async () => {
    const result = await runScript(token().create, { ...env, TURSO_API_TOKEN: "tp_wrong_token_value" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTP 401 from the Turso API: token is missing or invalid");
    expect(result.stderr).not.toContain("tp_wrong_token_value");
  });

  it("an error body that echoes the token is redacted", async () => {
    api.failNext({ path: "/v1/organizations/acme/databases", status: 502, error: `upstream rejected Bearer ${TOKEN}` });
    const result = await runScript(databaseScripts({ org: "acme", database: "x", group: "default", allowDeletion: false }).create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("upstream rejected Bearer [redacted]");
    expect(result.stderr).not.toContain(TOKEN);
  });

  it("an unreachable API fails with the URL and curl's exit code", async () => {
    const closed = { ...env, TURSO_API_URL: "http://127.0.0.1:9" };
    const result = await runScript(token().create, closed);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/POST \/v1\/organizations\/acme\/databases\/app\/auth\/tokens\?expiration=2w&authorization=read-only: no answer from http:\/\/127\.0\.0\.1:9 \(curl exit code 7\)/);
  });

  it("an empty error body still gives a readable message", async () => {
    api.failNext({ path: "/v1/organizations/acme/databases/app/auth/tokens", status: 503, error: "" });
    const result = await runScript(token().create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HTTP 503 from the Turso API:");
    expect(result.stderr).not.toContain("at Object.");
  });
});
