// Group and database scripts, run with /bin/sh -c against the fake Turso API: create, re-run (409), delete.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { databaseScripts, groupScripts, parseDatabaseStdout } from "../../infra/turso/scripts";
import { startFakeTursoApi, type FakeTursoApi } from "../../local/doubles/fake-turso-api";
import { runScript, scriptEnv } from "../support/turso";

const TOKEN = "tp_test_5f1c0ffee";
const ORG = "acme";
let api: FakeTursoApi;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  api = await startFakeTursoApi({ token: TOKEN });
  // The operator's run-time consent to delete data of group `default` (infra/deletion-consent.ts).
  env = scriptEnv({ apiUrl: api.url, token: TOKEN, extra: { LIBSQL_STACK_DELETE_DATA: "default" } });
});
afterEach(async () => {
  await api.close();
});

const group = (allowDeletion = false) => groupScripts({ org: ORG, group: "default", location: "aws-eu-west-1", allowDeletion });
const database = (allowDeletion: boolean, name = "app") => databaseScripts({ org: ORG, database: name, group: "default", allowDeletion });

async function mustRun(script: string) {
  const result = await runScript(script, env);
  expect(result.stderr).not.toContain(TOKEN);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return result;
}

describe("groupScripts", () => {
  it("creates the group at its location and prints it", async () => {
    const { stdout } = await mustRun(group().create);
    expect(JSON.parse(stdout)).toEqual({ group: "default", location: "aws-eu-west-1" });
    expect(api.state.groups.get("acme/default")).toMatchObject({ primary: "aws-eu-west-1", locations: ["aws-eu-west-1"] });
  });

  it("re-run: adopts the existing group (409) when its primary is the configured location, never adding locations", async () => {
    await mustRun(group().create);
    const again = await mustRun(group().create);
    expect(again.stderr).toContain("group default exists in aws-eu-west-1");
    expect(api.state.groups.get("acme/default")!.locations).toEqual(["aws-eu-west-1"]);
    expect(api.requests.filter((r) => r.path.includes("/locations/"))).toHaveLength(0);
  });

  it("fails, naming turso.location and turso.group and the fix, when the group exists with another primary", async () => {
    await mustRun(groupScripts({ org: ORG, group: "default", location: "aws-us-east-1" }).create);
    const result = await runScript(group().create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("group default already exists with primary location aws-us-east-1, not aws-eu-west-1");
    expect(result.stderr).toContain("set libsql-stack:turso.location to aws-us-east-1");
    expect(result.stderr).toContain("or set libsql-stack:turso.group to a new group name");
    // Nothing was attempted that the API deprecates, and the group is unchanged.
    expect(api.requests.filter((r) => r.path.includes("/locations/"))).toHaveLength(0);
    expect(api.state.groups.get("acme/default")).toMatchObject({ primary: "aws-us-east-1", locations: ["aws-us-east-1"] });
  });

  it("reads the primary, not the deprecated locations list, of an existing group", async () => {
    await mustRun(group().create);
    // A group of an old account with a replica location: primary elsewhere, our location only a replica.
    api.state.groups.get("acme/default")!.primary = "aws-us-east-1";
    api.state.groups.get("acme/default")!.locations.push("aws-us-east-1");
    const result = await runScript(group().create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("already exists with primary location aws-us-east-1");
  });

  it("fails with the API's message for an unknown location", async () => {
    const result = await runScript(groupScripts({ org: ORG, group: "default", location: "mars-1" }).create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("creating group default failed: HTTP 400 from the Turso API: invalid location: mars-1");
  });

  it("delete keeps the group unless allowDeletion, and never while a database is left in it", async () => {
    await mustRun(group().create);
    await mustRun(database(false).create);
    expect((await mustRun(group(false).delete!)).stderr).toContain("keeping group default (allowDeletion is false)");
    expect((await mustRun(group(true).delete!)).stderr).toContain("keeping group default: it still holds database(s) app");
    expect(api.state.groups.has("acme/default")).toBe(true);
    expect(api.state.databases.has("acme/app")).toBe(true);
    api.state.databases.clear();
    expect((await mustRun(group(true).delete!)).stderr).toContain("deleted group default");
    expect(api.state.groups.size).toBe(0);
    expect((await mustRun(group(true).delete!)).stderr).toContain("group default was already gone");
  });
});

describe("databaseScripts", () => {
  beforeEach(async () => {
    await mustRun(group().create);
  });

  it("creates the database and prints hostname, dbId and the libsql URL", async () => {
    const { stdout } = await mustRun(database(false).create);
    const info = parseDatabaseStdout(stdout);
    const stored = api.state.databases.get("acme/app")!;
    expect(info).toEqual({ hostname: "app-acme.turso.io", dbId: stored.DbId, url: "libsql://app-acme.turso.io" });
  });

  it("re-run: 409 → reads the existing database, same output, no duplicate", async () => {
    const first = await mustRun(database(false).create);
    const second = await mustRun(database(false).create);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain("database app exists; reading it");
    expect(api.state.databases.size).toBe(1);
    expect(api.requests.filter((r) => r.method === "GET" && r.path === "/v1/organizations/acme/databases/app")).toHaveLength(1);
  });

  it("refuses to adopt an existing database that lives in another group", async () => {
    await mustRun(groupScripts({ org: ORG, group: "other", location: "aws-eu-west-1" }).create);
    await mustRun(databaseScripts({ org: ORG, database: "app", group: "other", allowDeletion: false }).create);
    const result = await runScript(database(false).create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("database app already exists in group other, not default");
  });

  it("fails naming turso.group/turso.org when the group is missing (the API's 400 group not found)", async () => {
    const result = await runScript(databaseScripts({ org: ORG, database: "app", group: "nogroup", allowDeletion: false }).create, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("creating database app: group nogroup does not exist in organisation acme; check libsql-stack:turso.group");
    expect(api.state.databases.size).toBe(0);
  });

  it("sends name and group as JSON, with the token only in the Authorization header", async () => {
    await mustRun(database(false).create);
    const post = api.requests.find((r) => r.method === "POST" && r.path === "/v1/organizations/acme/databases")!;
    expect(JSON.parse(post.body)).toEqual({ name: "app", group: "default" });
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("delete with allowDeletion removes the database; a second delete finds it gone", async () => {
    await mustRun(database(true).create);
    expect((await mustRun(database(true).delete!)).stderr).toContain("deleted database app");
    expect(api.state.databases.size).toBe(0);
    expect((await mustRun(database(true).delete!)).stderr).toContain("database app was already gone");
  });

  it("delete without allowDeletion keeps the database, exits 0 and needs no API token", async () => {
    await mustRun(database(false).create);
    const result = await runScript(database(false).delete!, { ...env, TURSO_API_TOKEN: undefined });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("keeping database app (allowDeletion is false)");
    expect(api.state.databases.has("acme/app")).toBe(true);
    expect(api.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("delete with allowDeletion still keeps the database without LIBSQL_STACK_DELETE_DATA naming the group at run time", async () => {
    await mustRun(database(true).create);
    const result = await runScript(database(true).delete!, { ...env, LIBSQL_STACK_DELETE_DATA: "other-group" });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Turso database app: kept. Deleting data needs dataProtection to allow it AND LIBSQL_STACK_DELETE_DATA=default");
    expect(api.state.databases.has("acme/app")).toBe(true);
    expect(api.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("a failed delete (500) exits non-zero with the API's message", async () => {
    await mustRun(database(true).create);
    api.failNext({ method: "DELETE", path: "/v1/organizations/acme/databases/app", status: 500, error: "storage backend unavailable" });
    const result = await runScript(database(true).delete!, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("deleting database app failed: HTTP 500 from the Turso API: storage backend unavailable");
    expect(api.state.databases.has("acme/app")).toBe(true);
  });
});
